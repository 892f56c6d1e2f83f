"""Any dataset by config alone: small files of every format, read, rejected when malformed (file and line named),
and trained for one step through train.main."""
import json

import pytest

from errors import DataFormatError
import train
from data.datasets import load_splits
from data.config import DataConfig, task_of
from data.formats import layout
from tests.fixtures import by_part, with_chars
from training.config import load_config

CONLLU = """# sent_id = 1
1\tDogs\tdog\tNOUN\tNNS\t_\t2\tnsubj\t_\t_
2\tbark\tbark\tVERB\tVBP\t_\t0\troot\t_\t_

1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
1\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_
2\tn't\tnot\tPART\tRB\t_\t1\tadvmod\t_\t_

"""
COLUMNS = """-DOCSTART- -X- O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER
visits VBZ I-VP O
# NN I-NP O
Paris NNP I-NP I-LOC

EU NNP I-NP I-ORG
rejects VBZ I-VP O
"""
CSV = 'text,label\n"Great, fun movie",pos\nboring,neg\n"a ""quoted"" word",pos\n'
TSV_NO_HEADER = "pos\tgreat movie\nneg\tawful \"film\n"
JSONL = '{"text": "great movie", "label": "pos"}\n\n{"text": ["awful", "film"], "label": 0}\n'


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_seq(folder, tokens, tags, labels):
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (("seq.in", tokens), ("seq.out", tags), ("label", labels)):
        write(folder, name, "".join(line + "\n" for line in lines))
    return folder


@pytest.mark.part("tagging")
def test_columns_reader_drops_docstart_keeps_hash_tokens_and_converts_iob1(tmp_path):
    from data.formats.columns import read_columns
    path = write(tmp_path, "ner.txt", COLUMNS)
    iob2 = read_columns(path, token_column=0, tag_column=-1, tag_scheme="iob1")
    assert iob2 == [{"tokens": ["Peter", "Blackburn", "visits", "#", "Paris"],
                     "tags": ["B-PER", "I-PER", "O", "O", "B-LOC"]},
                    {"tokens": ["EU", "rejects"], "tags": ["B-ORG", "O"]}]
    chunks = read_columns(path, token_column=0, tag_column=2)      # any column as tag, kept as written
    assert chunks[0]["tags"][:3] == ["I-NP", "I-NP", "I-VP"]


@pytest.mark.part("classification")
def test_csv_tsv_jsonl_readers(tmp_path):
    from data.formats.delimited import read_delimited
    from data.formats.jsonl import read_jsonl
    csv_ex = read_delimited(write(tmp_path, "a.csv", CSV))
    assert csv_ex[0] == {"tokens": ["Great,", "fun", "movie"], "label": "pos"}
    assert csv_ex[2]["tokens"] == ["a", '"quoted"', "word"]                 # CSV quoting undone
    tsv = read_delimited(write(tmp_path, "b.tsv", TSV_NO_HEADER), "\t", text_column=1, label_column=0,
                                 header=False)
    assert tsv[1] == {"tokens": ["awful", '"film'], "label": "neg"}        # TSV: no quoting at all
    jsonl = read_jsonl(write(tmp_path, "c.jsonl", JSONL))
    assert jsonl == [{"tokens": ["great", "movie"], "label": "pos"}, {"tokens": ["awful", "film"], "label": "0"}]


TAGGING, CLASSIFICATION = pytest.mark.part("tagging"), pytest.mark.part("classification")


@pytest.mark.parametrize("name,text,call,message", [
    pytest.param("bad.txt", "Peter NNP I-PER\nBlackburn I-PER\n", lambda p: layout("columns").read(p),
                 r"bad\.txt:2: expected 3 whitespace-separated columns", marks=TAGGING),
    pytest.param("bad.conllu", CONLLU.replace("2\tbark\tbark", "2\tbark"), lambda p: layout("conllu").read(p),
                 r"bad\.conllu:3: expected 10 tab-separated CoNLL-U fields, found 9", marks=TAGGING),
    pytest.param("bad.csv", "text,label\nfine,pos\nno label here\n", lambda p: layout("csv").read(p),
                 r"bad\.csv:3: expected 2 fields", marks=CLASSIFICATION),
    pytest.param("bad.tsv", "sentence\tlabel\ngood\t1\n\t0\n",
                 lambda p: layout("tsv").read(p, "\t", "sentence"), r"bad\.tsv:3: empty text", marks=CLASSIFICATION),
    pytest.param("bad.jsonl", '{"text": "ok", "label": 1}\n{"text": "oops", "label": 1\n',
                 lambda p: layout("jsonl").read(p), r"bad\.jsonl:2: not valid JSON", marks=CLASSIFICATION),
    pytest.param("keys.jsonl", '{"text": "ok", "label": 1}\n{"sentence": "x", "label": 1}\n',
                 lambda p: layout("jsonl").read(p),
                 r"keys\.jsonl:2: expected a JSON object with keys 'text' and 'label'", marks=CLASSIFICATION),
    pytest.param("nohead.csv", "a,b\n", lambda p: layout("csv").read(p, text_column="text"),
                 r"nohead\.csv:1: no column 'text' in header \['a', 'b'\] \(other names: data\.text_column, "
                 r"data\.label_column; a first row of data: data\.header: false\)$", marks=CLASSIFICATION),
])
def test_malformed_line_names_file_and_line(tmp_path, name, text, call, message):
    with pytest.raises(DataFormatError, match=message):
        call(write(tmp_path, name, text))


@pytest.mark.part("joint")
def test_seq_in_out_token_count_mismatch_names_file_and_line(tmp_path):
    from data.formats.seq_in_out import read_seq_in_out
    folder = write_seq(tmp_path / "train", ["show flights", "to boston please"],
                       ["O O", "O B-toloc.city_name"], ["atis_flight", "atis_flight"])
    with pytest.raises(DataFormatError, match=r"train/seq\.out:2: 2 tags for the 3 tokens of seq\.in line 2"):
        read_seq_in_out(folder)
    write(folder, "seq.out", "O O\nO B-toloc.city_name O\n")
    write(folder, "label", "atis_flight\n")
    with pytest.raises(DataFormatError, match=r"train/label:2: file ends before line 2"):
        read_seq_in_out(folder)


def user_files(tmp_path) -> dict[str, list[str]]:
    """Overrides for one small dataset per format, files in tmp_path (relative to data.root)."""
    conllu = CONLLU * 3
    cols = COLUMNS * 3
    seq = [write_seq(tmp_path / f"joint/{s}", ["show flights to boston", "fares please"] * 3,
                     ["O O O B-toloc", "O O"] * 3, ["atis_flight", "atis_airfare"] * 3) for s in ("train", "test")]
    assert all(seq)
    files = {
        "conllu": [write(tmp_path, "u.conllu", conllu).name] * 2,
        "columns": [write(tmp_path, "c.txt", cols).name] * 2,
        "csv": [write(tmp_path, "a.csv", CSV + CSV[11:]).name, write(tmp_path, "a2.csv", CSV).name],
        "tsv": [write(tmp_path, "b.tsv", TSV_NO_HEADER * 3).name] * 2,
        "jsonl": [write(tmp_path, "c.jsonl", JSONL * 3).name] * 2,
        "seq_in_out": ["joint/train", "joint/test"],
    }
    extra = {"tsv": ["data.header=false", "data.text_column=1", "data.label_column=0"],
             "columns": ["data.tag_scheme=iob1"], "conllu": ["data.tag_column=xpos"],
             "seq_in_out": ["train.select_metric=exact_match"]}
    return {fmt: [f"data.name=my_{fmt}", f"data.format={fmt}", f"data.root={tmp_path}", f"data.train_file={train_f}",
                  f"data.test_file={test_f}", "data.dev_fraction=0.34", *extra.get(fmt, [])]
            for fmt, (train_f, test_f) in files.items()}


@pytest.mark.parametrize("fmt,task", by_part(("conllu", "tagging"), ("columns", "tagging"), ("csv", "classification"),
                                             ("tsv", "classification"), ("jsonl", "classification"),
                                             ("seq_in_out", "joint")))
def test_train_one_step_on_each_format_by_config_alone(tmp_path, fmt, task):
    overrides = user_files(tmp_path)[fmt]
    cfg = load_config("configs/tiny.yaml", overrides)
    assert task_of(cfg.data) == task
    dd = load_splits(cfg.data)
    assert len(dd["train"]) + len(dd["validation"]) >= 4 and len(dd["test"]) >= 2
    run = tmp_path / "run"
    results = train.main(["configs/tiny.yaml", *overrides, "train.max_steps=1", "train.batch_size=4",
                          *with_chars(4), "--run-dir", str(run)])
    assert results["epochs"] == 1 and (run / "best.pt").is_file()
    metrics = json.loads((run / "metrics.json").read_text())
    key = {"tagging": "test/accuracy", "classification": "test/accuracy", "joint": "test/exact_match"}[task]
    assert 0.0 <= metrics[key] <= 1.0


@pytest.mark.part("classification")
@pytest.mark.part("named_datasets")
def test_a_name_that_is_no_named_dataset_asks_for_format_and_files():
    with pytest.raises(ValueError, match="unknown dataset 'mine'.*data.format with data.train_file"):
        DataConfig(name="mine")


def test_user_dataset_needs_format_and_files():
    with pytest.raises(ValueError, match="set data.train_file and data.test_file"):
        DataConfig(name="mine", format="csv", train_file="train.csv")
    with pytest.raises(ValueError, match="data.format must be one of"):
        DataConfig(name="mine", format="xml", train_file="a", test_file="b")
