"""The headline results: docs/results.json holds every run behind them; the README's table is made from it.

    python -m scripts.results add trec runs/s18/trec/h_n-seed* --command "..." --commit ab99081   # record runs
    python -m scripts.results table                             # print the README's results table
    python -m scripts.results write                             # put it in README.md, between its markers
    python -m scripts.results check                             # exit 1 if README.md's table differs from it
    python -m scripts.results seeds                             # every group, variants too: dev and test per seed

A group is a config and its headline metrics; a group with "headline": false (a variant tried, e.g. another
sentence vector) keeps its runs but stays out of the README's table. A run's entry copies its metrics.json
(scores, epochs, best epoch, threads, train_seconds: the training loop's own clock, summed across resumes) and adds
its seed (config.yaml), the date metrics.json was written, the machine, the commit and the command. `add` takes a
run only if its config is the group's (its config file and the overrides in its command; the seed and the settings
in SAME_RESULTS aside) and its seed is new to the group.
tests/test_results.py tests the rendering on synthetic runs and that README.md's table is this script's output.
"""
from __future__ import annotations

import argparse
import json
import re
import shlex
import statistics
import sys
import time
from pathlib import Path

import yaml

from errors import ConfigError, RunDirError, UserError, run_cli


ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "results.json"
README = ROOT / "README.md"
SAME_RESULTS = ("train.seed", "data.root", "data.download", "train.device", "train.threads", "train.num_workers",
                "train.log_every")  # keys a run of a group may set as it likes (its seed: one per run)
BEGIN, END = "<!-- results table: python -m scripts.results table -->", "<!-- end of results table -->"


def mean_std(values: list[float]) -> str:
    """Percentages: `mean ±std` over seeds, for tables of runs (just the value for one seed)."""
    pct = [100 * v for v in values]
    return f"{statistics.mean(pct):.2f}" + (f" ±{statistics.stdev(pct):.2f}" if len(pct) > 1 else "")


def load() -> dict:
    return json.loads(RESULTS.read_text())


def run_entry(run_dir: Path, machine: str, command: str, commit: str) -> dict:
    """One finished run as results.json keeps it. Its time is metrics.json's train_seconds, not the files' mtimes:
    a run stopped and resumed rewrites config.yaml, and the pause is no part of its cost."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    end = (run_dir / "metrics.json").stat().st_mtime
    return {"run": run_dir.name, "seed": config["train"]["seed"], "command": command, "commit": commit,
            "date": time.strftime("%Y-%m-%d", time.gmtime(end)), "machine": machine, **metrics}


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def goal(mean: float, metric: dict, kind: str, partial: bool = False) -> str:
    """"95.0: met" / "95.8: not met" for the mean over seeds ("... so far" while seeds are missing), or "-" when the
    metric has no such goal."""
    if metric.get(kind) is None:
        return "-"
    return f"{metric[kind]}: {'met' if 100 * mean >= metric[kind] else 'not met'}{' so far' if partial else ''}"


def table_rows(group: dict) -> list[str]:
    """One row per headline metric of a config: seed 1, mean ± std over the seeds, target and stretch goal."""
    runs = sorted(group["runs"], key=lambda r: r["seed"])
    seed1 = next((r for r in runs if r["seed"] == 1), None)
    if seed1 is None:
        raise ConfigError(f"{group['name']}: no seed-1 run in {RESULTS.name}: the table quotes what the command gives")
    seeds = f"{len(runs)} seeds" if len(runs) >= group["seeds"] else f"{len(runs)} of {group['seeds']} seeds"
    rows = []
    for m in group["metrics"]:
        values = [r[m["key"]] for r in runs]
        mean = statistics.mean(values)
        partial = len(runs) < group["seeds"]
        rows.append(f"| {group['title']}, {m['name']} | **{100 * seed1[m['key']]:.2f}** | {mean_std(values)} "
                    f"({seeds}) | {goal(mean, m, 'target', partial)} | {goal(mean, m, 'stretch', partial)} | "
                    f"{seed1['epochs']} ({seed1['best_epoch']}) | {minutes(seed1['train_seconds'])} | "
                    f"{group.get('cpu', '-')} | `{group['command']}` |")
    return rows


def table(results: dict | None = None) -> str:
    """The README's results block: a caption (machine, dates, commits) and one row per headline metric."""
    results = results or load()
    runs = [r for g in results["groups"] if g.get("headline", True) for r in g["runs"]]
    dates, commits = sorted({r["date"] for r in runs}), sorted({r["commit"] for r in runs})
    caption = (f"{results['machine']}; runs of {', '.join(dates)} at commit {', '.join(commits)} (every run: "
               f"[docs/results.json](docs/results.json)). Seed 1 is what the command gives; goals are judged on the "
               f"mean over seeds; test split unless noted; no pretrained vectors unless the row says GloVe "
               f"(glove.6B.50d, `model.vectors`). Training time: the loop's own clock (data loading and evaluation "
               f"aside).")
    head = ["| dataset, metric | seed 1 | mean ± std | target | stretch | epochs (best), seed 1 | training, seed 1 | "
            "CPU | command |", "|---|---|---|---|---|---|---|---|---|"]
    body = [row for g in results["groups"] if g.get("headline", True) for row in table_rows(g)]
    return "\n".join([BEGIN, caption, "", *head, *body, END])


def seeds_table(results: dict | None = None) -> str:
    """Every group, variants included (docs/results.md): the selection metric on dev and each headline metric on
    test, mean ± std and per seed, and the epochs each seed ran. A variant is chosen over its config by dev only."""
    results = results or load()
    rows = ["| config | command | seeds | dev (selects) | test | test per seed | epochs |",
            "|---|---|---|---|---|---|---|"]
    for g in results["groups"]:
        runs = sorted(g["runs"], key=lambda r: r["seed"])
        if not runs:
            continue
        select = g.get("select", g["metrics"][0]["key"].replace("test/", "dev/"))
        test = " / ".join(mean_std([r[m["key"]] for r in runs]) for m in g["metrics"])
        per_seed = "; ".join(", ".join(f"{100 * r[m['key']]:.2f}" for r in runs) for m in g["metrics"])
        rows.append(f"| {g['title']} | `{g['command']}` | {len(runs)} | {select.removeprefix('dev/')} "
                    f"{mean_std([r[select] for r in runs])} | {test} | {per_seed} | "
                    f"{', '.join(str(r['epochs']) for r in runs)} |")
    return "\n".join(rows)


def readme_table(text: str) -> str:
    """The README's block between BEGIN and END (markers included)."""
    if BEGIN not in text or END not in text:
        raise ConfigError(f"README.md has no results table between {BEGIN!r} and {END!r}")
    return text[text.index(BEGIN): text.index(END) + len(END)]


def add(name: str, run_dirs: list[Path], machine: str, command: str, commit: str) -> None:
    """Record the finished runs in run_dirs in group ``name``; refuse them all if one is not a run of the group's
    command (its config, but for the seed and settings that change no result) or repeats a seed it has."""
    results = load()
    group = next((g for g in results["groups"] if g["name"] == name), None)
    if group is None:
        raise UserError(f"no group {name!r} in {RESULTS}; groups: {', '.join(g['name'] for g in results['groups'])}")
    seeds = {r["seed"]: r["run"] for r in group["runs"]}
    entries = []
    for d in run_dirs:
        if not (d / "metrics.json").is_file():
            raise RunDirError(f"{d}: no metrics.json: not a finished run")
        entry = run_entry(d, machine, command, commit)
        if seeds.get(entry["seed"]) == d.name:  # already recorded (a run dir's name, e.g. h_n-seed1)
            continue
        if differ := _not_the_group(d, group):
            raise RunDirError(f"{d} is not a run of group {name} (`{group['command']}`): {differ}")
        if entry["seed"] in seeds:
            raise RunDirError(f"{d}: group {name} has a run of seed {entry['seed']} already ({seeds[entry['seed']]})")
        seeds[entry["seed"]] = d.name
        entries.append(entry)
    group["runs"] += entries
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def _not_the_group(run_dir: Path, group: dict) -> str:
    """How run_dir's config differs from the one its group's command trains ("" if it does not)."""
    from scripts.sweep import config_of, differing, run_config  # it imports this file; and torch
    overrides = [word for word in shlex.split(group["command"]) if re.match(r"\w+\.\w+=", word)]
    return differing(run_config(run_dir), config_of(str(ROOT / group["config"]), overrides), SAME_RESULTS,
                     ("in the run", "in the group's"))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add")
    a.add_argument("group")
    a.add_argument("run_dirs", type=Path, nargs="+")
    a.add_argument("--machine", default="2-core AMD EPYC CPU, torch 2.13.0+cpu, 1 thread")
    a.add_argument("--command", dest="run_command", required=True, help="the command that made these runs")
    a.add_argument("--commit", required=True, help="the commit of the code they ran")
    sub.add_parser("table")
    sub.add_parser("write")
    sub.add_parser("check")
    sub.add_parser("seeds")
    args = p.parse_args(argv)
    if args.command == "add":
        add(args.group, args.run_dirs, args.machine, args.run_command, args.commit)
    elif args.command == "table":
        print(table())
    elif args.command == "seeds":
        print(seeds_table())
    elif args.command == "write":
        text = README.read_text()
        README.write_text(text.replace(readme_table(text), table()))
    elif readme_table(README.read_text()) != table():
        sys.exit("README.md's results table differs from docs/results.json: run python -m scripts.results write")


if __name__ == "__main__":
    run_cli(main)
