"""Input that used to end in a traceback or a misleading message (issue 26) ends in one line naming the file (and
line) or the key, and what to do; a broken pipe ends quietly. Tiny data written here, no ../shared/data."""
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from errors import CheckpointError, ConfigError, DataFormatError
import evaluate
import predict
import train
from own_data import tagging, any_task
from training import checkpoint, trainer
from training.checkpoint import load_checkpoint, save_checkpoint
from training.config import load_config
from inference.run import load_run

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("unclear")
    train.main([*any_task(folder / "data"), "--run-dir", str(folder / "run")])
    return folder / "run"


def cli(script: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, script, *args], cwd=ROOT, env=ENV, capture_output=True, timeout=120,
                          **kwargs)


def one_error_line(out: subprocess.CompletedProcess) -> str:
    err = out.stderr.decode().strip().splitlines()
    assert out.returncode == 1 and len(err) == 1 and err[0].startswith("error: "), out.stderr.decode()
    return err[0]


@pytest.mark.parametrize("content,message", [
    (b"", r"{path}: empty: a config maps sections to settings, at least its data \(e.g. data: {{name: trec}}\)"),
    (b"# only a comment\n", r"{path}: empty: a config maps sections"),
    (b"- data\n- model\n", r"{path}: a list: a config maps sections to settings"),
    (b"data: [trec]\n", r"config section 'data' in {path} must map settings to values \(data: {{key: value}}\), got "
                        r"a list"),
    (b"data: {name: mine, format: class_files, train_file: a, test_file: b, classes: {pos: 1}}\n",
     r"config key 'data.classes' in {path}: expected a list, e.g. \[a, b\], got a mapping"),
    (b"model: {embed_dim: [16, 32]}\n", r"config key 'model.embed_dim' in {path}: expected one value, got a list"),
    (b"\x7fELF\x02\x01\x01\x00\x00binary", r"{path}: not a YAML text file \(a NUL byte at byte 7; binary, or not "
                                           r"UTF-8\)"),
    ("data: {name: trec}\n".encode("utf-16"), r"{path}: not a YAML text file"),
])
def test_a_config_file_that_is_no_config_names_itself(tmp_path, content, message):
    path = tmp_path / "c.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="^" + message.format(path=path)):
        load_config(path)


@pytest.mark.part("classification")
def test_a_test_fraction_of_zero_is_a_range_error_not_a_missing_setting():
    with pytest.raises(ConfigError, match=r"^data.test_fraction must be in \(0, 1\), got 0.0$"):
        load_config(None, ["data.name=mine", "data.format=csv", "data.train_file=t.csv", "data.test_fraction=0"])


def test_a_full_disk_at_a_checkpoint_save_names_the_file_and_errno(tmp_path, monkeypatch):
    """torch.save reports ENOSPC as "unexpected pos"; the kernel's own ENOSPC here: the file is /dev/full."""
    path = tmp_path / "best.pt"
    save_checkpoint({"w": torch.ones(3)}, path)

    def full_disk(*args, **kwargs):
        return os.open("/dev/full", os.O_WRONLY), str(tmp_path / ".best.pt.x.tmp")
    monkeypatch.setattr(checkpoint.tempfile, "mkstemp", full_disk)
    with pytest.raises(OSError, match=rf"^\[Errno 28\] {path}: cannot write the checkpoint: No space left on "
                                      r"device$"):
        save_checkpoint({"w": torch.zeros(100_000)}, path)
    assert torch.equal(load_checkpoint(path, ())["w"], torch.ones(3))      # the previous file stays


@pytest.mark.part("classification")
def test_ctrl_c_in_the_final_evaluation_prints_the_hint_and_the_resume_finishes(tmp_path, monkeypatch, capsys):
    args, run_dir = any_task(tmp_path / "data"), tmp_path / "my run"
    report = trainer.metrics.report

    def interrupted(*a, **k):  # Ctrl-C arrives while the test report is computed
        raise KeyboardInterrupt
    monkeypatch.setattr(trainer.metrics, "report", interrupted)
    assert train.main([*args, "--run-dir", str(run_dir)]) == {"interrupted": 2}
    out = capsys.readouterr().out
    assert "SIGINT: stopped during the final evaluation; the training is over and saved" in out
    assert f"train.py --resume '{run_dir}'   (it trains nothing)" in out and not (run_dir / "metrics.json").exists()
    monkeypatch.setattr(trainer.metrics, "report", report)
    assert train.main(["--resume", str(run_dir)])["epochs"] == 1 and (run_dir / "metrics.json").is_file()


@pytest.mark.part("classification", "vectors")
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_vectors_that_are_not_finite_name_their_line(tmp_path, value):
    vectors = tmp_path / "v.txt"
    vectors.write_text(f"great {' '.join(['0.1'] * 8)}\nfun 0.1 {value} {' '.join(['0.2'] * 6)}\n")
    with pytest.raises(DataFormatError, match=rf"^{vectors}:2: the vector of 'fun' holds {value} \(not a finite "
                                              r"number\)"):
        train.main([*any_task(tmp_path / "data"), f"model.vectors={vectors}", "--run-dir", str(tmp_path / "r")])


@pytest.mark.parametrize("change,message", [
    (lambda m: m.update({"head.linear.weight": m.pop("head.proj.weight")}),   # renamed
     r"no head.proj.weight; unknown head.linear.weight"),
    (lambda m: m.update({"head.extra": torch.zeros(2)}), r"unknown head.extra"),
    (lambda m: m.update({"head.proj.bias": torch.zeros(3)}), r"another shape for head.proj.bias"),
    (lambda m: m.pop("encoder.embedding.weight"), r"no encoder.embedding.weight"),
])
def test_a_checkpoint_with_other_weights_names_its_path(run, tmp_path, change, message):
    best = load_checkpoint(run / "best.pt")
    change(best["model"])
    (tmp_path / "other").mkdir()
    save_checkpoint(best, tmp_path / "other" / "best.pt")
    with pytest.raises(CheckpointError, match=rf"^{tmp_path / 'other' / 'best.pt'}: its weights do not fit the model "
                                              rf"its config describes: {message}"):
        load_run(tmp_path / "other")


def test_a_checkpoint_of_newer_code_names_its_path(run, tmp_path):
    best = load_checkpoint(run / "best.pt")
    best["config"]["model"]["attention_heads"] = 4             # a setting this code does not know
    (tmp_path / "newer").mkdir()
    save_checkpoint(best, tmp_path / "newer" / "best.pt")
    with pytest.raises(CheckpointError, match=rf"^{tmp_path / 'newer' / 'best.pt'}: its config does not fit this "
                                              r"code \(unknown config key 'model.attention_heads'"):
        evaluate.main([str(tmp_path / "newer")])


@pytest.mark.part("tagging")
@pytest.mark.part("classification", "tagging")
def test_evaluate_takes_data_overrides_and_data_of_the_runs_task(run, tmp_path):
    with pytest.raises(ConfigError, match=r"^model.hidden_size \(a command-line override\): evaluate.py takes data.\* "
                                          r"overrides only"):
        evaluate.main([str(run), "model.hidden_size=32"])
    other = [a for a in tagging(tmp_path / "tags") if a.startswith("data.")]
    with pytest.raises(ConfigError, match=rf"^'mine' is tagging data, and the run in {run} is a classification model"):
        evaluate.main([str(run), *other])


@pytest.mark.parametrize("content,message", [
    ("I liked it\n".encode("utf-16"), r"{path}:1: UTF-16 text \(a UTF-16 byte order mark\): predict.py reads UTF-8"),
    (b"good\n\x00\x01\x02binary\n", r"{path}:2: a NUL byte: binary data, or UTF-16/32 text"),
    (b"good film\ncaf\xe9 noir\n", r"{path}:2: not valid UTF-8 \(invalid continuation byte at byte 3\)"),
])
def test_predict_on_text_that_is_not_utf8_names_the_line(run, tmp_path, content, message):
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match="^" + message.format(path=path)):
        predict.main([str(run), str(path)])


def test_predict_arguments_that_cannot_work_are_one_line(run):
    with pytest.raises(ConfigError, match=r"^--batch-size must be >= 1, got 0$"):
        predict.main([str(run), "--batch-size", "0"])
    with pytest.raises(ConfigError, match=r"^--device=gpu: not a device \(cpu, cuda, cuda:N\)$"):
        predict.main([str(run), "--device", "gpu"])
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match=r"^--device=cuda: this machine has no CUDA device .*; use --device=cpu"):
            predict.main([str(run), "--device", "cuda"])


def test_predict_with_stdin_closed_is_one_line(run):
    out = cli("predict.py", str(run), stdin=None, preexec_fn=lambda: os.close(0))
    assert one_error_line(out) == "error: stdin is closed: give a FILE, or pipe text in (one sentence per line)"


def test_predict_into_a_closed_pipe_stops_quietly(run, tmp_path):
    """`predict.py RUN big.txt | head -1`: the reader goes away; no traceback, no error line, SIGPIPE's code."""
    big = tmp_path / "big.txt"
    big.write_text("what a great film\n" * 20000)
    read, write = os.pipe()
    with os.fdopen(read, "rb") as reader:
        proc = subprocess.Popen([sys.executable, "predict.py", str(run), str(big)], cwd=ROOT, env=ENV,
                                stdout=write, stderr=subprocess.PIPE)
        os.close(write)
        assert reader.readline().strip()                         # one line read, then the pipe is closed
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and err.decode().strip() == ""


@pytest.mark.part("classification")
def test_reader_faults_name_the_line_where_they_start(tmp_path):
    from data.formats.delimited import read_delimited
    from data.formats.jsonl import read_jsonl
    stray = tmp_path / "stray.csv"
    stray.write_text('text,label\ngood,pos\n"bad,neg\nfine,pos\nawful,neg\n')
    with pytest.raises(DataFormatError, match=rf"^{stray}:3: expected 2 fields \(text in column 0, label in 1\), "
                                              r"found 1 in a record running from this line to line 5: a stray quote"):
        read_delimited(stray)
    big = tmp_path / "big.csv"
    big.write_text(f'text,label\n"{"word " * 40000}",pos\nshort,neg\n')  # a 200 KB field: a whole document
    assert [len(e["tokens"]) for e in read_delimited(big)] == [40000, 1]
    lone = tmp_path / "lone.jsonl"
    lone.write_text('{"text": "fine", "label": "pos"}\n{"text": "bad \\ud83d text", "label": "neg"}\n')
    with pytest.raises(DataFormatError, match=rf"^{lone}:2: the text holds a lone surrogate \('\\ud83d' at character "
                                              r"5\), half of a character's UTF-16 escape"):
        read_jsonl(lone)


@pytest.mark.part("export")
def test_export_onto_a_folder_or_a_read_only_file_system_is_one_line(run, tmp_path, monkeypatch):
    import export
    (tmp_path / "model.pt2").mkdir()
    with pytest.raises(ConfigError, match=rf"^{tmp_path / 'model.pt2'}: is a folder; export.py writes files: give "
                                          r"--out a file name"):
        export.main([str(run), "--out", str(tmp_path / "model.pt2")])

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(export.tempfile, "TemporaryFile", read_only)  # as a read-only mount answers a new file
    with pytest.raises(OSError, match=rf"^\[Errno 30\] {tmp_path / 'out'}: cannot write the export there: Read-only "
                                      r"file system$"):
        export.main([str(run), "--out", str(tmp_path / "out" / "model.pt2")])
