"""export.py: a torch.export program that a bare Python (no code from this repository) loads and runs, with
batch sizes and lengths unlike the export example, matching the eager model trained in the run."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from errors import ConfigError
from models.encoder import EncoderConfig
from models.tasks import build_model
from inference.predictor import Predictor
from data import text
from tests.fixtures import by_part
from tests.test_text import typed_rows
from training.checkpoint import load_checkpoint

REPO = Path(__file__).resolve().parent.parent
# Run by `python -I` (no PYTHONPATH, no cwd on sys.path) from a temporary folder: only torch is importable.
SERVE = r"""
import sys, torch
program_path, inputs_path, outputs_path, repo = sys.argv[1:]
program = torch.export.load(program_path).module()
with torch.no_grad():
    outputs = [program(*inputs) for inputs in torch.load(inputs_path)]
torch.save(outputs, outputs_path)
files = {name: getattr(m, "__file__", None) or "" for name, m in sys.modules.items()}
# a .venv may sit in the repo
leaked = [n for n, f in files.items() if f.startswith(repo) and not f.startswith(sys.prefix)]
assert not leaked, f"repository modules imported: {leaked}"
"""
SHAPES = [[23, 1, 9, 17, 23, 4, 2], [1], [2, 31]]  # (B, T) = (7, 23), (1, 1), (2, 31); the example is (3, 6)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """run dir -> {"program", "meta", "onnx": path}: each run exported once, when a test first asks, to a folder
    outside the run."""
    import export
    done = {}

    def export_once(run: Path) -> dict:
        if run not in done:
            done[run] = export.main([str(run), "--out", str(tmp_path_factory.mktemp("serve") / "model.pt2"), "--onnx"])
        return done[run]
    return export_once


def pairs(got, reference):
    """(exported, eager) tensor pairs: one for a tagger or classifier, (label, tags) for a joint model."""
    return list(zip(got, reference)) if isinstance(reference, tuple) else [(got, reference)]


RUNS = by_part("tagger_run", "classifier_run", "joint_run")  # joint_run: char-CNN inputs, CRF head, two outputs


@pytest.mark.part("export")
@pytest.mark.parametrize("run_fixture", RUNS)
def test_program_runs_without_repo_code_and_matches_the_model(request, exported, run_fixture, tmp_path):
    import export
    run = request.getfixturevalue(run_fixture)
    predictor = Predictor.from_run_dir(run)                       # eager, encoder on its trained packed path
    assert predictor.model.encoder.cfg.rnn_path == "packed"
    chars = export.num_chars(predictor.model)
    batches = [export.random_batch(lengths, len(predictor.words), seed=i, num_chars=chars)
               for i, lengths in enumerate(SHAPES)]
    torch.save([export.inputs(b) for b in batches], tmp_path / "inputs.pt")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run([sys.executable, "-I", "-c", SERVE, str(exported(run)["program"]), "inputs.pt",
                           "outputs.pt", str(REPO)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    outputs = torch.load(tmp_path / "outputs.pt")
    with torch.no_grad():
        for batch, out in zip(batches, outputs):
            for got, reference in pairs(out, export.outputs(predictor.model, batch)):
                assert got.shape == reference.shape
                assert (got - reference).abs().max().item() < 1e-4


@pytest.mark.part("export")
@pytest.mark.parametrize("run_fixture", RUNS)
def test_onnx_program_matches_the_model(request, exported, run_fixture):
    import export
    import onnx
    import onnxruntime

    run = request.getfixturevalue(run_fixture)
    predictor = Predictor.from_run_dir(run)
    graph = onnx.load(exported(run)["onnx"]).graph
    assert "LSTM" in {node.op_type for node in graph.node}
    symbolic = [[d.HasField("dim_param") for d in i.type.tensor_type.shape.dim] for i in graph.input]
    chars = export.num_chars(predictor.model)
    # (batch, time), (batch)[, (batch, time, chars)]: nothing fixed
    assert symbolic == [[True, True], [True]] + ([[True, True, True]] if chars else [])
    session = onnxruntime.InferenceSession(str(exported(run)["onnx"]))
    names = [o.name for o in session.get_outputs()]
    for i, lengths in enumerate(SHAPES):
        batch = export.random_batch(lengths, len(predictor.words), seed=i, num_chars=chars)
        feed = {i.name: t.numpy() for i, t in zip(session.get_inputs(), export.inputs(batch))}
        out = session.run(names, feed)
        with torch.no_grad():
            reference = export.outputs(predictor.model, batch)
        for got, want in pairs(tuple(out) if len(out) > 1 else out[0], reference):
            assert got.shape == want.shape
            assert (torch.from_numpy(got) - want).abs().max().item() < 1e-4


@pytest.mark.part("export")
@pytest.mark.parametrize("run_fixture", RUNS)
def test_meta_holds_vocabularies_and_tokenizer(request, exported, run_fixture):
    run = request.getfixturevalue(run_fixture)
    ckpt = load_checkpoint(run / "best.pt")
    meta = json.loads(exported(run)["meta"].read_text())
    assert meta["program"] == exported(run)["program"].name and meta["onnx"] == exported(run)["onnx"].name
    assert meta["task"] == ckpt["task"]
    assert meta["words"] == ckpt["words"]["itos"]
    assert meta["labels"] == {field: vocab["itos"] for field, vocab in ckpt["labels"].items()}
    assert meta["chars"] == (ckpt["chars"] and ckpt["chars"]["itos"])
    if run_fixture == "joint_run":                                # char-CNN and CRF: what serving needs for them
        K = len(ckpt["labels"]["tags"]["itos"])
        assert ("chars" in meta["inputs"]) == (ckpt["chars"] is not None) and "pair" in meta["output"]
        assert len(meta["crf"]["transitions"]) == K and len(meta["crf"]["start"]) == len(meta["crf"]["end"]) == K
    else:
        assert meta["chars"] is None and meta["crf"] is None
    assert meta["tokenizer"]["name"] == ckpt["config"]["data"]["tokenizer"]
    assert meta["tokenizer"]["library"] == (None if meta["tokenizer"]["name"] == "whitespace" else "nltk")
    typed = "What's “this”, Mr. Smith?"                            # the documented recipe == predict.py's tokens
    scope = {"text": typed, **meta["tokenizer"]}
    exec(meta["tokenizer"]["python"], scope)
    assert scope["tokens"] == Predictor.from_run_dir(run).predict([typed])[0]["tokens"]
    assert meta["tokenizer"]["lowercase"] == ckpt["config"]["data"]["lowercase"]
    assert (meta["pad_id"], meta["unk_id"]) == (0, 1)


def serving_code() -> str:
    """docs/predict.md's serving code: its one python block."""
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "docs" / "predict.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    return blocks[0]


@pytest.mark.part("export")
@pytest.mark.parametrize("run_fixture", RUNS)
def test_the_docs_serving_code_gives_predict_pys_results(request, exported, run_fixture, monkeypatch):
    """docs/predict.md's code, run beside an export, builds the inputs collate builds (a char-CNN's chars: words cut
    to max_word_len) and gives Predictor's labels and tags (a joint model's pair, a CRF's Viterbi)."""
    import export
    run = request.getfixturevalue(run_fixture)
    texts = ["What's the capital of France?", "Incomprehensibilities in Llanfairpwllgwyngyllgogerychwyrndrobwll ."]
    code, found = re.subn(r"(?m)^texts = .*$", f"texts = {texts!r}", serving_code())
    assert found == 1
    monkeypatch.chdir(exported(run)["program"].parent)
    scope = {}
    exec(code, scope)
    predictor = Predictor.from_run_dir(run)
    want = predictor.predict(texts)
    batch = predictor.batch([p["tokens"] for p in want])
    assert all(torch.equal(a, b) for a, b in zip(scope["inputs"], export.inputs(batch), strict=True))
    got = scope["predictions"]
    assert [p.pop("probability", None) for p in got] == pytest.approx([p.pop("probability", None) for p in want])
    assert got == want


@pytest.mark.part("export", "tagging")
def test_time_loop_is_the_lstm_kernel_not_unrolled(exported, tagger_run):
    """One aten.lstm call per layer and direction: the program does not depend on the example's length."""
    program = torch.export.load(exported(tagger_run)["program"])
    cfg = load_checkpoint(tagger_run / "best.pt")["config"]["model"]
    calls = [n for n in program.graph.nodes if n.target == torch.ops.aten.lstm.input]
    assert len(calls) == cfg["num_layers"] * (2 if cfg["bidirectional"] else 1)


@pytest.mark.part("export")
def test_gru_exports():
    import export
    torch.manual_seed(0)
    cfg = EncoderConfig(rnn="gru", embed_dim=8, hidden_size=6, num_layers=1, dropout=0.0)
    gru = build_model("classification", 30, {"label": ["a", "b", "c"]}, cfg).eval()
    program = export.export_model(gru, 30)
    assert gru.encoder.cfg.rnn_path == "packed"                   # restored after tracing
    batch = export.random_batch([9, 2, 5, 1], 30, seed=3)
    with torch.no_grad():
        torch.testing.assert_close(program.module()(batch.tokens, batch.lengths), gru.logits(batch),
                                   rtol=0, atol=1e-5)


@pytest.mark.part("export")
@pytest.mark.parametrize("task", ["classification", *by_part("tagging")])
def test_a_vanilla_rnn_is_refused(task):
    import export
    labels = {"classification": {"label": ["a", "b", "c"]}, "tagging": {"tags": ["a", "b", "c"]}}[task]
    rnn = build_model(task, 30, labels, EncoderConfig(rnn="rnn", embed_dim=8, hidden_size=6, dropout=0.0))
    with pytest.raises(ConfigError, match="^cannot export model.rnn='rnn'"):  # one `error:` line
        export.export_model(rnn, 30)


@pytest.mark.parametrize("tokenizer", list(text.TOKENIZERS))
@pytest.mark.parametrize("lowercase", [False, True])
def test_serving_recipe_reproduces_the_tokenizer(tokenizer, lowercase):
    import export
    """export_meta.json's "python" code, run with nothing but the spec's entries, gives the same tokens."""
    spec = export.tokenizer_spec(tokenizer, lowercase)
    assert json.loads(json.dumps(spec)) == spec
    for row in typed_rows():
        scope = {"text": row["text"], **spec}
        exec(spec["python"], scope)
        assert scope["tokens"] == text.split(row["text"], tokenizer)
        assert scope["words"] == text.tokenize(row["text"], lowercase, tokenizer)
