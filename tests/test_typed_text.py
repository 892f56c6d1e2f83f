"""The named datasets' tokenizers on text as people type it: a hand-written set typed naturally
(tests/data/typed_text.jsonl), and the real TREC and SST-2 test files as another library (Moses) writes them back
into text (scripts/typed.py)."""

import pytest

from data import text
from data.config import DataConfig, tokenizer_of
from data.datasets import load_splits
from tests.fixtures import TINY, fixture_data
from tests.test_text import typed_rows

@pytest.mark.parametrize("row", typed_rows(), ids=lambda r: r["text"][:40])
def test_hand_written_text_gets_the_datasets_tokens(row):
    """Each dataset's preset tokenizer turns naturally typed text into the tokens the dataset would have."""
    got = text.split(row["text"], tokenizer_of(DataConfig(name=row["dataset"])))
    if row["miss"]:                         # a known limit, written down in the file: flags a change either way
        assert got != row["tokens"], row["miss"]
    else:
        assert got == row["tokens"]


@pytest.mark.parametrize("dataset,at_most", [pytest.param("trec", 0.05, marks=pytest.mark.needs_data("trec")),
                                             pytest.param("sst2", 0.05, marks=pytest.mark.needs_data("sst2"))])
def test_hand_written_words_are_words_of_the_training_set(dataset, at_most):
    """Typed questions split on whitespace hit unknown words (`aspen?`, `what's`); the preset tokenizer's do not."""
    train = load_splits(DataConfig(name=dataset))["train"]["tokens"]
    known = {t.lower() for tokens in train for t in tokens}

    def unknown(tokenizer):
        tokens = [t.lower() for r in typed_rows(dataset) for t in text.split(r["text"], tokenizer)]
        return sum(t not in known for t in tokens) / len(tokens)

    assert unknown(tokenizer_of(DataConfig(name=dataset))) <= at_most
    assert unknown(text.SPLIT) > 0.2        # measured: 55 of 190 (TREC), 21 of 53 (SST-2)


@pytest.mark.parametrize("dataset,at_least", [pytest.param("trec", 0.99, marks=pytest.mark.needs_data("trec")),
                                              pytest.param("sst2", 0.985, marks=pytest.mark.needs_data("sst2"))])
# measured 99.8% / 99.2%
def test_moses_detokenized_test_files_retokenize_to_the_files_tokens(dataset, at_least):
    from scripts.typed import as_typed
    test = load_splits(DataConfig(name=dataset))["test"]["tokens"]
    tokenizer = tokenizer_of(DataConfig(name=dataset))
    same = sum(text.split(as_typed(tokens), tokenizer) == tokens for tokens in test)
    assert same >= at_least * len(test)
    assert sum(as_typed(t) != " ".join(t) for t in test) > 0.8 * len(test)  # the typed text really differs


@pytest.mark.part("classification")
def test_a_run_without_a_dataset_name_is_named_by_its_data(tmp_path, capsys):
    import train
    from scripts import typed_text
    data = [d for d in fixture_data("questions") if not d.startswith("data.name=")]
    train.main([TINY, *data, "data.name=null", "train.epochs=1", "--run-dir", str(tmp_path)])
    capsys.readouterr()
    typed_text.report(tmp_path)
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{tmp_path}: data '") and "questions/train.csv" in first and "None" not in first


@pytest.mark.part("tagging")
def test_a_tagger_whose_test_file_has_no_raw_text_is_one_error(tmp_path):
    import train
    from errors import DataFormatError
    from scripts import typed_text
    train.main([TINY, "train.epochs=1", "--run-dir", str(tmp_path)])
    with pytest.raises(DataFormatError, match=r"test.conllu:\d+: a sentence without a '# text = ' line"):
        typed_text.report(tmp_path)
