"""Layouts a user has, by config alone: one file split by test_fraction, one file per class, one folder per class,
other encodings, and any `datasets.load_dataset` path (parquet files here). Each is written small, read, rejected
when malformed (file and line named) and trained for one step through train.main."""
import json
from collections import Counter

import datasets
import numpy as np
import pytest
import torch

from errors import DataFormatError
import train
from data.datasets import load_splits
from data.config import DataConfig, task_of
from training.config import load_config
from tests.fixtures import CLEAR_DATA, TINY


def train_one_step(tmp_path, overrides: list[str]) -> dict:
    run = tmp_path / "run"
    train.main([TINY, *CLEAR_DATA, *overrides, "train.max_steps=1", "train.batch_size=4", "--run-dir", str(run)])
    assert (run / "best.pt").is_file()
    return json.loads((run / "metrics.json").read_text())


def splits_of(overrides: list[str]) -> datasets.DatasetDict:
    return load_splits(load_config(TINY, [*CLEAR_DATA, *overrides]).data)


def labelled_tsv(path, counts: dict[str, int]):
    """label<TAB>text rows, labels interleaved, every text distinct (so splits can be compared by text)."""
    rows = [(label, f"{label} example number {i}") for label, n in counts.items() for i in range(n)]
    rows.sort(key=lambda r: int(r[1].split()[-1]))
    path.write_text("".join(f"{label}\t{text}\n" for label, text in rows), encoding="utf-8")
    return path


# -- data.test_fraction -----------------------------------------------------------------------------------------

def one_file(tmp_path, counts, *extra):
    labelled_tsv(tmp_path / "all.tsv", counts)
    return ["data.name=mine", "data.format=tsv", f"data.root={tmp_path}", "data.train_file=all.tsv",
            "data.header=false", "data.text_column=1", "data.label_column=0", "data.limit=null", *extra]


@pytest.mark.part("classification")
def test_test_fraction_splits_one_file_stratified_with_a_fixed_seed(tmp_path, capsys):
    overrides = one_file(tmp_path, {"a": 60, "b": 30, "c": 10}, "data.test_fraction=0.2", "data.dev_fraction=0.1")
    torch.manual_seed(0), np.random.seed(0)
    dd = splits_of(overrides)
    assert "train 70, test 20, validation 10" in capsys.readouterr().out     # the sizes are printed
    counts = {s: Counter(dd[s]["label"]) for s in dd}
    assert counts["test"] == {"a": 12, "b": 6, "c": 2}                       # each class keeps its share
    assert counts["validation"] == {"a": 6, "b": 3, "c": 1}
    texts = {s: set(map(tuple, dd[s]["tokens"])) for s in dd}
    assert not (texts["train"] & texts["test"] or texts["train"] & texts["validation"] or
                texts["test"] & texts["validation"]) and sum(map(len, texts.values())) == 100
    torch.manual_seed(7), np.random.seed(7)                                 # other global seeds: the same split
    again = splits_of([*overrides, "train.seed=7"])
    assert all(list(again[s]["tokens"]) == list(dd[s]["tokens"]) for s in dd)

    metrics = train_one_step(tmp_path, overrides)
    assert 0.0 <= metrics["test/accuracy"] <= 1.0


@pytest.mark.part("tagging")
def test_test_fraction_with_a_dev_file_holds_out_test_only_and_tagging_is_not_stratified(tmp_path):
    tagged = [f"w{i} x\nv{i} y\n\n" for i in range(20)]
    (tmp_path / "tags.txt").write_text("".join(tagged), encoding="utf-8")
    (tmp_path / "dev.txt").write_text("".join(tagged[:5]), encoding="utf-8")
    dd = splits_of(["data.name=mine", "data.format=columns", f"data.root={tmp_path}", "data.train_file=tags.txt",
                    "data.validation_file=dev.txt", "data.test_fraction=0.25", "data.limit=null"])
    assert {s: len(d) for s, d in dd.items()} == {"train": 15, "validation": 5, "test": 5}


@pytest.mark.part("classification")
def test_test_fraction_errors(tmp_path):
    with pytest.raises(ValueError, match="set data.train_file and data.test_file .or data.test_fraction"):
        DataConfig(name="mine", format="tsv", train_file="all.tsv")
    with pytest.raises(ValueError, match="data 'a' has a test file"):
        DataConfig(format="tsv", train_file="a", test_file="b", test_fraction=0.1)
    with pytest.raises(ValueError, match=r"test_fraction \+ data.dev_fraction must be < 1"):
        DataConfig(name="mine", format="tsv", train_file="a", test_fraction=0.5, dev_fraction=0.5)
    with pytest.raises(ValueError, match=r"stratified test split.*labels with one example: \['c'\]"):
        splits_of(one_file(tmp_path, {"a": 10, "b": 10, "c": 1}, "data.test_fraction=0.2"))


# -- class_files and class_folders ------------------------------------------------------------------------------

def class_files(folder, per_class: dict[str, list[str]], ext=".txt"):
    folder.mkdir(parents=True, exist_ok=True)
    for label, lines in per_class.items():
        (folder / f"{label}{ext}").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return folder


@pytest.mark.part("classification")
def test_class_files_reader_and_one_training_step(tmp_path):
    from data.formats.class_files import read_class_files
    train_data = {"sports": ["the match ended", "a late goal"] * 3, "politics": ["the vote passed"] * 4}
    class_files(tmp_path / "train", train_data)
    class_files(tmp_path / "test", {"sports": ["a goal"], "politics": ["a vote"]})
    (tmp_path / "train" / ".DS_Store").write_text("x")                       # hidden files are skipped
    examples = read_class_files(tmp_path / "train")
    assert Counter(e["label"] for e in examples) == {"sports": 6, "politics": 4}
    assert examples[0] == {"tokens": ["the", "vote", "passed"], "label": "politics"}
    overrides = ["data.name=news", "data.format=class_files", f"data.root={tmp_path}", "data.train_file=train",
                 "data.test_file=test", "data.dev_fraction=0.3"]
    assert task_of(load_config("configs/tiny.yaml", overrides).data) == "classification"
    assert sorted(splits_of(overrides)["test"]["label"]) == ["politics", "sports"]
    assert 0.0 <= train_one_step(tmp_path, overrides)["test/accuracy"] <= 1.0


@pytest.mark.part("classification")
@pytest.mark.parametrize("setup,message", [
    (lambda d: class_files(d, {"pos": ["good", "", "fine"], "neg": ["bad"]}), r"pos\.txt:2: empty line"),
    (lambda d: class_files(d, {"pos": ["good"], "neg": []}), r"neg\.txt: empty file"),
    (lambda d: (class_files(d, {"pos": ["good"]}), class_files(d, {"pos": ["fine"]}, ext=".tsv")),
     r"pos\.txt: gives the label 'pos' .* as pos\.tsv does"),
    (lambda d: (class_files(d, {"pos": ["good"]}), (d / "neg").mkdir()), r"neg: a folder among the class files"),
])
def test_class_files_errors_name_the_file(tmp_path, setup, message):
    from data.formats.class_files import read_class_files
    setup(tmp_path / "data")
    with pytest.raises(DataFormatError, match=message):
        read_class_files(tmp_path / "data")


def class_folders(folder, per_class: dict[str, list[str]]):
    for label, docs in per_class.items():
        (folder / label).mkdir(parents=True, exist_ok=True)
        for i, doc in enumerate(docs):
            (folder / label / f"{i}_7.txt").write_text(doc, encoding="utf-8")
    return folder


@pytest.mark.part("classification")
def test_class_folders_reader_classes_filter_and_one_training_step(tmp_path):
    from data.formats.class_files import read_class_folders
    docs = {"pos": ["A fine film.\nGreat cast.", "loved it"] * 4, "neg": ["dull", "too long\n\nand slow"] * 4,
            "unsup": ["no label here"] * 3}                                   # aclImdb's unlabelled folder
    class_folders(tmp_path / "imdb", docs)
    (tmp_path / "imdb" / "urls_pos.txt").write_text("http://x\n")            # files beside the folders: not read
    examples = read_class_folders(tmp_path / "imdb", classes=["pos", "neg"])
    assert Counter(e["label"] for e in examples) == {"pos": 8, "neg": 8}
    assert {"tokens": ["too", "long", "and", "slow"], "label": "neg"} in examples
    overrides = ["data.name=imdb", "data.format=class_folders", f"data.root={tmp_path}", "data.train_file=imdb",
                 "data.classes=[pos,neg]", "data.test_fraction=0.25", "data.dev_fraction=0.25"]
    dd = splits_of(overrides)
    assert Counter(dd["test"]["label"]) == {"pos": 2, "neg": 2}
    assert 0.0 <= train_one_step(tmp_path, overrides)["test/accuracy"] <= 1.0


@pytest.mark.part("classification")
def test_an_edited_file_in_a_class_folder_is_read_again_not_taken_from_the_cache(tmp_path):
    class_folders(tmp_path / "d", {"pos": ["good film", "fine"], "neg": ["bad", "dull"]})
    overrides = ["data.name=mine", "data.format=class_folders", f"data.root={tmp_path}", "data.train_file=d",
                 "data.test_file=d", "data.validation_file=d"]
    assert ["good", "film"] in splits_of(overrides)["test"]["tokens"]
    (tmp_path / "d" / "pos" / "0_7.txt").write_text("a great film")
    assert ["a", "great", "film"] in splits_of(overrides)["test"]["tokens"]


@pytest.mark.part("classification")
def test_class_folders_errors_name_the_file(tmp_path):
    from data.formats.class_files import read_class_folders
    class_folders(tmp_path / "d", {"pos": ["good", "  \n"], "neg": ["bad"]})
    with pytest.raises(DataFormatError, match=r"d/pos/1_7\.txt: empty file"):
        read_class_folders(tmp_path / "d")
    with pytest.raises(DataFormatError, match=r"no class folder \['other'\]; found: \['neg', 'pos'\]"):
        read_class_folders(tmp_path / "d", classes=["neg", "other"])
    with pytest.raises(ValueError, match="data.classes is for format class_files / class_folders"):
        DataConfig(name="mine", format="csv", train_file="a", test_file="b", classes=["x"])


# -- data.encoding ----------------------------------------------------------------------------------------------

@pytest.mark.part("classification")
def test_cp1252_file_is_an_error_in_utf8_and_reads_with_data_encoding(tmp_path):
    from data.formats.delimited import read_delimited
    text = "text,label\ncaf\u00e9 au lait,food\nit costs 5 \u20ac,money\nna\u00efve \u201cquotes\u201d,food\n"
    header, body = text.split("\n", 1)
    (tmp_path / "old.csv").write_bytes(text.encode("cp1252"))
    (tmp_path / "train.csv").write_bytes(f"{header}\n{body * 4}".encode("cp1252"))
    (tmp_path / "test.csv").write_bytes(text.encode("cp1252"))
    overrides = ["data.name=old", "data.format=csv", f"data.root={tmp_path}", "data.train_file=train.csv",
                 "data.test_file=test.csv", "data.dev_fraction=0.25"]
    with pytest.raises(DataFormatError, match=r"old\.csv:2: not valid utf-8 .*; a data file in another encoding: "
                                                r"data\.encoding, e\.g\. latin-1$"):
        read_delimited(tmp_path / "old.csv")                      # the default: strict UTF-8
    dd = splits_of([*overrides, "data.encoding=cp1252"])
    assert ["it", "costs", "5", "\u20ac"] in dd["test"]["tokens"]
    assert ["caf\u00e9", "au", "lait"] in dd["test"]["tokens"]
    assert 0.0 <= train_one_step(tmp_path, [*overrides, "data.encoding=cp1252"])["test/accuracy"] <= 1.0


@pytest.mark.part("tagging", "classification")
def test_utf16_and_utf8_bom_lines_and_errors_name_the_line(tmp_path):
    from data.formats.conllu import read_conllu
    from data.formats.delimited import read_delimited
    path = tmp_path / "u16.conllu"
    path.write_bytes("1\tJa\tja\tINTJ\t_\t_\t0\troot\t_\t_\n\n1\t\u00dcber\t_\tADP\t_\t_\t0\troot\t_\t_\n"
                     .encode("utf-16"))
    assert read_conllu(path, encoding="utf-16") == [{"tokens": ["Ja"], "tags": ["INTJ"]},
                                                             {"tokens": ["\u00dcber"], "tags": ["ADP"]}]
    path.write_bytes("a,x\r\nb,y\r\n".encode("utf-16-le") + b"\x00\xd8" + "c,z\n".encode("utf-16-le"))
    with pytest.raises(DataFormatError, match=r"u16\.conllu:3: not valid utf-16-le"):
        list(read_delimited(path, header=False, text_column=0, label_column=1, encoding="utf-16-le"))
    bom = tmp_path / "excel.csv"
    bom.write_bytes("text,label\nok then,yes\n".encode("utf-8-sig"))        # the header is "text", not "\ufefftext"
    assert read_delimited(bom, encoding="utf-8-sig") == [{"tokens": ["ok", "then"], "label": "yes"}]
    assert read_delimited(bom) == read_delimited(bom, encoding="utf-8-sig")  # plain utf-8 drops it too
    with pytest.raises(ValueError, match="data.encoding: unknown encoding 'utf-9'"):
        DataConfig(encoding="utf-9")
