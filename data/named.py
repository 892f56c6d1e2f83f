"""The named public datasets (``data.name`` without ``data.format``): a preset of data settings each, files relative to
the data root, which data/download.py finds or fetches (a part: delete this file, data/download.py and
data/registry.py, and data.name takes your own files only).
"""
from __future__ import annotations

from pathlib import Path

from . import download

# Named datasets: DataConfig settings, files relative to the data root. GLUE SST-2's test split has no labels: its
# dev set is the evaluation ("test") split, and model selection uses a slice held out of train. All five come
# tokenised (kept as they are); `tokenizer` is the one that reproduces their tokenisation for raw text at prediction
# (docs/data.md, "Text as people type it").
DATASETS = {
    "ud_en_ewt": dict(format="conllu", train_file="ud_en_ewt/en_ewt-ud-train.conllu", tokenizer="ptb_straight",
                      validation_file="ud_en_ewt/en_ewt-ud-dev.conllu", test_file="ud_en_ewt/en_ewt-ud-test.conllu"),
    "conll2003": dict(format="columns", train_file="conll2003/eng.train", validation_file="conll2003/eng.testa",
                      test_file="conll2003/eng.testb", token_column="0", tag_column="-1", tag_scheme="iob1",
                      tokenizer="ptb_straight"),
    "trec": dict(format="trec", train_file="trec/train_5500.label", test_file="trec/TREC_10.label",
                 pretokenized=True, tokenizer="ptb"),
    "sst2": dict(format="tsv", train_file="sst2/train.tsv", test_file="sst2/dev.tsv", text_column="sentence",
                 pretokenized=True, tokenizer="ptb_lower"),
    "atis": dict(format="seq_in_out", train_file="atis/train", validation_file="atis/valid", test_file="atis/test",
                 tokenizer="whitespace"),  # lower-case words, no punctuation, `what's` as one token
}


def data_root(cfg) -> Path:
    """The folder holding cfg.name/: data.root if set, else $RNN_DATA_ROOT if set, else ../shared/data beside the
    repository, else the download cache; data.download=true fetches a missing one (data/download.py)."""
    return download.locate(cfg.name, cfg.root, cfg.download)
