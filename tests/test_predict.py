"""predict.py on raw text: both output formats for both tasks, stdin, blank lines, lengths never seen in
training, and agreement with the predictions evaluate.py's batching gives."""
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

import predict
from inference.predictor import Predictor
from data.batching import make_loader
from data.datasets import load_splits, prepare
from data.vocab import Vocabs
from training.checkpoint import load_checkpoint
from training.config import load_config
from training.loop import gold_and_predicted

REPO = Path(__file__).resolve().parent.parent
# Lines 1, 4 and 5 are sentences (line 5: extra spaces and a tab); 2 and 3 are blank. Line 1 has a BOM.
LINES = ["\ufeffThe café in Paris was closed .", "", "  \t ", "Where is the Eiffel Tower ?", "I  saw\ther duck"]
SENTENCE_LINES = [1, 4, 5]
TOKENS = [LINES[0][1:].split(), LINES[3].split(), LINES[4].split()]


def run_main(capsys, argv) -> list[str]:
    capsys.readouterr()  # drop anything printed before (e.g. a run fixture training)
    predict.main(argv)
    return capsys.readouterr().out.splitlines()


def run_cli(args: list[str], stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "predict.py"), *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO, timeout=300)


@pytest.fixture
def input_file(tmp_path) -> Path:
    path = tmp_path / "in.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def tag_vocab(run) -> set:
    (vocab,) = load_checkpoint(run / "best.pt")["labels"].values()
    return set(vocab["itos"])


@pytest.mark.part("tagging")
def test_tagger_text_and_json(tagger_run, input_file, capsys):
    text = run_main(capsys, [str(tagger_run), str(input_file)])
    records = [json.loads(r) for r in run_main(capsys, [str(tagger_run), str(input_file), "--format", "json"])]
    assert len(text) == len(records) == 3
    for line, record, tokens, line_no in zip(text, records, TOKENS, SENTENCE_LINES):
        pairs = [pair.rsplit("/", 1) for pair in line.split(" ")]
        assert [w for w, _ in pairs] == tokens                        # as written: case kept, BOM dropped
        assert list(record) == ["line", "tokens", "tags"]
        assert record["line"] == line_no and record["tokens"] == tokens
        assert [t for _, t in pairs] == record["tags"] and set(record["tags"]) <= tag_vocab(tagger_run)


@pytest.mark.part("classification")
def test_classifier_text_and_json(classifier_run, input_file, capsys):
    text = run_main(capsys, [str(classifier_run), str(input_file)])
    records = [json.loads(r) for r in run_main(capsys, [str(classifier_run), str(input_file), "--format=json"])]
    assert len(text) == len(records) == 3
    labels = tag_vocab(classifier_run)
    for line, record, tokens, line_no in zip(text, records, TOKENS, SENTENCE_LINES):
        label, probability, sentence = line.split("\t")
        assert sentence == " ".join(tokens) and label in labels
        assert list(record) == ["line", "tokens", "label", "probability"]
        assert record["line"] == line_no and record["tokens"] == tokens and record["label"] == label
        assert 1 / len(labels) <= record["probability"] <= 1
        assert float(probability) == pytest.approx(record["probability"], abs=5e-5)


@pytest.mark.part("joint")
def test_joint_text_and_json(joint_run, input_file, capsys):
    text = run_main(capsys, [str(joint_run), str(input_file)])
    records = [json.loads(r) for r in run_main(capsys, [str(joint_run), str(input_file), "--format", "json"])]
    ckpt = load_checkpoint(joint_run / "best.pt")
    intents, slots = (set(ckpt["labels"][f]["itos"]) for f in ("label", "tags"))
    assert len(text) == len(records) == 3
    for line, record, tokens in zip(text, records, TOKENS):
        assert list(record) == ["line", "tokens", "label", "probability", "tags"]
        assert record["label"] in intents and set(record["tags"]) <= slots and len(record["tags"]) == len(tokens)
        label, probability, pairs = line.split("\t")
        assert label == record["label"] and [p.rsplit("/", 1)[1] for p in pairs.split(" ")] == record["tags"]
        assert not any(t.startswith("I-") and (i == 0 or record["tags"][i - 1][2:] != t[2:])  # CRF: valid IOB2
                       for i, t in enumerate(record["tags"]))


@pytest.mark.part("tagging", "joint", "classification")
@pytest.mark.parametrize("run_fixture", ["tagger_run", "classifier_run", "joint_run"])
def test_predictions_equal_evaluate_batching(request, run_fixture):
    """Raw text through Predictor (input order, batches of 64) == ids through evaluate.py's path
    (numericalised dataset, batches of 256 sorted by length), on the whole dev split."""
    run = request.getfixturevalue(run_fixture)
    ckpt = load_checkpoint(run / "best.pt")
    cfg = load_config(base=ckpt["config"])
    vocabs = Vocabs.from_dict(ckpt)
    predictor = Predictor.from_run_dir(run, pretokenized=True)  # the texts are tokens
    dd, _ = prepare(cfg.data, vocabs)
    loader = make_loader(dd["validation"], 256, shuffle=False)
    _, expected = gold_and_predicted(predictor.model, loader, "cpu")
    order = [i for batch in loader.batch_sampler for i in batch]            # dataset index of each prediction
    as_written = load_splits(dataclasses.replace(cfg.data, lowercase=False))["validation"]["tokens"]
    keep = [k for k, i in enumerate(order) if all(len(t.split()) == 1 for t in as_written[i])]  # round-trips
    assert len(keep) > 0.9 * len(order)
    texts = [" ".join(as_written[order[k]]) for k in keep]
    if cfg.data.lowercase:
        assert sum(t != t.lower() for t in texts) > len(texts) / 2          # lower-casing really is exercised
    results = predictor.predict(texts)
    for field, labels in vocabs.labels.items():
        got = [labels.encode(r["tags"]) if field == "tags" else labels.stoi[r["label"]] for r in results]
        assert got == [expected[field][k] for k in keep]


@pytest.mark.part("tagging", "classification")
@pytest.mark.parametrize("run_fixture", ["tagger_run", "classifier_run"])
def test_sentence_longer_than_any_in_training(request, run_fixture):
    run = request.getfixturevalue(run_fixture)
    cfg = load_config(base=load_checkpoint(run / "best.pt")["config"])
    longest = max(len(t) for t in load_splits(cfg.data)["train"]["tokens"])
    long = " ".join(f"word{i % 7}" for i in range(longest + 40))
    results = Predictor.from_run_dir(run, batch_size=2).predict(["a short one", long, "x"])
    assert [len(r["tokens"]) for r in results] == [3, longest + 40, 1]
    if "tags" in results[1]:
        assert len(results[1]["tags"]) == longest + 40


@pytest.mark.part("tagging", "classification")
def test_stdin_gives_the_same_output_as_a_file(tagger_run, classifier_run, input_file, capsys):
    stdin = input_file.read_text(encoding="utf-8-sig").encode("ascii", "replace").decode()  # any locale reads it
    input_file.write_text(stdin, encoding="utf-8")
    for run, args in ((tagger_run, ["--format", "json"]), (classifier_run, ["-", "--batch-size", "2"])):
        done = run_cli([str(run), *args], stdin)
        assert done.returncode == 0, done.stderr
        file_args = [a for a in args if a != "-"]
        assert done.stdout.splitlines() == run_main(capsys, [str(run), str(input_file), *file_args])
        assert len(done.stdout.splitlines()) == 3


@pytest.mark.part("classification")
def test_empty_input_prints_nothing(classifier_run, tmp_path, capsys):
    done = run_cli([str(classifier_run)], "\n  \n\n")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    (tmp_path / "empty.txt").write_text("")
    assert run_main(capsys, [str(classifier_run), str(tmp_path / "empty.txt")]) == []


@pytest.mark.part("classification")
def test_predictor_rejects_a_blank_sentence(classifier_run):
    predictor = Predictor.from_run_dir(classifier_run)
    assert predictor.predict([]) == []
    with pytest.raises(ValueError, match="sentence 1 is blank"):
        predictor.predict(["what ?", " "])


@pytest.mark.part("classification")
def test_a_line_the_tokenizer_empties_is_skipped_like_a_blank_one(classifier_run, tmp_path, capsys):
    """A lone zero-width space or BOM is not blank to str.strip, but the run's tokenizer (ptb) drops it."""
    path = tmp_path / "odd.txt"
    path.write_text("\u200b\nwhat is it ?\n\ufeff\n", encoding="utf-8")
    records = [json.loads(r) for r in run_main(capsys, [str(classifier_run), str(path), "--format", "json"])]
    assert [r["line"] for r in records] == [2]
