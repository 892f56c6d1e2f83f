"""data.hub_id: any `datasets.load_dataset` path -> the readers' example columns (``tokens``, ``tags``, ``label``).

The path is a Hub id (online), a local folder of parquet / CSV / JSON files (splits from the file names:
``train.parquet``, ``validation.parquet``, ``test.parquet``), or a builder name (``parquet``, ``csv``, ``json``) whose
data files are data.train_file / validation_file / test_file. data.task says which columns to read:

| task | columns (config key: default) |
|---|---|
| tagging | ``token_column: tokens`` (a list of strings), ``tag_column: tags`` (one per token) |
| classification | ``text_column: text`` (a string, split by data.tokenizer, or a list), ``label_column: label`` |
| joint | ``token_column``, ``tag_column`` and ``label_column`` |

`ClassLabel` ids (labels and tags) become their names; other values their ``str``. Splits other than train,
validation and test are not read; dev and test hold-outs and ``limit`` are then applied as for files
(`data.datasets.load_splits`).
"""
from __future__ import annotations

from pathlib import Path

import datasets

from errors import ConfigError, DataFormatError
from .config import task_of, training_split
from .text import SPLIT, split

SPLITS = ("train", "validation", "test")


def columns(cfg, task: str) -> dict[str, str]:
    """{"tokens" | "tags" | "label": the source column} for a DataConfig and its task."""
    cols = {"tokens": cfg.text_column or "text"} if task == "classification" else {
        "tokens": cfg.token_column or "tokens", "tags": cfg.tag_column or "tags"}
    if task in ("classification", "joint"):
        cols["label"] = cfg.label_column or "label"
    return cols


def load_hub_splits(cfg, data_files: dict[str, Path]) -> dict[str, datasets.Dataset]:
    """`datasets.load_dataset(data.hub_id, data.hub_config[, data_files])` -> {split: Dataset with the `columns`
    renamed}, text split as training splits it (`data.config.training_split`)."""
    path, cols, tokenizer = cfg.hub_id, columns(cfg, task_of(cfg)), training_split(cfg)
    files = {"data_files": {s: str(f) for s, f in data_files.items()}} if data_files else {}
    dd = datasets.load_dataset(path, cfg.hub_config, **files)
    if not isinstance(dd, datasets.DatasetDict) or "train" not in dd:
        raise ConfigError(f"data.hub_id {path!r}: no train split (splits: {list(dd) if isinstance(dd, dict) else '-'})")
    return {s: to_examples(dd[s], cols, f"data.hub_id {path!r} split {s!r}", tokenizer) for s in SPLITS if s in dd}


def to_examples(ds: datasets.Dataset, cols: dict[str, str], where: str, tokenizer: str = SPLIT) -> datasets.Dataset:
    """A loaded split -> columns tokens, tags and/or label (strings); a text string is split by ``tokenizer`` (a
    `data.text` name), a list of strings kept as tokens; errors name the row (0-based)."""
    missing = [c for c in cols.values() if c not in ds.column_names]
    if missing:
        keys = {"tokens": "token_column" if "tags" in cols else "text_column", "tags": "tag_column",
                "label": "label_column"}
        raise ConfigError(f"{where}: no column {missing}; its columns: {ds.column_names}. Set data."
                         + ", data.".join(keys[k] for k, c in cols.items() if c in missing))
    names = {field: _class_names(ds.features[c]) for field, c in cols.items() if field != "tokens"}

    def convert(ex: dict, row: int) -> dict:
        tokens = ex[cols["tokens"]]
        tokens = split(tokens, tokenizer) if isinstance(tokens, str) else [str(t) for t in tokens]
        if not tokens:
            raise DataFormatError(f"{where} row {row}", None, f"empty {cols['tokens']!r}")
        out = {"tokens": tokens}
        if "tags" in cols:
            out["tags"] = [_name(t, names["tags"], where, row) for t in ex[cols["tags"]]]
            if len(out["tags"]) != len(tokens):
                raise DataFormatError(f"{where} row {row}", None, f"{len(out['tags'])} tags for {len(tokens)} tokens")
        if "label" in cols:
            out["label"] = _name(ex[cols["label"]], names["label"], where, row)
        return out

    strings = datasets.Sequence(datasets.Value("string"))
    features = datasets.Features({"tokens": strings, **({"tags": strings} if "tags" in cols else {}),
                                  **({"label": datasets.Value("string")} if "label" in cols else {})})
    return ds.map(convert, with_indices=True, remove_columns=ds.column_names, features=features, desc="hub columns")


def _class_names(feature) -> list[str] | None:
    """The names of a ClassLabel, or of the ClassLabel inside a sequence feature; None for plain values."""
    inner = getattr(feature, "feature", feature)
    return inner.names if isinstance(inner, datasets.ClassLabel) else None


def _name(value, names: list[str] | None, where: str, row: int) -> str:
    if names is None:
        if value is None or not str(value).strip():
            raise DataFormatError(f"{where} row {row}", None, "empty label")
        return str(value).strip()
    if not 0 <= value < len(names):  # GLUE's test splits: -1, no label
        raise DataFormatError(f"{where} row {row}", None, f"class id {value} has no name (unlabelled?); names: {names}")
    return names[value]
