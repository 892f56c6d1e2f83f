"""Export a saved run's inference path for serving, with `torch.export`:

    python export.py runs/trec-20261127-101500 [--out runs/trec-20261127-101500/model.pt2] [--onnx]

Writes the program (tokens (B, T) int64, lengths (B,) int64 [, chars (B, T, C) int64 for a char-CNN model] ->
logits; B, T and C dynamic) and, beside it, export_meta.json: vocabularies, label names, tokenizer settings and,
for a CRF, its transition scores, so a serving stack needs no code from here:

    program = torch.export.load("model.pt2").module()
    logits = program(tokens, lengths)   # program(tokens, lengths, chars) for a char-CNN model (meta "chars")
    # (B, T, num_tags) for a tagger, (B, num_classes) for a classifier, (label logits, tag logits) for a joint
    # intent + slots model; docs/predict.md: from text to labels, every model
A CRF tagger's logits are emission scores: decode them with Viterbi using meta["crf"] (argmax ignores the
transitions and the IOB2 constraints).

Two things make the LSTM exportable with dynamic lengths:
- the encoder runs its padded ``rnn_path="reversed"`` (same outputs as packing, tests/test_models.py):
  packed sequences do not export (pytorch/pytorch#62240);
- torch's default shape rule for ``aten.lstm``/``aten.gru`` unrolls the time loop in Python, which pins T to the
  example's length. torch's (private) while_loop rules are used while tracing only: the saved graph still calls
  the ordinary ``aten.lstm.input`` kernel once per layer and direction. torch has no such rule for ``rnn_tanh``,
  so ``model.rnn=rnn`` is refused. Converting the program further needs the same rules: outside them the ONNX
  converter silently fixes T to the example's length. (``program.run_decompositions()`` fixes T outside them and
  fails inside them in torch 2.13, so lowering to core ATen, e.g. for AOTInductor, is not supported here.)

--onnx also writes model.onnx (ONNX LSTM ops; inputs tokens, lengths[, chars]; output logits, or label_logits and
tag_logits) for onnxruntime.
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import contextlib
import json
import logging
import sys
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path

import torch
from torch import nn
from torch.export._patches import register_gru_while_loop_decomposition, register_lstm_while_loop_decomposition

from errors import ConfigError, run_cli
from data import text
from data.batching import MAX_WORD_LEN, Batch, collate
from data.vocab import PAD_ID, UNK_ID
from training.checkpoint import write_atomic
from inference.run import Run, load_run

SHAPE_RULES = {"lstm": register_lstm_while_loop_decomposition, "gru": register_gru_while_loop_decomposition}
TOLERANCE = 1e-4                   # max |exported - eager packed| on the check batch
EXAMPLE = [6, 4, 2]                # traced shapes (B, T) = (3, 6): no dynamic dim of size 0 or 1, export would fix it
CHECK = [13, 1, 7, 4, 13]          # checked shapes (5, 13): B, T and lengths unlike the example's


OUTPUT_FIELDS = ("label", "tags")  # a joint model's logits, in this order: (label logits, tag logits)
ONNX_OUTPUTS = {False: ("logits",), True: ("label_logits", "tag_logits")}  # by "is it a joint model"


def outputs(model: nn.Module, batch: Batch) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """``model.logits`` as plain tensors: a joint model's {"label", "tags"} dict becomes a tuple."""
    logits = model.logits(batch)
    return tuple(logits[f] for f in OUTPUT_FIELDS) if isinstance(logits, dict) else logits


class LogitsModule(nn.Module):
    """A task model's inference path with plain tensor inputs: (tokens (B, T), lengths (B,)[, chars (B, T, C)])
    -> logits (see `outputs`)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor, chars: torch.Tensor | None = None):
        return outputs(self.model, Batch(tokens, lengths, chars=chars))


def random_batch(lengths: list[int], vocab_size: int, seed: int = 0, num_chars: int = 0) -> Batch:
    """Right-padded random word ids (never PAD) of the given lengths; with ``num_chars``, random words of 1 to 7
    characters (never PAD) as chars (B, T, C)."""
    g = torch.Generator().manual_seed(seed)
    examples = [{"ids": torch.randint(1, vocab_size, (n,), generator=g).tolist()} for n in lengths]
    for ex in examples:
        if num_chars:
            ex["chars"] = [torch.randint(1, num_chars, (int(torch.randint(1, 8, (1,), generator=g)),),
                                         generator=g).tolist() for _ in ex["ids"]]
    return collate(examples)


def inputs(batch: Batch) -> tuple[torch.Tensor, ...]:
    """The program's positional inputs for a batch: (tokens, lengths) or (tokens, lengths, chars)."""
    return (batch.tokens, batch.lengths) if batch.chars is None else (batch.tokens, batch.lengths, batch.chars)


def num_chars(model: nn.Module) -> int:
    """Character vocabulary size of the model's char-CNN (0 without one)."""
    cnn = model.encoder.char_cnn
    return 0 if cnn is None else cnn.embedding.num_embeddings


@contextlib.contextmanager
def rnn_path(model: nn.Module, path: str):
    """Run the encoder on `path` ("packed" | "reversed") inside the block, then put the old one back."""
    old, model.encoder.cfg.rnn_path = model.encoder.cfg.rnn_path, path
    try:
        yield
    finally:
        model.encoder.cfg.rnn_path = old


@contextlib.contextmanager
def time_loop_shape_rules(rnn: str):
    """torch's while_loop shape rule for aten.lstm/gru, so tracing keeps T symbolic (see the module docstring)."""
    if rnn not in SHAPE_RULES:
        raise ConfigError(f"cannot export model.rnn={rnn!r} with a dynamic length: torch has while_loop shape rules "
                          f"only for {', '.join(SHAPE_RULES)} (the default rule unrolls time and fixes T): export a "
                          f"run trained with model.rnn=lstm or gru")
    with SHAPE_RULES[rnn](), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*_check_is_size", category=FutureWarning)  # torch's own rule
        yield


def check(name: str, forward, model: nn.Module, vocab_size: int) -> float:
    """Max |forward(*inputs) - eager packed logits| on the CHECK batch (``forward``: an exported program's call);
    RuntimeError above TOLERANCE."""
    batch = random_batch(CHECK, vocab_size, seed=1, num_chars=num_chars(model))
    with torch.no_grad(), rnn_path(model, "packed"):
        got, want = forward(*inputs(batch)), outputs(model, batch)
        pairs = zip(got, want) if isinstance(want, tuple) else [(got, want)]
        diff = max((a - b).abs().max().item() for a, b in pairs)
    if diff > TOLERANCE:
        raise RuntimeError(f"{name} differs from the eager model by {diff:.2e} > {TOLERANCE}")
    return diff


def export_model(model: nn.Module, vocab_size: int) -> torch.export.ExportedProgram:
    """Export ``model.logits`` in eval mode on the CPU, batch and time dynamic (each >= 1).

    Traces with ``model.encoder.cfg.rnn_path = "reversed"`` (restored afterwards), then `check`s the program
    against the eager packed path. Raises ConfigError for ``model.rnn=rnn``.
    """
    model = model.cpu().eval()
    example = random_batch(EXAMPLE, vocab_size, num_chars=num_chars(model))
    B, T, C = (torch.export.Dim(name, min=1) for name in ("batch", "time", "chars"))
    shapes = {"tokens": {0: B, 1: T}, "lengths": {0: B}}
    if example.chars is not None:
        shapes["chars"] = {0: B, 1: T, 2: C}
    with time_loop_shape_rules(model.encoder.cfg.rnn), rnn_path(model, "reversed"):
        program = torch.export.export(LogitsModule(model), inputs(example), dynamic_shapes=shapes)
    check("exported program", program.module(), model, vocab_size)
    return program


def export_onnx(program: torch.export.ExportedProgram, model: nn.Module, vocab_size: int):
    """The same program as ONNX (inputs tokens, lengths[, chars]; output logits, or label_logits and tag_logits
    for a joint model), checked with onnxruntime; returns its ModelProto (``.SerializeToString()``: the file).

    Inside the shape rules too: outside, the converter's decomposition pass silently fixes T to the example's.
    """
    names = ONNX_OUTPUTS[hasattr(model, "slot_head")]
    registry = logging.getLogger("torch.onnx._internal.exporter._registration")
    with time_loop_shape_rules(model.encoder.cfg.rnn), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*LeafSpec", category=FutureWarning)  # inside torch.onnx
        registry.addFilter(_not_torchvision)
        try:
            onnx_program = torch.onnx.export(program, dynamo=True, verbose=False, output_names=list(names))
        finally:
            registry.removeFilter(_not_torchvision)
    forward = lambda *x: tuple(onnx_program(*x)) if len(names) > 1 else onnx_program(*x)[0]  # noqa: E731
    check("ONNX program", forward, model, vocab_size)
    return onnx_program.model_proto


def _not_torchvision(record: logging.LogRecord) -> bool:
    """False for torch.onnx's "torchvision is not installed. Skipping torchvision::nms" lines (one per torchvision
    op it registers): these models have none."""
    return not record.getMessage().startswith("torchvision is not installed")


def crf_scores(model: nn.Module) -> dict | None:
    """A CRF tagging head's scores for a serving-side Viterbi (IOB2 constraints added in as -1e4), else None."""
    head = getattr(model, "slot_head", getattr(model, "head", None))
    crf = getattr(head, "crf", None)
    if crf is None:
        return None
    transitions, start = (t.detach().tolist() for t in crf._scores())
    return {"transitions": transitions, "start": start, "end": crf.end.detach().tolist(),
            "decode": "best path of start[y0] + sum_t logits[t, y_t] + sum_t transitions[y_{t-1}, y_t] + end[y_last] "
                      "(transitions[i][j]: from tag i to tag j), per sentence over its real tokens"}


def export_meta(run: Run, program_name: str, onnx_name: str | None = None) -> dict:
    """Everything a serving stack needs around the program: tokenizer, vocabularies, tensor contract."""
    tags = "(B, T, num_tags) float32; positions past each length are padding, ignore them"
    label = "(B, num_labels) float32; softmax for probabilities"
    output = {"tagging": f"logits {tags}", "classification": f"logits {label}",
              "joint": f"a pair: label logits {label}, then tag logits {tags}"}[run.task]
    inputs = {"tokens": "(B, T) int64 word ids, padded with pad_id after each sentence",
              "lengths": "(B,) int64 real lengths, each in [1, T]"}
    chars = run.vocabs.chars
    if chars is not None:
        inputs["chars"] = (f"(B, T, C) int64 character ids (the 'chars' vocabulary) of each token's first "
                           f"(as written, never lower-cased) "
                           f"{MAX_WORD_LEN} characters, padded with pad_id after each word and in padded word slots")
    return {
        "program": program_name,
        "onnx": onnx_name,
        "torch_version": torch.__version__,
        "task": run.task,
        "tokenizer": tokenizer_spec(run.config.data.tokenizer, run.config.data.lowercase),
        "inputs": inputs,
        "output": output,
        "pad_id": PAD_ID,
        "unk_id": UNK_ID,
        "words": run.vocabs.words.itos,
        "chars": None if chars is None else chars.itos,
        "max_word_len": None if chars is None else MAX_WORD_LEN,
        "labels": {field: vocab.itos for field, vocab in run.vocabs.labels.items()},
        "crf": crf_scores(run.model),
    }


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", type=Path, help="a run directory holding best.pt")
    p.add_argument("--out", type=Path, help="program file (default RUN_DIR/model.pt2); export_meta.json goes beside it")
    p.add_argument("--onnx", action="store_true", help="also write model.onnx beside it (needs onnx, onnxscript, "
                                                        "onnxruntime)")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    """Returns the paths written: {"program", "meta"} and "onnx" with --onnx. Each file is written atomically: a
    symbolic link in its place is replaced, never written through."""
    args = parse_args(argv)
    if args.onnx:
        _check_onnx_packages()
    run = load_run(args.run_dir)
    out = args.out or run.path / "model.pt2"
    paths = {"program": out, "meta": out.parent / "export_meta.json"}
    if args.onnx:
        paths["onnx"] = out.with_suffix(".onnx")
    _check_writable(paths)
    program = export_model(run.model, len(run.vocabs.words))
    write_atomic(out, lambda f: torch.export.save(program, f), "the exported program")
    if args.onnx:
        proto = export_onnx(program, run.model, len(run.vocabs.words))
        write_atomic(paths["onnx"], lambda f: f.write(proto.SerializeToString()), "the ONNX program")
    meta = export_meta(run, out.name, paths["onnx"].name if args.onnx else None)
    write_atomic(paths["meta"], lambda f: f.write((json.dumps(meta, indent=1, ensure_ascii=False) + "\n").encode()))
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return paths


def _check_writable(paths: dict[str, Path]) -> None:
    """Before the export's work: no output is a folder, and their folder can be created and written to."""
    for path in paths.values():
        if path.is_dir():
            raise ConfigError(f"{path}: is a folder; export.py writes files: give --out a file name, e.g. "
                              f"--out {path / 'model.pt2'}")
    folder = paths["program"].parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as e:
        raise OSError(e.errno, f"{folder}: cannot write the export there: {e.strerror or e}") from None


def _check_onnx_packages() -> None:
    """--onnx needs the packages of requirements-dev.txt, which `make train` does not install."""
    try:
        import onnx, onnxruntime, onnxscript  # noqa: F401, E401
    except ImportError as e:
        sys.exit(f"error: export.py --onnx needs onnx, onnxscript and onnxruntime (requirements-dev.txt; "
                 f"`make setup-dev` installs them): {e}")


def tokenizer_spec(tokenizer: str, lowercase: bool) -> dict:
    """What a serving stack needs to tokenise as training did (export_meta.json's "tokenizer").

    "python" is code that, given ``text``, ``normalise`` and ``lowercase`` (this dict's entries), sets ``tokens``
    (as written: the char-CNN's input) and ``words`` (what the word vocabulary is looked up with).
    """
    table, how, lower, quotes = text.TOKENIZERS[text.check(tokenizer)]
    if how == text.SPLIT:
        steps = ["tokens = text.split()"]
    else:
        steps = ["from nltk.tokenize.destructive import NLTKWordTokenizer",
                 "tokens = NLTKWordTokenizer().tokenize(text.translate(str.maketrans(normalise)))"]
    if quotes == "straight" and how != text.SPLIT:
        steps.append("""tokens = ['"' if t in ('``', "''") else t for t in tokens]""")
    if lower:
        steps.append("tokens = [t.lower() for t in tokens]")
    steps.append("words = [t.lower() for t in tokens] if lowercase else tokens")
    return {"name": tokenizer, "library": None if how == text.SPLIT else "nltk", "lowercase": lowercase,
            "version": None if how == text.SPLIT else version("nltk"), "normalise": dict(table),
            "python": "\n".join(steps)}


if __name__ == "__main__":
    run_cli(main)
