"""Start your own project from this template: a copy with only the tasks and parts you choose, in a new folder.

    python -m scripts.new_project ../my_classifier --task classification     # the core, sentence labels only
    python -m scripts.new_project ../my_tagger --task tagging --parts export
    python -m scripts.new_project ../my_slots --task joint                    # the joint model keeps tagging: its slots
    python -m scripts.new_project ../everything --task all --parts all

The copy holds the template's committed files (`git ls-files`) less those of every task and part left out (with
their tests, configs and docs), a `configs/tiny.yaml` for the tasks kept, a Makefile whose `make train` trains an
example config the copy holds (and no setup-vectors without vectors), a CI workflow that downloads datasets only
with named_datasets, and a README whose first section lists what was left out. Its `make test` passes
there (tests/test_new_project.py builds each one-task copy and trains in it). `PARTS` is the README's parts table.
"""
from __future__ import annotations

import argparse
import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

from errors import run_cli

ROOT = Path(__file__).resolve().parent.parent

# task -> (files only that task needs, what a copy without it cannot do)
TASKS = {
    "classification": (["data/formats/delimited.py", "data/formats/jsonl.py", "data/formats/class_files.py",
                        "configs/example_csv_classifier.yaml", "tests/test_class_weights.py",
                        "tests/fixtures/questions/*"],
                       "sentence labels (CSV/TSV/JSONL, class files; models/heads.py stays: the joint model's)"),
    "tagging": (["models/tagging.py", "models/crf.py", "training/entities.py", "data/tags.py", "data/formats/conllu.py",
                 "data/formats/columns.py", "configs/example_conll_ner.yaml", "tests/test_crf.py",
                 "tests/test_tagging.py", "tests/fixtures/pos/*", "tests/fixtures/ner/*"],
                "token labels: POS, NER (CoNLL-U, CoNLL columns), the CRF, entity F1"),
    "joint": (["data/formats/seq_in_out.py", "configs/example_slots_joint.yaml", "tests/fixtures/slots/*"],
              "intent + slots from one encoder (seq.in / seq.out / label folders)"),
}
TASK_NEEDS = {"joint": ["tagging"]}  # the joint model's slots are a tagger's (models/tagging.py, entity F1)
# part -> (its files, what you lose without it, the parts and tasks it needs)
PARTS = {
    "torchrun": (["training/distributed.py", "training/torchrun.py", "tests/test_distributed.py",
                  "tests/test_torchrun.py"],
                 "training in several processes (torchrun, DDP)", []),
    "device_data": (["data/device_loader.py", "tests/test_device_loader.py"],
                    "train.device_data: a split put on the GPU once, batches sliced there", []),
    "reversed": (["models/reversed.py", "tests/test_reversed.py"],
                 "model.rnn_path: reversed, the unpacked path (faster on CPUs)", []),
    "char_cnn": (["models/char_cnn.py", "data/chars.py", "tests/test_char_cnn.py"],
                 "model.char_filters: a character CNN's features beside each word's embedding", []),
    "export": (["export.py", "tests/test_export.py"], "export.py: torch.export and ONNX programs for serving",
               ["reversed"]),
    "hub": (["data/hub.py", "tests/test_hub.py"], "data.hub_id: any datasets.load_dataset path", []),
    "vectors": (["data/vectors.py", "data/vector_sources.py", "requirements-vectors.txt", "tests/test_vector*.py",
                 "configs/*_glove.yaml"],
                "model.vectors: pretrained word vectors (GloVe, word2vec, fastText)", []),
    "dev_sentences": (["data/sentence_split.py", "tests/test_sentence_split.py"],
                      "data.dev_sentences: a dev split of whole sentences out of phrase-level train", []),
    "named_datasets": (["data/named.py", "data/download.py", "data/registry.py", "data/formats/trec.py",
                        "configs/atis.yaml", "configs/ner_conll2003.yaml", "configs/pos_ud_ewt*.yaml",
                        "configs/sst2.yaml", "configs/trec.yaml", "configs/*_glove.yaml", "tests/test_download.py",
                        "tests/test_atis.py", "tests/test_conll2003.py", "tests/test_readers.py",
                        "tests/test_named.py"],
                       "data.name presets of the five public datasets and python -m data.download",
                       ["classification", "tagging", "joint", "reversed", "char_cnn", "vectors", "dev_sentences",
                        "device_data"]),
    "benchmarks": (["benchmarks/*", "tests/test_benchmark.py"], "throughput, host syncs, time to accuracy",
                   ["named_datasets", "reversed", "device_data"]),
    "scripts": (["scripts/*", "tests/test_sweep.py", "tests/test_ablation.py", "tests/test_results.py",
                 "tests/test_explain.py", "tests/test_typed_text.py", "tests/test_new_project.py"],
                "sweeps, the ablation, the results table, the h_n figure and table, typed-text figures, this command",
                ["named_datasets"]),
}
# `make train`'s config: the Makefile's (a named dataset's), else the first a copy has (each trains on tests/fixtures)
DEFAULT_CONFIGS = ("configs/trec.yaml", "configs/example_csv_classifier.yaml", "configs/example_slots_joint.yaml",
                   "configs/example_conll_ner.yaml")
NEVER = [".ci/run"]  # this project's CI (../shared beside it); a copy keeps .github/workflows/ci.yml


def left_out(task: str, parts: list[str]) -> tuple[list[str], list[str]]:
    """The tasks and parts a copy with ``task`` ("all" or one) and ``parts`` leaves out (dependencies checked)."""
    tasks = list(TASKS) if task == "all" else [task, *TASK_NEEDS.get(task, [])]
    for part in parts:
        missing = [need for need in PARTS[part][2] if need not in tasks + parts]
        if missing:
            raise SystemExit(f"part {part} needs {', '.join(missing)}: add them (--parts, --task all)")
    return [t for t in TASKS if t not in tasks], [p for p in PARTS if p not in parts]


def files_left_out(tasks: list[str], parts: list[str]) -> list[str]:
    """The committed files of the tasks and parts left out (and `NEVER`)."""
    patterns = NEVER + [f for t in tasks for f in TASKS[t][0]] + [f for p in parts for f in PARTS[p][0]]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in tracked.split() if any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]


def copy(dest: Path, task: str, parts: list[str]) -> list[str]:
    """Write the copy into ``dest`` (new or empty); returns the files left out."""
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"{dest}: exists and is not empty; give a new folder")
    tasks_out, parts_out = left_out(task, parts)
    out = set(files_left_out(tasks_out, parts_out))
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for f in tracked.split():
        if f not in out and (ROOT / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
    if "tagging" in tasks_out:  # configs/tiny.yaml trains the pos fixture: a copy without taggers, the questions
        (dest / "configs" / "tiny.yaml").write_text((ROOT / "configs" / "tiny.yaml").read_text().replace(
            "format: conllu", "format: csv").replace("pos/train.conllu", "questions/train.csv").replace(
            "pos/test.conllu", "questions/test.csv").replace("name: tiny_pos", "name: tiny_questions").replace(
            "the small POS files", "the small CSV files of questions"))
    default = next(c for c in DEFAULT_CONFIGS if (dest / c).is_file())  # what `make train` trains there
    makefile = dest / "Makefile"
    makefile.write_text(makefile.read_text().replace(f"CONFIG ?= {DEFAULT_CONFIGS[0]}", f"CONFIG ?= {default}"))
    if "vectors" in parts_out:  # its target installs requirements-vectors.txt
        makefile.write_text(re.sub(r"(?m)^setup-vectors:.*\n|^\$\(VENV\)/\.installed-vectors:.*\n(\t.*\n)*\n", "",
                                   makefile.read_text()).replace(" setup-vectors", ""))
    if "named_datasets" in parts_out:  # no datasets to download: CI lints and tests
        ci = dest / ".github" / "workflows" / "ci.yml"
        ci.write_text(re.sub(r"(?ms)^      - name: Cache the downloaded datasets$.*?(?=^      - name: Test$)", "",
                             ci.read_text()))
    if "char_cnn" in parts_out:  # the configs' char-CNN off, as in model.char_filters' default
        for config in (dest / "configs").glob("*.yaml"):
            config.write_text(re.sub(r"(?m)^(\s*char_filters:\s*)\d+", r"\g<1>0", config.read_text()))
    readme = dest / "README.md"
    readme.write_text(_left_out_section(tasks_out, parts_out, default) + readme.read_text())
    return sorted(out)


def _left_out_section(tasks: list[str], parts: list[str], default: str) -> str:
    rows = [f"| task {t} | {TASKS[t][1]} |" for t in tasks] + [f"| {p} | {PARTS[p][1]} |" for p in parts]
    if not rows:
        return "<!-- made by python -m scripts.new_project: nothing left out -->\n\n"
    here = "" if default == DEFAULT_CONFIGS[0] else (f" Here `make train` trains `{default}` (on the small files "
                                                     f"in tests/fixtures/; point its paths at yours).")
    return ("## Left out of this copy\n\nMade by `python -m scripts.new_project` from the template, without:\n\n"
            "| task or part | what this copy cannot do |\n|---|---|\n" + "\n".join(rows) + "\n\nThe sections below "
            f"describe the whole template; what they say of these does not apply here.{here}\n\n")


BEGIN, END = "<!-- parts table: python -m scripts.new_project --table -->", "<!-- end of parts table -->"


def table() -> str:
    """The README's table of tasks and parts: their files and what a copy without them cannot do."""
    code = ("data/", "models/", "training/")
    rows = [f"| task: {t} | {', '.join(f'`{f}`' for f in TASKS[t][0] if f.startswith(code))} | {TASKS[t][1]} |"
            for t in TASKS]
    rows += [f"| {p} | {', '.join(f'`{f}`' for f in PARTS[p][0] if not f.startswith(('tests/', 'configs/')))} | "
             f"{PARTS[p][1]} |" for p in PARTS]
    return "\n".join([BEGIN, "| task or part | its files (tests and configs aside) | without it |", "|---|---|---|",
                      *rows, END])


def main(argv=None) -> list[str]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dest", type=Path, nargs="?")
    p.add_argument("--table", action="store_true", help="print the README's parts table")
    p.add_argument("--task", choices=["all", *TASKS], default="all")
    p.add_argument("--parts", default="", help=f"comma-separated, or all: {', '.join(PARTS)}")
    args = p.parse_args(argv)
    if args.table or args.dest is None:
        print(table())
        return []
    parts = list(PARTS) if args.parts == "all" else [x for x in args.parts.split(",") if x]
    unknown = [x for x in parts if x not in PARTS]
    if unknown:
        p.error(f"unknown part(s) {', '.join(unknown)}; parts: {', '.join(PARTS)}")
    args.dest.mkdir(parents=True, exist_ok=True)
    out = copy(args.dest, args.task, parts)
    print(f"{args.dest}: the template less {len(out)} files; then: cd {args.dest} && git init && make test",
          file=sys.stderr)
    return out


if __name__ == "__main__":
    run_cli(main)
