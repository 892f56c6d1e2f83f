"""Bad input fails early with a message naming the config key or the file and line (issue 14): config values,
device, reader errors through train.py, label sets, JSON labels, IOB2 under a CRF, the content-keyed cache."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from errors import ConfigError, DataFormatError, RunDirError
import evaluate
import train
from data.datasets import load_splits, prepare
from data.config import DataConfig
from inference.predictor import Predictor
from training.checkpoint import load_checkpoint, save_checkpoint
from training.config import load_config
from tests.fixtures import by_part

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("override,message", [
    ("train.lr=-1", "train.lr must be > 0, got -1.0"),
    ("train.lr=nan", "train.lr must be > 0 and finite, got nan"),
    ("train.clip_norm=-1", "train.clip_norm must be > 0, got -1.0"),
    ("train.clip_norm=0", "train.clip_norm must be > 0, got 0.0"),
    ("train.patience=0", "train.patience must be >= 1, got 0"),
    ("train.lr_decay=2", "train.lr_decay must be in (0, 1], got 2.0"),
    ("train.lr_decay=0", "train.lr_decay must be in (0, 1], got 0.0"),
    ("train.weight_decay=-0.1", "train.weight_decay must be >= 0, got -0.1"),
    ("train.log_every=0", "train.log_every must be >= 1, got 0"),
    ("train.max_minutes=inf", "train.max_minutes must be >= 0 and finite, got inf"),
    ("train.device=gpu", "train.device must be auto, cpu, cuda or cuda:N, got 'gpu'"),
    ("data.limit=0", "data.limit must be >= 1, got 0"),
    ("data.min_freq=0", "data.min_freq must be >= 1, got 0"),
    ("model.embed_dim=0", "model.embed_dim must be >= 1, got 0"),
    ("model.hidden_size=0", "model.hidden_size must be >= 1, got 0"),
    ("model.num_layers=0", "model.num_layers must be >= 1, got 0"),
    ("model.char_kernel=4", "model.char_kernel must be odd"),
])
def test_config_values_name_key_value_and_range(override, message):
    with pytest.raises(ConfigError) as e:
        load_config(None, [override])
    assert str(e.value).startswith(message)


def test_lr_decay_of_one_is_in_range():
    assert load_config("configs/tiny.yaml", ["train.lr_decay=1.0"]).train.lr_decay == 1.0


# data files that do not exist: a check that runs before the data is read fails first
OWN_FORMAT = "csv" if importlib.util.find_spec("data.formats.delimited") else "conllu"  # a copy without one
MISSING_DATA = ["data.name=mine", f"data.format={OWN_FORMAT}", "data.train_file=/nonexistent/train.csv",
                "data.test_file=/nonexistent/test.csv"]


def test_bad_value_fails_before_data_and_run_dir(tmp_path):
    run = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"train.lr must be > 0, got -1.0"):
        train.main(["configs/tiny.yaml", *MISSING_DATA, "train.lr=-1", "--run-dir", str(run)])
    assert not run.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_fails_before_data_and_run_dir(tmp_path):
    run = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"train.device=cuda: this machine has no CUDA device"):
        train.main(["configs/tiny.yaml", *MISSING_DATA, "train.device=cuda", "--run-dir", str(run)])
    assert not run.exists()


@pytest.mark.part("tagging")
def test_gpu_trained_run_still_loads_and_evaluates_on_cpu(tagger_run, tmp_path):
    """train.device=cuda in a saved run is where it trained, not a requirement to load it."""
    ckpt = load_checkpoint(tagger_run / "best.pt")
    ckpt["config"]["train"]["device"] = "cuda"
    run = tmp_path / "gpu_run"
    run.mkdir()
    save_checkpoint(ckpt, run / "best.pt")
    assert Predictor.from_run_dir(run).predict(["Dogs bark ."])[0]["tags"]
    assert 0 <= evaluate.main([str(run), "--split", "validation"])["accuracy"] <= 1


def write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def own(fmt: str, train_file: Path, test_file: Path | None = None) -> list[str]:
    return ["data.name=mine", f"data.format={fmt}", f"data.train_file={train_file}",
            f"data.test_file={test_file or train_file}"]


@pytest.mark.part("classification")
def test_reader_error_is_the_raised_error_with_its_cause_chained(tmp_path):
    bad = write(tmp_path, "bad.csv", 'text,label\ngood,pos\nbad,neg\n"a,b",c,d\n')
    with pytest.raises(DataFormatError) as e:
        train.main(["configs/tiny.yaml", *own("csv", bad), "--run-dir", str(tmp_path / "run")])
    assert str(e.value) == f'{bad}:4: expected 2 fields (text in column 0, label in 1), found 3 (a text holding a ' \
                           f'comma goes in quotes: "a, b")'
    assert type(e.value.__cause__).__name__ == "DatasetGenerationError"  # datasets' wrapper, kept as the cause
    assert not (tmp_path / "run").exists()


@pytest.mark.part("classification")
def test_command_line_prints_one_line_for_a_user_error(tmp_path):
    bad = write(tmp_path, "bad.jsonl", '{"text": "a b", "label": 1}\n{"text": "c", "label": null}\n')
    out = subprocess.run([sys.executable, "train.py", "configs/tiny.yaml", *own("jsonl", bad)], cwd=ROOT,
                         env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == f"error: {bad}:2: label is null (a missing value?)"
    assert "Traceback" not in out.stderr


@pytest.mark.part("classification")
def test_a_split_that_cannot_be_held_out_is_one_line_too(tmp_path):
    """Errors found after the config is read (splits, hub columns, vectors) are user errors like the config's."""
    data = write(tmp_path, "all.csv", "text,label\na,x\nb,y\nc,y\nd,x\ne,z\n")  # z: one example, no stratified split
    out = subprocess.run([sys.executable, "train.py", "configs/tiny.yaml", "data.name=mine", "data.format=csv",
                          f"data.train_file={data}", "data.test_file=null", "data.test_fraction=0.4",
                          "--run-dir", str(tmp_path / "run")],
                         cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("error: dataset 'mine': cannot hold out a stratified test split") and "['z']" in last


@pytest.mark.parametrize("fmt,text,what", by_part(
    ("csv", "text,label\ngood,pos\nbad,pos\n", "label"),
    ("columns", "EU O\nrejects O\n\nPeter O\n", "tag"),
))
def test_train_with_one_class_is_an_error(tmp_path, fmt, text, what):
    path = write(tmp_path, f"one.{fmt}", text)
    with pytest.raises(DataFormatError, match=rf"^{path}: train has only one {what}, \['(pos|O)'\]: a model needs "
                                              rf"at least two classes"):
        train.main(["configs/tiny.yaml", *own(fmt, path), "--run-dir", str(tmp_path / "run")])


@pytest.mark.part("classification")
def test_data_limit_is_named_when_it_leaves_one_class(tmp_path):
    path = write(tmp_path, "cut.csv", "text,label\na,pos\nb,pos\nc,neg\n")
    with pytest.raises(DataFormatError, match=r"only one label in its first 2 examples \(data.limit\)"):
        train.main(["configs/tiny.yaml", *own("csv", path), f"data.validation_file={path}", "data.limit=2",
                    "--run-dir", str(tmp_path / "run")])


@pytest.mark.part("classification")
def test_json_labels_have_one_string_form(tmp_path):
    from data.formats.jsonl import read_jsonl
    path = write(tmp_path, "l.jsonl", "".join(f'{{"text": "w{i}", "label": {y}}}\n' for i, y in enumerate(
        ['1', '1.0', '"1"', ' " 1 " ', 'true', '"true"', 'false', '0.5', '-0.0', '1e2'])))
    labels = [e["label"] for e in read_jsonl(path)]
    assert labels == ["1", "1", "1", "1", "true", "true", "false", "0.5", "0", "100"]


@pytest.mark.part("classification")
@pytest.mark.parametrize("fmt,text,line,message", [
    ("jsonl", '{"text": "a", "label": "x"}\n{"text": "b"}\n', 2, "expected a JSON object with keys 'text' and"),
    ("jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": NaN}\n', 2, "label is nan (a missing value?)"),
    ("jsonl", '{"text": "a", "label": Infinity}\n', 1, "label is inf (a missing value?)"),
    ("jsonl", '{"text": "a", "label": "  "}\n', 1, "empty label"),
    ("csv", "text,label\na,x\nb,\n", 3, "empty label"),
    ("csv", "text,label\na,x\nb,NaN\n", 3, "label is 'NaN' (a missing value?)"),
    ("tsv", "text\tlabel\na\tx\nb\tnan\n", 3, "label is 'nan' (a missing value?)"),
])
def test_missing_empty_or_nan_label_names_file_and_line(tmp_path, fmt, text, line, message):
    from data.formats.delimited import read_delimited
    from data.formats.jsonl import read_jsonl
    path = write(tmp_path, f"x.{fmt}", text)
    read = read_jsonl if fmt == "jsonl" else read_delimited
    kwargs = {"delimiter": "\t"} if fmt == "tsv" else {}
    with pytest.raises(DataFormatError) as e:
        read(path, **kwargs)
    assert str(e.value).startswith(f"{path}:{line}: {message}")


INVALID_IOB2 = "EU B-ORG\nrejects O\nGerman I-MISC\ncall O\n\nPeter B-PER\nBlackburn I-PER\n"


@pytest.mark.part("tagging", "joint")
def test_invalid_iob2_under_a_crf_names_the_first_line(tmp_path):
    from data.formats.columns import read_columns
    from data.formats.seq_in_out import read_seq_in_out
    path = write(tmp_path, "bad.iob2", INVALID_IOB2)
    with pytest.raises(DataFormatError, match=rf"^{path}:3: tag I-MISC after O is not valid IOB2: an entity starts"):
        train.main(["configs/tiny.yaml", *own("columns", path), "model.crf=true", "--run-dir", str(tmp_path / "r")])
    seq = tmp_path / "seq"
    seq.mkdir()
    write(seq, "seq.in", "from boston\nto denver please\n")
    write(seq, "seq.out", "O B-fromloc\nO I-toloc O\n")
    write(seq, "label", "flight\nflight\n")
    with pytest.raises(DataFormatError, match=rf"^{seq / 'seq.out'}:2: tag I-toloc after O is not valid IOB2"):
        read_seq_in_out(seq, check_iob2=True)
    assert read_columns(path)[0]["tags"][2] == "I-MISC"  # without a CRF the tags are read as written


@pytest.mark.part("tagging")
def test_a_crf_refuses_an_i_tag_that_continues_nothing_in_a_tag_set_that_is_not_bio(tmp_path):
    """IOBES tags are not BIO (no entity metrics), but a CRF's constraints still forbid I-X after another entity."""
    path = write(tmp_path, "bioes.txt", "EU S-ORG\nrejects O\nGerman I-MISC\ncall O\n\nNew B-LOC\nYork E-LOC\n")
    with pytest.raises(DataFormatError, match=rf"^{path}:3: tag I-MISC after O is not valid IOB2"):
        train.main(["configs/tiny.yaml", *own("columns", path), "model.crf=true", "--run-dir", str(tmp_path / "r")])
    assert not (tmp_path / "r").exists()


@pytest.mark.needs_data("conll2003", "atis")
def test_conll2003_as_written_is_not_iob2_but_converted_it_is(shared_data):
    """eng.train is IOB1: read as IOB2 it fails at its first entity that starts with I-."""
    with pytest.raises(DataFormatError, match=r"eng.train:\d+: tag I-\w+ (after O|at the start of a sentence)"):
        prepare(DataConfig(name="conll2003", tag_scheme="iob2"))
    prepare(DataConfig(name="conll2003"))      # the preset converts IOB1 -> IOB2: valid
    prepare(DataConfig(name="atis"))           # ATIS slots are IOB2 as written


@pytest.mark.part("classification")
def test_cache_is_keyed_by_content_not_size_and_mtime(tmp_path):
    path = write(tmp_path, "t.csv", "text,label\na,pos\nb,neg\n")
    cfg = DataConfig(name="mine", format="csv", train_file=str(path), test_file=str(path), dev_fraction=0.5)
    assert sorted(load_splits(cfg)["test"]["label"]) == ["neg", "pos"]
    stat = path.stat()
    path.write_text("text,label\na,yes\nb,not\n", encoding="utf-8")   # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))            # same mtime
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(load_splits(cfg)["test"]["label"]) == ["not", "yes"]


@pytest.mark.part("classification")
def test_beyond_the_issue_yaml_bom_min_freq_and_a_file_as_run_dir(tmp_path):
    """Found by trying more bad input: each was a traceback, a confusing message or a silent result."""
    from data.formats.delimited import read_delimited
    bad_yaml = write(tmp_path, "bad.yaml", "model:\n  hidden_size: [\n")
    with pytest.raises(ConfigError, match=rf"^{bad_yaml}:3: not valid YAML \(did not find expected node content\)"):
        load_config(bad_yaml)
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufefftext,label\ngood,pos\nbad,neg\n".encode("utf-8"))  # as Excel saves CSV
    assert [e["tokens"] for e in read_delimited(bom)] == [["good"], ["bad"]]
    with pytest.raises(DataFormatError, match=r"no word of train occurs data.min_freq=1000 times: every token"):
        train.main(["configs/tiny.yaml", "data.min_freq=1000", "--run-dir", str(tmp_path / "run")])
    a_file = write(tmp_path, "a_file", "")
    with pytest.raises(RunDirError, match=rf"^{a_file}: exists and is not a directory$"):
        train.main(["configs/tiny.yaml", "--run-dir", str(a_file)])


@pytest.mark.part("tagging")
@pytest.mark.parametrize("overrides,message", [
    (["data.tag_column=foo"], r"^data.tag_column must be a CoNLL-U column \(id, form, .*\), got 'foo'$"),
    (["data.format=columns", "data.token_column=abc"], r"^data.token_column and data.tag_column must be integers"),
])
def test_column_settings_are_config_errors_naming_the_key(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_splits(load_config("configs/tiny.yaml", overrides).data)


def test_yaml_of_the_wrong_shape_names_the_file(tmp_path):
    path = write(tmp_path, "list.yaml", "data: [1, 2]\n")
    with pytest.raises(ConfigError, match=rf"^config section 'data' in {path} must map settings to values"):
        load_config(path)


def test_literal_pad_and_unk_tokens_in_the_text_read_as_unk():
    """PTB-style text holds a literal <unk> (and could hold <pad>): a word, not a second UNK or a padding id."""
    from data.vocab import PAD_ID, UNK_ID, Vocab
    vocab = Vocab.build([["<unk>", "a", "<pad>"], ["a", "<unk>"]])
    assert vocab.itos == ["<pad>", "<unk>", "a"]
    assert vocab.encode(["<pad>", "<unk>", "a", "zzz"]) == [UNK_ID, UNK_ID, 2, UNK_ID]
    assert PAD_ID not in vocab.encode(["<pad>"])


@pytest.mark.parametrize("entry_point", by_part("predict.py", "evaluate.py", "export.py"))
def test_every_entry_point_prints_one_line_for_a_missing_run(tmp_path, entry_point):
    out = subprocess.run([sys.executable, entry_point, str(tmp_path / "nowhere")], cwd=ROOT, input="a b\n",
                         env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1] == f"error: {tmp_path / 'nowhere' / 'best.pt'}: no checkpoint there"
