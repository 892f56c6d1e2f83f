"""data.dev_sentences: a dev split of whole sentences out of phrase-level data (SST-2's train), on a tiny file."""
import pytest

from errors import ConfigError
from data.datasets import load_splits
from data.config import DataConfig
from data.sentence_split import roots

# Two "sentences" with their phrases (as SST-2 lists them), and one phrase shared by both.
ROWS = [("a fine film", 1), ("fine film", 1), ("fine", 1), ("film", 1), ("a dull film , sadly", 0),
        ("dull film , sadly", 0), ("dull film", 0), ("dull", 0), ("sadly", 0), ("a", 1)]


def test_roots_are_the_phrases_inside_no_other():
    phrases = [t.split() for t, _ in ROWS]
    assert sorted(roots(phrases)) == [0, 4]


@pytest.mark.part("classification")
def test_dev_is_whole_sentences_and_train_keeps_no_phrase_only_they_have(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("sentence\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in ROWS))
    cfg = DataConfig(name="phrases", format="tsv", train_file=str(path), test_file=str(path), text_column="sentence",
                     pretokenized=True, dev_fraction=0.5, dev_sentences=True)
    dd = load_splits(cfg)
    dev = [" ".join(t) for t in dd["validation"]["tokens"]]
    train = {" ".join(t) for t in dd["train"]["tokens"]}
    assert len(dev) == 1 and dev[0] in ("a fine film", "a dull film , sadly")
    other = "a dull film , sadly" if dev[0] == "a fine film" else "a fine film"
    only_dev = {"a fine film": {"fine film", "fine"}, "a dull film , sadly": {"dull film , sadly", "dull film",
                                                                             "dull", "sadly"}}[dev[0]]
    assert other in train and not train & only_dev and {"film", "a"} <= train   # shared phrases stay
    assert list(dd["validation"]["label"]) == ["1" if dev[0] == "a fine film" else "0"]


@pytest.mark.part("classification")
def test_dev_sentences_needs_a_dataset_without_a_dev_split(tmp_path):
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.csv").write_text("text,label\na good film,pos\na bad film,neg\n")
    files = {f"{split}_file": str(tmp_path / f"{name}.csv") for split, name in
             (("train", "train"), ("validation", "dev"), ("test", "test"))}
    with pytest.raises(ConfigError, match="data.dev_sentences holds dev out of train: .* has a dev split"):
        load_splits(DataConfig(format="csv", dev_sentences=True, **files))
