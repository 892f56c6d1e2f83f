#!/usr/bin/env bash
# The GPU machine's image (Python 3.12, its own torch 2.11+cu130, no internet) lacks some of requirements.txt:
# this builds them here as wheels for Python 3.12 into wheelhouse/ (git-ignored), to carry with the device tool
# (`carry: ["wheelhouse"]`, 64 MiB at most) and install there with
#     python3 -m pip install --no-index --find-links wheelhouse -r wheelhouse/requirements.txt
# What the image already holds (pandas, numpy, scikit-learn, tensorboard, matplotlib, tqdm, PyYAML:
# /work/.library/device/KINDS.md) is left out; seqeval has no wheel on the index and is built here. pyarrow stays
# (49 of the 62 MB): datasets 5.2 needs pyarrow >= 24 and the image's version is not on record; requirements.txt
# asks for pyarrow>=24, so pip installs it only if the image's is older. scripts/gpu_figures.sh prepare runs this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
out=$root/wheelhouse
rm -rf "$out" && mkdir -p "$out"
missing="datasets==5.2.0 omegaconf==2.4.0 pooch==1.9.0 nltk==3.10.4"
"$py" -m pip download -q --python-version 3.12 --only-binary=:all: --platform manylinux2014_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 -d "$out" $missing pyarrow==24.0.0
"$py" -m pip wheel -q --no-deps -w "$out" seqeval==1.2.2
rm -f "$out"/pandas-* "$out"/numpy-*   # in the image
echo $missing "pyarrow>=24" seqeval==1.2.2 | tr ' ' '\n' > "$out/requirements.txt"
du -sh "$out"
