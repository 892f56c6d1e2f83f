"""Readers against the real mirrored files in ../shared/data (counts from each SOURCE.md)."""
from collections import Counter

import pytest

from errors import DataFormatError
from data.formats.trec import read_trec
from data.datasets import load_splits
from data.config import DataConfig


@pytest.mark.part("tagging")
@pytest.mark.needs_data("ud_en_ewt")
@pytest.mark.parametrize("split,sentences,words", [
    ("train", 12544, 204577), ("dev", 2001, 25147), ("test", 2077, 25094)])
def test_ud_ewt_counts_skip_ranges_and_empty_nodes(shared_data, split, sentences, words):
    from data.formats.conllu import read_conllu
    ex = read_conllu(shared_data / f"ud_en_ewt/en_ewt-ud-{split}.conllu")
    assert len(ex) == sentences
    assert sum(len(e["tokens"]) for e in ex) == words  # integer IDs only: no '3-4' ranges, no '8.1' nodes
    assert all(len(e["tokens"]) == len(e["tags"]) for e in ex)


@pytest.mark.part("tagging")
@pytest.mark.needs_data("ud_en_ewt")
def test_ud_ewt_first_last_and_skipped_lines(shared_data):
    from data.formats.conllu import read_conllu
    train = read_conllu(shared_data / "ud_en_ewt/en_ewt-ud-train.conllu")
    assert train[0]["tokens"][:3] == ["Al", "-", "Zaman"] and train[0]["tags"][:3] == ["PROPN", "PUNCT", "PROPN"]
    # train.conllu line 205 is the range '19-20 don't': the words 'do' and "n't" are kept, "don't" is not
    sent = next(e for e in train if "Baathists" in e["tokens"])
    i = sent["tokens"].index("do")
    assert sent["tokens"][i: i + 2] == ["do", "n't"] and sent["tags"][i: i + 2] == ["AUX", "PART"]
    assert "don't" not in sent["tokens"]
    # line 1746 is the empty node '8.1 reported': the sentence goes '500 wounded', not '500 reported wounded'
    sent = next(e for e in train if "Fallujah" in e["tokens"] and "wounded" in e["tokens"])
    assert sent["tokens"][sent["tokens"].index("500") + 1] == "wounded"
    test = read_conllu(shared_data / "ud_en_ewt/en_ewt-ud-test.conllu")
    assert test[-1]["tokens"][-4:] == ["exercises", "to", "use", "."]
    assert test[-1]["tags"][-4:] == ["NOUN", "PART", "VERB", "PUNCT"]


@pytest.mark.part("tagging")
@pytest.mark.needs_data("ud_en_ewt")
def test_ud_ewt_xpos_column(shared_data):
    from data.formats.conllu import read_conllu
    ex = read_conllu(shared_data / "ud_en_ewt/en_ewt-ud-dev.conllu", tag_column="xpos")
    assert {"NNP", "VBD", "DT"} <= {t for e in ex for t in e["tags"]}


@pytest.mark.needs_data("trec")
def test_trec_counts_labels_and_the_non_utf8_byte(shared_data):
    train = read_trec(shared_data / "trec/train_5500.label")
    test = read_trec(shared_data / "trec/TREC_10.label")
    assert (len(train), len(test)) == (5452, 500)
    assert Counter(e["label"] for e in train) == {
        "ABBR": 86, "DESC": 1162, "ENTY": 1250, "HUM": 1223, "LOC": 835, "NUM": 896}
    assert Counter(e["label"] for e in test) == {
        "ABBR": 9, "DESC": 138, "ENTY": 94, "HUM": 65, "LOC": 81, "NUM": 113}
    # line 66 has the byte 0xF0 in 'sister\xf0city': replaced by a space, as the Hugging Face loader does
    toks = train[65]["tokens"]
    assert toks[toks.index("sister") + 1] == "city" and train[65]["label"] == "LOC"
    assert train[0] == {"tokens": "How did serfdom develop in and then leave Russia ?".split(), "label": "DESC"}
    assert train[-1] == {"tokens": "What currency is used in Australia ?".split(), "label": "ENTY"}
    assert test[-1] == {"tokens": "What is e-coli ?".split(), "label": "DESC"}
    fine = read_trec(shared_data / "trec/train_5500.label", fine=True)
    assert fine[0]["label"] == "DESC:manner" and len({e["label"] for e in fine}) == 50


@pytest.mark.part("classification")
@pytest.mark.needs_data("sst2")
def test_sst2_counts_and_stripped_text(shared_data):
    from data.formats.delimited import read_delimited
    train = read_delimited(shared_data / "sst2/train.tsv", "\t", "sentence")
    dev = read_delimited(shared_data / "sst2/dev.tsv", "\t", "sentence")
    assert Counter(e["label"] for e in train) == {"0": 29780, "1": 37569}
    assert Counter(e["label"] for e in dev) == {"0": 428, "1": 444}
    assert train[0] == {"tokens": "hide new secretions from the parental units".split(), "label": "0"}
    assert dev[-1]["tokens"][-3:] == ["upon", ".", "'"] and dev[-1]["label"] == "1"


@pytest.mark.parametrize("name,counts", [
    pytest.param("ud_en_ewt", {"train": 12544, "validation": 2001, "test": 2077},
                 marks=pytest.mark.needs_data("ud_en_ewt")),
    pytest.param("trec", {"train": 4906, "validation": 546, "test": 500},  # no official dev: 10% held out of train
                 marks=pytest.mark.needs_data("trec")),
    pytest.param("sst2", {"train": 60614, "validation": 6735, "test": 872},  # GLUE dev is the reported split
                 marks=pytest.mark.needs_data("sst2")),
])
def test_named_datasets_splits(name, counts):
    dd = load_splits(DataConfig(name=name))
    assert {k: len(v) for k, v in dd.items()} == counts


@pytest.mark.needs_data("trec")
def test_held_out_dev_is_fixed_and_disjoint():
    a, b = load_splits(DataConfig(name="trec")), load_splits(DataConfig(name="trec"))
    assert a["validation"]["tokens"] == b["validation"]["tokens"]
    train = {tuple(t) for t in a["train"]["tokens"]}
    assert sum(tuple(t) in train for t in a["validation"]["tokens"]) < 20  # only TREC's own duplicate questions


def test_missing_dataset_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "trec")):
        load_splits(DataConfig(name="trec", root=str(tmp_path)))


@pytest.mark.part("tagging")
def test_malformed_conllu_line_names_file_and_line(tmp_path):
    from data.formats.conllu import read_conllu
    f = tmp_path / "bad.conllu"
    f.write_text("# sent_id = 1\n1\tHello\thello\tINTJ\tUH\t_\t0\troot\t0:root\t_\n2\tworld\tNOUN\n\n")
    with pytest.raises(DataFormatError, match=r"bad\.conllu:3: expected 10 tab-separated CoNLL-U fields, found 3"):
        read_conllu(f)


@pytest.mark.part("tagging")
def test_non_utf8_conllu_names_file_and_line(tmp_path):
    from data.formats.conllu import read_conllu
    f = tmp_path / "latin1.conllu"
    f.write_bytes(b"1\tok\tok\tX\tX\t_\t0\troot\t0:root\t_\n\n1\tcaf\xe9\tcaf\xe9\tNOUN\tNN\t_\t0\troot\t0:root\t_\n")
    with pytest.raises(DataFormatError, match=r"latin1\.conllu:3: not valid utf-8"):
        read_conllu(f)


def test_empty_file_is_an_error(tmp_path):
    (tmp_path / "empty.label").write_text("")
    with pytest.raises(DataFormatError, match="no examples"):
        read_trec(tmp_path / "empty.label")


@pytest.mark.part("classification")
def test_empty_sentence_names_file_and_line(tmp_path):
    from data.formats.delimited import read_delimited
    f = tmp_path / "q.label"
    f.write_text("DESC:def What is e-coli ?\nNUM:date\n")
    with pytest.raises(DataFormatError, match=r"q\.label:2: expected 'COARSE:fine question tokens'"):
        read_trec(f)
    t = tmp_path / "s.tsv"
    t.write_text("sentence\tlabel\ngood film\t1\n \t0\n")
    with pytest.raises(DataFormatError, match=r"s\.tsv:3: empty text"):
        read_delimited(t, delimiter="\t", text_column="sentence")


@pytest.mark.part("classification")
def test_tsv_wrong_field_count_names_line(tmp_path):
    from data.formats.delimited import read_delimited
    t = tmp_path / "s.tsv"
    t.write_text("sentence\tlabel\ngood film\t1\nbad\tfilm\t0\n")
    with pytest.raises(DataFormatError, match=r"s\.tsv:3: expected 2 fields .*found 3$"):  # no CSV quoting hint
        read_delimited(t, delimiter="\t", text_column="sentence")


def test_missing_split_file_names_the_path(tmp_path):
    (tmp_path / "trec").mkdir()
    (tmp_path / "trec" / "train_5500.label").write_text("DESC:def What is e-coli ?\n")
    with pytest.raises(FileNotFoundError, match=r"trec/TREC_10\.label: missing file for split 'test'"):
        load_splits(DataConfig(name="trec", root=str(tmp_path)))


@pytest.mark.needs_data("ud_en_ewt")
def test_labels_unseen_in_training_are_reported_and_count_as_errors(capsys):
    from data.datasets import prepare
    dd, vocabs = prepare(DataConfig(name="ud_en_ewt", limit=200))
    assert "validation has tags never seen in training (counted as errors): ['SYM', 'X']" in capsys.readouterr().out
    gold = {t for ex in dd["validation"] for t in ex["tag_ids"]}
    model = len(vocabs.labels["tags"])                              # the model's tags: ids 0 .. model - 1
    assert vocabs.scored_names()["tags"][model:] == ["SYM", "X"] and {model, model + 1} <= gold  # never predicted
