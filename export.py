"""Export a saved run's inference path for serving, with `torch.export`:

    python export.py runs/trec-20261127-101500 [--out runs/trec-20261127-101500/model.pt2] [--onnx]

Writes the program (tokens (B, T) int64, lengths (B,) int64 -> logits; B and T dynamic) and, beside it,
export_meta.json: vocabularies, label names and tokenizer settings, so a serving stack needs no code from here:

    program = torch.export.load("model.pt2").module()
    logits = program(tokens, lengths)   # (B, T, num_tags) for a tagger, (B, num_classes) for a classifier

Two things make the LSTM exportable with dynamic lengths:
- the encoder runs its padded ``rnn_path="reversed"`` (same outputs as packing, tests/test_models.py):
  packed sequences do not export (pytorch/pytorch#62240);
- torch's default shape rule for ``aten.lstm``/``aten.gru`` unrolls the time loop in Python, which pins T to the
  example's length. torch's (private) while_loop rules are used while tracing only: the saved graph still calls
  the ordinary ``aten.lstm.input`` kernel once per layer and direction. torch has no such rule for ``rnn_tanh``,
  so ``model.rnn=rnn`` is refused. Converting the program further needs the same rules: outside them the ONNX
  converter silently fixes T to the example's length. (``program.run_decompositions()`` fixes T outside them and
  fails inside them in torch 2.13, so lowering to core ATen, e.g. for AOTInductor, is not supported here.)

--onnx also writes model.onnx (ONNX LSTM ops; inputs tokens, lengths; output logits) for onnxruntime.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import warnings
from pathlib import Path

import torch
from torch import nn
from torch.export._patches import register_gru_while_loop_decomposition, register_lstm_while_loop_decomposition

from data.batching import Batch, collate
from data.text import SPLIT
from data.vocab import PAD_ID, UNK_ID
from predict import Predictor

SHAPE_RULES = {"lstm": register_lstm_while_loop_decomposition, "gru": register_gru_while_loop_decomposition}
TOLERANCE = 1e-4                   # max |exported - eager packed| on the check batch
EXAMPLE = [6, 4, 2]                # traced shapes (B, T) = (3, 6): no dynamic dim of size 0 or 1, export would fix it
CHECK = [13, 1, 7, 4, 13]          # checked shapes (5, 13): B, T and lengths unlike the example's


class LogitsModule(nn.Module):
    """A task model's inference path with plain tensor inputs: (tokens (B, T), lengths (B,)) -> logits."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.model.logits(Batch(tokens, lengths))


def random_batch(lengths: list[int], vocab_size: int, seed: int = 0) -> Batch:
    """Right-padded random word ids (never PAD) of the given lengths."""
    g = torch.Generator().manual_seed(seed)
    return collate([{"ids": torch.randint(1, vocab_size, (n,), generator=g).tolist()} for n in lengths])


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
        raise ValueError(f"cannot export model.rnn={rnn!r} with a dynamic length: torch has while_loop shape rules "
                         f"only for {', '.join(SHAPE_RULES)} (the default rule unrolls time and fixes T)")
    with SHAPE_RULES[rnn](), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*_check_is_size", category=FutureWarning)  # torch's own rule
        yield


def check(name: str, run, model: nn.Module, vocab_size: int) -> float:
    """Max |run(tokens, lengths) - eager packed logits| on the CHECK batch; RuntimeError above TOLERANCE."""
    batch = random_batch(CHECK, vocab_size, seed=1)
    with torch.no_grad(), rnn_path(model, "packed"):
        diff = (run(batch.tokens, batch.lengths) - model.logits(batch)).abs().max().item()
    if diff > TOLERANCE:
        raise RuntimeError(f"{name} differs from the eager model by {diff:.2e} > {TOLERANCE}")
    return diff


def export_model(model: nn.Module, vocab_size: int) -> torch.export.ExportedProgram:
    """Export ``model.logits`` in eval mode on the CPU, batch and time dynamic (each >= 1).

    Traces with ``model.encoder.cfg.rnn_path = "reversed"`` (restored afterwards), then `check`s the program
    against the eager packed path. Raises ValueError for ``model.rnn=rnn``.
    """
    model = model.cpu().eval()
    example = random_batch(EXAMPLE, vocab_size)
    B, T = torch.export.Dim("batch", min=1), torch.export.Dim("time", min=1)
    with time_loop_shape_rules(model.encoder.cfg.rnn), rnn_path(model, "reversed"):
        program = torch.export.export(LogitsModule(model), (example.tokens, example.lengths),
                                      dynamic_shapes={"tokens": {0: B, 1: T}, "lengths": {0: B}})
    check("exported program", program.module(), model, vocab_size)
    return program


def export_onnx(program: torch.export.ExportedProgram, model: nn.Module, vocab_size: int, path: Path) -> None:
    """The same program as ONNX (inputs tokens, lengths; output logits), checked with onnxruntime, saved to path.

    Inside the shape rules too: outside, the converter's decomposition pass silently fixes T to the example's.
    """
    with time_loop_shape_rules(model.encoder.cfg.rnn), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*LeafSpec", category=FutureWarning)  # inside torch.onnx
        onnx_program = torch.onnx.export(program, dynamo=True, verbose=False, output_names=["logits"])
    check("ONNX program", lambda tokens, lengths: onnx_program(tokens, lengths)[0], model, vocab_size)
    onnx_program.save(str(path))


def export_meta(predictor: Predictor, program_name: str, onnx_name: str | None = None) -> dict:
    """Everything a serving stack needs around the program: tokenizer, vocabularies, tensor contract."""
    output = ("logits (B, T, num_labels) float32; positions past each length are padding, ignore them"
              if predictor.task == "tagging" else "logits (B, num_labels) float32; softmax for probabilities")
    return {
        "program": program_name,
        "onnx": onnx_name,
        "torch_version": torch.__version__,
        "task": predictor.task,
        "tokenizer": {"split": SPLIT, "lowercase": predictor.lowercase,
                      "python": "tokens = text.split(); if lowercase: tokens = [t.lower() for t in tokens]"},
        "inputs": {"tokens": "(B, T) int64 word ids, padded with pad_id after each sentence",
                   "lengths": "(B,) int64 real lengths, each in [1, T]"},
        "output": output,
        "pad_id": PAD_ID,
        "unk_id": UNK_ID,
        "words": predictor.words.itos,
        "labels": predictor.labels.itos,
    }


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", type=Path, help="a run directory holding best.pt")
    p.add_argument("--out", type=Path, help="program file (default RUN_DIR/model.pt2); export_meta.json goes beside it")
    p.add_argument("--onnx", action="store_true", help="also write model.onnx beside it (needs onnx, onnxscript, "
                                                        "onnxruntime)")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    """Returns the paths written: {"program", "meta"} and "onnx" with --onnx."""
    args = parse_args(argv)
    out = args.out or args.run_dir / "model.pt2"
    out.parent.mkdir(parents=True, exist_ok=True)
    predictor = Predictor.from_run_dir(args.run_dir)
    program = export_model(predictor.model, len(predictor.words))
    torch.export.save(program, out)
    paths = {"program": out, "meta": out.parent / "export_meta.json"}
    if args.onnx:
        paths["onnx"] = out.with_suffix(".onnx")
        export_onnx(program, predictor.model, len(predictor.words), paths["onnx"])
    meta = export_meta(predictor, out.name, paths["onnx"].name if args.onnx else None)
    paths["meta"].write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return paths


if __name__ == "__main__":
    main()
