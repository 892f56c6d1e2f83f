"""Labels under hostile input (issue 26): test labels never seen in training are scored as classes that are never
predicted (no crash, rows kept, in macro-F1, an unseen B-X I-X one entity), and values that are not labels are
errors naming file and line: CoNLL-U's "_", NA/NULL in a CSV, the text column as label, BIO tags that are not IOB2.
Tiny data written here, no ../shared/data."""
import json
from pathlib import Path

import pytest

from errors import DataFormatError
import train
from own_data import NER, SENTENCES, classification, tagging


def report_rows(path: Path, section: str) -> dict[str, list[str]]:
    """{label: [precision, recall, f1, support]} of one section of a report_*.txt."""
    text = path.read_text().split(f"== {section}")[1].split("\n==")[0].split("confusion matrix")[0]
    return {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if len(line.split()) == 5 and line.split()[0] not in ("micro", "macro", "weighted")}


@pytest.mark.part("classification")
def test_a_test_split_of_unseen_labels_only_is_scored_not_a_crash(tmp_path):
    run = tmp_path / "run"
    results = train.main([*classification(tmp_path, test=[("so so really", "meh"), ("fine i guess", "meh")]),
                          "--run-dir", str(run)])
    assert results["test/accuracy"] == 0.0 and results["test/macro_f1"] == 0.0
    assert json.loads((run / "metrics.json").read_text())["test/accuracy"] == 0.0
    assert [float(x) for x in report_rows(run / "report_test.txt", "label")["meh"]] == [0, 0, 0, 2]


@pytest.mark.part("classification")
def test_an_unseen_label_is_a_class_of_its_own_in_every_metric(tmp_path):
    run = tmp_path / "run"
    test = [*SENTENCES, ("so so really", "meh")]
    results = train.main([*classification(tmp_path, test=test), "--run-dir", str(run)])
    rows = report_rows(run / "report_test.txt", "label")
    assert set(rows) == {"pos", "neg", "meh"} and float(rows["meh"][3]) == 1
    assert results["test/macro_f1"] == pytest.approx(sum(float(r[2]) for r in rows.values()) / 3, abs=1e-4)
    matrix = (run / "report_test.txt").read_text().split("confusion matrix")[1].splitlines()
    assert any(line.split()[:1] == ["meh"] and line.split()[1:].count("0") < 3 for line in matrix)  # its row


@pytest.mark.part("tagging")
def test_an_unseen_entity_type_is_one_gold_entity(tmp_path):
    run = tmp_path / "run"
    no_org = [(s, t) for s, t in NER if "ORG" not in t]
    test = [("the Red Cross came", "O B-ORG I-ORG O"), *no_org]
    train.main([*tagging(tmp_path, test=test, train=no_org), "--run-dir", str(run)])
    entities = report_rows(run / "report_test.txt", "entities")
    assert float(entities["ORG"][3]) == 1                       # B-ORG I-ORG: one entity, never predicted


def conllu(tags: list[str], column: int = 3) -> str:
    lines = []
    for i, tag in enumerate(tags, start=1):
        fields = [str(i), f"w{i}", f"w{i}", "NOUN", "NN", "_", "0", "dep", "_", "_"]
        fields[column] = tag
        lines.append("\t".join(fields))
    return "# sent_id = 1\n" + "\n".join(lines) + "\n\n"


@pytest.mark.part("tagging")
def test_conllu_underscore_is_not_a_tag_where_it_means_not_annotated(tmp_path):
    from data.formats.conllu import read_conllu
    path = tmp_path / "t.conllu"
    path.write_text(conllu(["NOUN", "_", "VERB"]))
    with pytest.raises(DataFormatError, match=rf"^{path}:3: upos is '_' \(not annotated in CoNLL-U\): every word "
                                              r"needs a tag"):
        read_conllu(path)
    path.write_text(conllu(["_", "Number=Sing", "_"], column=5))  # feats: "_" is the empty value, a tag
    assert read_conllu(path, tag_column="feats")[0]["tags"] == ["_", "Number=Sing", "_"]


@pytest.mark.part("classification")
@pytest.mark.parametrize("label", ["NA", "NULL", "N/A", "#N/A", "<NA>", "null", "NaN"])
def test_missing_value_markers_are_not_classes(tmp_path, label):
    from data.formats.delimited import read_delimited
    path = tmp_path / "t.csv"
    path.write_text(f"text,label\ngood film,pos\nno idea,{label}\n")
    with pytest.raises(DataFormatError, match=rf"^{path}:3: label is '{label}' \(a missing value\?\)"):
        read_delimited(path)
    path.write_text("text,label\ngood film,pos\nno idea,None\n")   # a real intent name in LUIS-style data
    assert read_delimited(path)[1]["label"] == "None"


@pytest.mark.part("classification")
def test_the_text_column_cannot_be_the_label_column(tmp_path):
    args = classification(tmp_path)
    for fmt, extra in (("csv", []), ("jsonl", [])):
        path = tmp_path / f"t.{fmt}"
        path.write_text("text,label\ngood,pos\n" if fmt == "csv" else '{"text": "good", "label": "pos"}\n')
        with pytest.raises(DataFormatError, match=rf"^{path}: data.text_column and data.label_column (name the same "
                                                  r"column|are both 'label')"):
            train.main([*args, f"data.format={fmt}", f"data.train_file={path}", f"data.test_file={path}",
                        f"data.validation_file={path}", "data.text_column=label", "data.label_column=label",
                        "--run-dir", str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()


@pytest.mark.part("tagging")
@pytest.mark.parametrize("crf", ["false", "true"])
def test_bio_tags_that_are_not_iob2_are_an_error_with_or_without_a_crf(tmp_path, crf):
    """An entity that starts with I- after O would silently leave strict IOB2's gold entity count (and IOB1 files
    crashed seqeval's report after the training): one error naming the line, before any run dir is made."""
    iob1 = [("the EU said no", "O I-ORG O O"), *NER]
    args = tagging(tmp_path, test=iob1)
    with pytest.raises(DataFormatError, match=rf"^{tmp_path / 'test.txt'}:2: tag I-ORG after O is not valid IOB2: an "
                                              r"entity starts with B-ORG .* set data.tag_scheme=iob1 to convert it"):
        train.main([*args, f"model.crf={crf}", "--run-dir", str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()
    train.main([*args, f"model.crf={crf}", "data.tag_scheme=iob1", "train.select_metric=accuracy",  # 1 epoch: no entity
                "--run-dir", str(tmp_path / "run")])
