"""How much code a training run reads: the repository's files that `python train.py CONFIG` imports, with their
lines, and the longest function among them (issue 27's budget: <= 2,500 lines for a CSV classifier, no function
over 40 lines).

    python -m scripts.core_size              # a user's CSV as the README's own-data line gives it, default model
    python -m scripts.core_size configs/example_conll_ner.yaml   # or any config

It trains for one step in a temporary run dir (in this process, so every module the run needs is imported), then
lists each imported file of the repository (this script aside) with `wc -l`'s count. The default config is the
README's CSV line, `data: {format: csv, train_file: ..., test_file: ...}`, on the fixture questions, nothing else.
"""
from __future__ import annotations

import argparse
import ast
import sys
import tempfile
from pathlib import Path

from errors import run_cli

ROOT = Path(__file__).resolve().parent.parent


def imported_files() -> list[Path]:
    """The repository's source files among the loaded modules (this script and the tests aside)."""
    files = {Path(m.__file__).resolve() for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
    mine = [f for f in files if f.is_relative_to(ROOT) and f.suffix == ".py" and ".venv" not in f.parts and f.is_file()]
    return sorted(f for f in mine if f != Path(__file__).resolve() and "tests" not in f.relative_to(ROOT).parts)


def _csv_config(folder: Path) -> Path:
    """The README's own-data CSV line as a whole config, on the fixture questions."""
    questions = ROOT / "tests" / "fixtures" / "questions"
    path = folder / "csv.yaml"
    files = f"train_file: {questions / 'train.csv'}, test_file: {questions / 'test.csv'}"
    path.write_text(f"data: {{format: csv, {files}}}\n")
    return path


def longest_function(path: Path) -> tuple[int, str]:
    """(lines, name) of the longest function or method in the file (decorators and docstring included)."""
    tree = ast.parse(path.read_text())
    spans = [(n.end_lineno - n.lineno + 1, n.name) for n in ast.walk(tree)
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return max(spans, default=(0, "-"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="a config (default: the README's CSV line on the fixture questions)")
    args = p.parse_args(argv)
    import train
    with tempfile.TemporaryDirectory() as tmp:
        config = args.config or _csv_config(Path(tmp))
        train.main([str(config), "train.max_steps=1", "--run-dir", str(Path(tmp) / "run")])
    files = imported_files()
    rows = [(len(f.read_text().splitlines()), f.relative_to(ROOT), *longest_function(f)) for f in files]
    print(f"\n{'lines':>6}  {'file':40} longest function")
    for lines, rel, fn_lines, fn in sorted(rows, key=lambda r: str(r[1])):
        print(f"{lines:6d}  {str(rel):40} {fn} ({fn_lines})")
    total = sum(r[0] for r in rows)
    worst = max(rows, key=lambda r: r[2])
    what = args.config or "a CSV config"
    print(f"{total:6d}  in {len(rows)} files imported by `python train.py {what}`; longest function: "
          f"{worst[3]} in {worst[1]} ({worst[2]} lines)")
    return total


if __name__ == "__main__":
    run_cli(main)
