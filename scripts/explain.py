"""Which `output` cells equal which `h_n` rows? Computed on torch's own RNN/LSTM/GRU, not asserted from memory.

    python -m scripts.explain --rnn gru --layers 2 --bidirectional
    python -m scripts.explain --rnn lstm --layers 1 --no-bidirectional --lengths 6,6,6

A packed batch (batch_first=False, enforce_sorted=False) of random inputs with the given lengths goes through
the RNN; every h_n row is compared with torch.equal against every output cell (step t, sentence j, direction
half), and output[-1] is compared with the forward h_n row of the last layer. For D directions, L layers:

    output (T, B, D*H)  last layer only, every step; zeros past each sentence's end
    h_n    (D*L, B, H)  every layer, last REAL step; rows layer0-fwd, layer0-bwd, layer1-fwd, ...
"""
from __future__ import annotations

import argparse

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from errors import run_cli
from models.encoder import RNN_TYPES

INPUT_SIZE = 3  # any size works; small keeps the run instant
NO_CELL = "(no output cell: output holds the last layer only)"


def run_packed(rnn: str, layers: int, bidirectional: bool, lengths, hidden: int, seed: int):
    """Random (T, B, INPUT_SIZE) batch -> packed -> RNN. Returns output (T, B, D*H), h_n (D*L, B, H).

    The global RNG is forked, so a call leaves torch's random state as it found it.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = RNN_TYPES[rnn](INPUT_SIZE, hidden, num_layers=layers, bidirectional=bidirectional)
        x = torch.randn(max(lengths), len(lengths), INPUT_SIZE)                  # (T, B, E)
    packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    with torch.no_grad():
        packed_out, state = module(packed)
    h_n = state[0] if isinstance(state, tuple) else state                        # LSTM: (h_n, c_n)
    output, _ = pad_packed_sequence(packed_out, total_length=max(lengths))      # (T, B, D*H)
    return output, h_n


def _halves(output: torch.Tensor, num_directions: int, hidden: int):
    """(slice name, cell getter) per direction half: ':H' fwd, 'H:' bwd; ':' is the whole cell when D == 1."""
    if num_directions == 1:
        return [(":", lambda t, j: output[t, j])]
    return [(":H", lambda t, j: output[t, j, :hidden]), ("H:", lambda t, j: output[t, j, hidden:])]


def explain(rnn="lstm", layers=2, bidirectional=True, lengths=(7, 5, 4, 3), hidden=4, seed=0) -> list[dict]:
    """Compare h_n with output cell by cell; no hand-written expectations.

    Returns rows (dicts), in print order, each with a "kind":
        shape:     name, dims (e.g. "(T, B, D*H)"), shape (tuple of ints), note
        sentence:  sentence i, length, padding_steps (steps t where output[t, i] is all zeros)
        h_n:       sentence, length, row, layer, direction ("fwd"|"bwd"), cells: [(t, j, slice)] equal to h_n[row, i]
        last_step: sentence, length, slice, equals_row (h_n row that output[-1, i, slice] equals, or None), padding
    """
    lengths = [int(n) for n in lengths]
    if not lengths or min(lengths) < 1:
        raise ValueError(f"every length must be >= 1, got {lengths}")
    output, h_n = run_packed(rnn, layers, bidirectional, lengths, hidden, seed)
    D = 2 if bidirectional else 1
    T, B = output.shape[:2]
    halves = _halves(output, D, hidden)
    all_cells = [(t, j, name, get) for t in range(T) for j in range(B) for name, get in halves]
    fwd_last = (layers - 1) * D                                               # h_n row of the last layer, fwd
    rows = [dict(kind="shape", name="output", dims="(T, B, D*H)", shape=tuple(output.shape),
                 note=f"T={T} steps, B={B} sentences, D*H={D}*{hidden}: last layer, every step"),
            dict(kind="shape", name="h_n", dims="(D*L, B, H)", shape=tuple(h_n.shape),
                 note=f"D*L={D}*{layers} rows, B={B}, H={hidden}: every layer, last real step")]
    for i, n in enumerate(lengths):
        pads = [t for t in range(T) if torch.all(output[t, i] == 0)]
        rows.append(dict(kind="sentence", sentence=i, length=n, padding_steps=pads))
        for r in range(D * layers):
            cells = [(t, j, name) for t, j, name, get in all_cells if torch.equal(get(t, j), h_n[r, i])]
            rows.append(dict(kind="h_n", sentence=i, length=n, row=r, layer=r // D,
                             direction="fwd" if r % D == 0 else "bwd", cells=cells))
        last = halves[0][1](T - 1, i)                                         # output[-1, i, :H]
        rows.append(dict(kind="last_step", sentence=i, length=n, slice=halves[0][0],
                         equals_row=fwd_last if torch.equal(last, h_n[fwd_last, i]) else None,
                         padding=bool(torch.all(last == 0))))
    return rows


def _row_name(r: int, layers_per_row: dict) -> str:
    layer, direction = layers_per_row[r]
    return f"h_n[{r}] (layer {layer} {direction})"


def _cell_name(t: int, j: int, sl: str, i: int, n: int) -> str:
    step = f"len-1={t}" if t == n - 1 and j == i else str(t)
    index = f"{step}, {j}" if sl == ":" else f"{step}, {j}, {sl}"
    return f"output[{index}]"


def format_table(rows: list[dict]) -> str:
    """The rows of `explain` as text: shapes first, then one block per sentence."""
    names = {r["row"]: (r["layer"], r["direction"]) for r in rows if r["kind"] == "h_n"}
    lines = []
    for row in rows:
        kind, i, n = row["kind"], row.get("sentence"), row.get("length")
        if kind == "shape":
            lines.append(f"{row['name']:<6} {row['dims']:<11} = {str(row['shape']):<12}  {row['note']}")
        elif kind == "sentence":
            pads = row["padding_steps"]
            contiguous = pads and pads == list(range(pads[0], pads[-1] + 1))    # packed output: always
            steps = f"{pads[0]}:{pads[-1] + 1}" if contiguous else pads
            where = f"output[{steps}, {i}] is padding (zeros)" if pads else "no padding"
            lines.append(f"\nsentence i={i}, len={n}: {where}")
        elif kind == "h_n":
            cells = " and ".join(_cell_name(t, j, sl, i, n) for t, j, sl in row["cells"]) or NO_CELL
            lines.append(f"  {_row_name(row['row'], names)} == {cells}")
        elif kind == "last_step":
            cell = f"output[-1, {i}{'' if row['slice'] == ':' else ', ' + row['slice']}]"
            fwd = _row_name(max(r for r, (_, d) in names.items() if d == "fwd"), names)   # last layer, fwd
            if row["equals_row"] is not None:
                verdict = f"== {_row_name(row['equals_row'], names)}"
            else:
                verdict = f"is padding (zeros), NOT {fwd}" if row["padding"] else f"!= {fwd}, and not padding"
            lines.append(f"  {cell} {verdict}")
    return "\n".join(lines)


def positive(text: str) -> int:
    if int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return int(text)


def lengths(text: str) -> list[int]:
    return [positive(n) for n in text.split(",")]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rnn", choices=sorted(RNN_TYPES), default="lstm")
    p.add_argument("--layers", type=positive, default=2)
    p.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--lengths", type=lengths, default=[7, 5, 4, 3],
                   help="comma-separated sentence lengths (each >= 1), e.g. 7,5,4,3")
    p.add_argument("--hidden", type=positive, default=4, help="hidden size H per direction")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None) -> list[dict]:
    args = parse_args(argv)
    rows = explain(args.rnn, args.layers, args.bidirectional, args.lengths, args.hidden, args.seed)
    D = 2 if args.bidirectional else 1
    print(f"{args.rnn}, {args.layers} layer(s), {'bi' if D == 2 else 'uni'}directional, H={args.hidden}, "
          f"lengths={args.lengths}, packed (batch_first=False)")
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    run_cli(main)
