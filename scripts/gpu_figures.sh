#!/usr/bin/env bash
# Every GPU figure of docs/speed.md's GPU section in one short run on a borrowed GPU machine (issue 19), whose image
# has its own torch (2.11 + CUDA 13), lacks some of requirements.txt and has no ../shared:
#
#     bash scripts/gpu_figures.sh prepare    # here: wheels (scripts/gpu_wheelhouse.sh) + UD EWT -> gpu_carry/
#     bash scripts/gpu_figures.sh run        # there, in the repository root, carrying gpu_carry/ (~62 MiB)
#
# `run` installs the wheels, warms the datasets cache, then: the host syncs per step, the GPU recipe's whole run
# (process start to metrics.json), its time to 94.5% dev UPOS, the throughput benchmark at the recipe's batch and
# at 32, then the CPU trials' runner-up (batch 256) and the recipe on the packed path; each step under a timeout
# (the device tool's call ends at 10 min). A failing step is reported and the next one runs. Everything goes
# to stdout and $OUT/gpu.log; the runs' metrics.json, logs and TensorBoard events come back in $OUT/runs.tar.gz.
# A rehearsal here, on the CPU and tiny: PYTHON=.venv/bin/python DEVICE=cpu OVERRIDES="data.limit=600 train.epochs=2"
# bash scripts/gpu_figures.sh run (the install and nvidia-smi steps fail there and are reported).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
carry=gpu_carry

if [ "${1:-}" = prepare ]; then
  set -e
  py=${PYTHON:-$root/.venv/bin/python}
  data=$("$py" -c "from data.datasets import DataConfig, data_root; print(data_root(DataConfig(name='ud_en_ewt')))")
  bash scripts/gpu_wheelhouse.sh
  rm -rf "$carry" && mkdir -p "$carry"
  mv wheelhouse "$carry/wheelhouse"
  tar -C "$data" -cJf "$carry/ud_en_ewt.tar.xz" ud_en_ewt
  du -sh "$carry"
  exit 0
fi
[ "${1:-}" = run ] || { echo "usage: bash scripts/gpu_figures.sh prepare|run" >&2; exit 2; }

out=${OUT:-/tmp/gpu-figures}
mkdir -p "$out"
py=${PYTHON:-python3}
device=${DEVICE:-cuda}
read -r -a extra <<< "${OVERRIDES:-}"   # config overrides for every step (a rehearsal's tiny sizes)
export PYTHONUNBUFFERED=1 RNN_DATA_ROOT=/tmp/gpu-data
step() { echo; echo "=== $(date -u +%H:%M:%S) $*"; }
failed() { echo "FAILED ($?): $*"; }
seconds() { "$py" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$@"; }

train() {  # NAME [overrides...]: one whole run, timed from process start to metrics.json
  local name=$1; shift
  step "train $name: python train.py configs/pos_ud_ewt_gpu.yaml $*"
  local start end
  start=$(date +%s.%N)
  timeout 300 "$py" train.py configs/pos_ud_ewt_gpu.yaml "${extra[@]}" train.device="$device" "$@" \
    --run-dir "runs/$name" > "runs/$name.log" 2>&1 || { failed "train $name"; tail -n 25 "runs/$name.log"; return; }
  end=$(date +%s.%N)
  tail -n 25 "runs/$name.log"
  echo "whole run $name (process start to exit): $(seconds "$start" "$end") s"
  "$py" -m benchmarks.time_to_accuracy "runs/$name" --target 0.945 || failed "time to accuracy"
  "$py" - "runs/$name" <<'EOF' || failed "epoch times"
import json, statistics, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0}); acc.Reload()
steps = [e.value for e in acc.Scalars("train/seconds")]
m = json.load(open(f"{sys.argv[1]}/metrics.json"))
print(f"training steps per epoch: first {steps[0]:.2f} s, median {statistics.median(steps):.2f} s, "
      f"min {min(steps):.2f} s over {len(steps)} epochs; dev evaluations {m['eval_seconds']:.1f} s, "
      f"checkpoint saves {m['save_seconds']:.1f} s, training steps {m['train_seconds']:.1f} s in all")
EOF
  tar -czf "$out/runs.tar.gz" --exclude='*.pt' --exclude='*.tsv' runs
}

main() {
rm -rf runs/gpu runs/gpu-b256 runs/gpu-packed runs/gpu*.log   # a warm machine keeps ignored files
step "install (wheels for what the image lacks)"
if [ "$device" = cpu ]; then
  echo "skipped: a CPU rehearsal uses this environment as it is"
else
  "$py" -m pip install -q --no-index --find-links "$carry/wheelhouse" -r "$carry/wheelhouse/requirements.txt" \
    || failed "pip install"
fi
mkdir -p "$RNN_DATA_ROOT"
"$py" -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$carry/ud_en_ewt.tar.xz" \
  "$RNN_DATA_ROOT" && ls "$RNN_DATA_ROOT/ud_en_ewt" || failed "data"

step versions
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
"$py" -c "import torch, datasets, pyarrow; print('torch', torch.__version__, 'CUDA', torch.version.cuda, 'cuDNN',
torch.backends.cudnn.version(), torch.cuda.get_device_name(), '| datasets', datasets.__version__, 'pyarrow',
pyarrow.__version__); import os; print(os.cpu_count(), 'CPUs')" || failed versions

step "warm the datasets cache (UD EWT, chars)"
"$py" -c "from training.config import load_config; from data.datasets import prepare
import sys; c = load_config('configs/pos_ud_ewt_gpu.yaml', sys.argv[1:]); prepare(c.data, chars=True)" "${extra[@]}" \
  || failed "cache"


mkdir -p runs
step "host syncs per step"
timeout 120 "$py" -m benchmarks.syncs --config configs/pos_ud_ewt_gpu.yaml --device "$device" "${extra[@]}" \
  || failed syncs
train gpu
step "throughput at the recipe's batch"
timeout 200 "$py" -m benchmarks.throughput --config configs/pos_ud_ewt_gpu.yaml --device "$device" --threads 1 \
  --batches 20 --warmup 5 --repeats 5 "${extra[@]}" || failed "throughput, recipe batch"
step "throughput at batch 32"
timeout 200 "$py" -m benchmarks.throughput --config configs/pos_ud_ewt_gpu.yaml --batch-size 32 --device "$device" \
  --threads 1 --batches 100 --repeats 5 "${extra[@]}" || failed "throughput, batch 32"
train gpu-b256 train.batch_size=256 train.lr=0.0057   # the runner-up on the CPU (test 95.23, 40 epochs)
train gpu-packed model.rnn_path=packed
step done
}

main 2>&1 | tee "$out/gpu.log"
