"""The tokenizers for raw text (data.text): quotes, the serving recipe in export_meta.json, and which tokenizer a
config resolves to (the named datasets' presets on typed text: tests/test_typed_text.py)."""
import json
from pathlib import Path

import pytest

from data import text
from data.config import DataConfig, resolve_text

TYPED = Path(__file__).parent / "data" / "typed_text.jsonl"


def typed_rows(dataset: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in TYPED.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if dataset in (None, r["dataset"])]


def test_normalisation_maps_typographic_quotes_to_the_training_texts():
    typed = "I don’t know “why” it’s — really…"
    assert text.split(typed, "ptb") == ["I", "do", "n't", "know", "``", "why", "''", "it", "'s", "--", "really",
                                        "..."]
    assert text.split(typed, "ptb_lower")[0] == "i"
    assert text.split(typed, "ptb_straight")[4:7] == ['"', "why", '"']                   # UD EWT writes "
    assert text.split(typed, "whitespace") == typed.split()                               # as before: no change
    assert text.split("a\u00a0b\u200bc", "ptb") == ["a", "bc"]                            # odd spaces


NAMED, CLASSES, TAGS = (pytest.mark.part(p) for p in ("named_datasets", "classification", "tagging"))


@pytest.mark.parametrize("overrides,expected", [
    pytest.param({"name": "trec"}, (True, "ptb"), marks=NAMED),          # tokenized file, raw text at prediction
    pytest.param({"name": "sst2"}, (True, "ptb_lower"), marks=NAMED),
    pytest.param({"name": "ud_en_ewt"}, (True, "ptb_straight"), marks=NAMED),
    pytest.param({"name": "atis"}, (True, "whitespace"), marks=NAMED),
    pytest.param({"name": "trec", "tokenizer": "whitespace"}, (True, "whitespace"), marks=NAMED),
    pytest.param({"name": "mine", "format": "csv"}, (False, "ptb"), marks=CLASSES),  # your text: raw by default
    pytest.param({"name": "mine", "format": "jsonl", "pretokenized": True}, (True, "ptb"), marks=CLASSES),
    pytest.param({"name": "mine", "format": "tsv", "tokenizer": "ptb_lower"}, (False, "ptb_lower"), marks=CLASSES),
    pytest.param({"name": "mine", "format": "conllu"}, (True, "ptb"), marks=TAGS),  # typed text at prediction
    pytest.param({"name": "mine", "format": "conllu", "tokenizer": "whitespace"}, (True, "whitespace"), marks=TAGS),
])
def test_config_resolves_pretokenized_and_tokenizer(overrides, expected):
    files = {} if overrides["name"] != "mine" else {"train_file": "a", "test_file": "b"}
    cfg = resolve_text(DataConfig(**overrides, **files))
    assert (cfg.pretokenized, cfg.tokenizer) == expected


@pytest.mark.part("classification")
def test_bad_settings_name_the_key():
    with pytest.raises(ValueError, match="data.tokenizer must be one of whitespace | ptb"):
        DataConfig(format="csv", train_file="a", test_file="b", tokenizer="spacy")


@pytest.mark.part("tagging")
def test_pretokenized_false_needs_raw_text():
    with pytest.raises(ValueError, match="data.pretokenized: false needs raw text"):
        DataConfig(format="conllu", train_file="a", test_file="b", pretokenized=False)


@pytest.mark.needs_data("trec", "sst2", "ud_en_ewt")
def test_library_benchmark_reproduces_the_readme_agreement(capsys):
    from benchmarks import tokenizers

    rows = tokenizers.main(repeats=1)
    assert [round(100 * v, 1) for v in rows["nltk NLTKWordTokenizer"][:3]] == [99.8, 99.2, 82.9]
    assert [round(100 * v, 1) for v in rows["whitespace"][:3]] == [0.0, 1.0, 19.5]   # UD: 404 of 2,077
    assert "| nltk NLTKWordTokenizer | 99.8 | 99.2 | 82.9 |" in capsys.readouterr().out
