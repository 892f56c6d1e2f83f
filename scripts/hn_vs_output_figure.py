"""Draw which `output` cells are `h_n` rows, for a packed bidirectional 2-layer RNN (default LSTM, lengths 7,5,4,3).

    python -m scripts.hn_vs_output_figure [--out docs/hn_vs_output.png] [--rnn lstm]

Every equality drawn comes from `scripts.explain.explain` (torch.equal on a real run), not from this file.
Layout: output (T, B, D*H) on top, one column per sentence i, each cell split into its fwd (:H) and bwd (H:)
halves; h_n (D*L, B, H) below, each row under the half of its direction.
"""
from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from errors import run_cli  # noqa: E402
from scripts.explain import explain  # noqa: E402

LENGTHS = [7, 5, 4, 3]
LAYERS, HIDDEN = 2, 4
COL = 2.6                     # column pitch: two halves of width 1, then a gap
ROW_COLOURS = {2: "#4c8fd6", 3: "#f0a040"}   # last layer fwd, bwd: the rows that appear in output
LOWER, REAL, TRAP = "#b9b9b9", "#f2f2f2", "#d62728"
HALF_X = {":H": 0.0, "H:": 1.0}


def cell(ax, x, y, face, text="", hatch=None, edge="#555555", lw=0.8):
    """One H-wide box with its lower-left corner at (x, y)."""
    ax.add_patch(Rectangle((x, y), 1, 1, facecolor=face, edgecolor=edge, hatch=hatch, linewidth=lw))
    if text:
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize=7.5)


def draw(rows, ax):
    """Draw output and h_n from `explain` rows: colour = equality, hatch = padding, red box = output[-1]."""
    T = rows[0]["shape"][0]
    _draw_output(rows, ax)
    _draw_h_n(rows, ax, top=-(T - 1) - 2.2)


def _draw_output(rows, ax):
    """output (T, B, 2H): step t at y = -t, sentence i at x = i * COL, fwd half left, bwd half right."""
    T = rows[0]["shape"][0]
    matched = {c: r["row"] for r in rows if r["kind"] == "h_n" for c in r["cells"]}   # (t, j, slice) -> h_n row
    pads = {r["sentence"]: set(r["padding_steps"]) for r in rows if r["kind"] == "sentence"}
    for r in (r for r in rows if r["kind"] == "last_step"):
        i, x0 = r["sentence"], r["sentence"] * COL
        ax.text(x0 + 1, 1.45, f"sentence i={i}\nlen={r['length']}", ha="center", va="bottom", fontsize=9)
        for sl, dx in HALF_X.items():
            ax.text(x0 + dx + 0.5, 1.05, ("fwd " if dx == 0 else "bwd ") + sl, ha="center", va="bottom", fontsize=7)
            for t in range(T):
                if t in pads[i]:
                    cell(ax, x0 + dx, -t, "white", hatch="////", edge="#999999")
                elif (t, i, sl) in matched:
                    row = matched[(t, i, sl)]
                    cell(ax, x0 + dx, -t, ROW_COLOURS.get(row, LOWER), f"h_n[{row}]", lw=1.6)
                else:
                    cell(ax, x0 + dx, -t, REAL)
        ax.add_patch(Rectangle((x0 - 0.08, -(T - 1) - 0.08), 2.16, 1.16, fill=False, edgecolor=TRAP, lw=2.2))
        verdict = (f"= h_n[{r['equals_row']}]" if r["equals_row"] is not None
                   else "padding!" if r["padding"] else "neither")
        ax.text(x0 + 1, -(T - 1) - 0.35, verdict, ha="center", va="top", fontsize=8.5, color=TRAP, weight="bold")
    for t in range(T):
        ax.text(-0.3, -t + 0.5, f"t={t}" + (" = output[-1]" if t == T - 1 else ""), ha="right", va="center",
                fontsize=8.5, color=TRAP if t == T - 1 else "black")
    title = f"output {rows[0]['dims']} = {rows[0]['shape']}: last layer, every step"
    ax.text(2 * COL - 0.3, 2.6, title, ha="center", fontsize=10, fontweight="bold")


def _draw_h_n(rows, ax, top):
    """h_n rows below output: row r at y = top - r, each cell under the half of its direction."""
    h_rows = [r for r in rows if r["kind"] == "h_n"]
    title = f"h_n {rows[1]['dims']} = {rows[1]['shape']}: every layer, last real step"
    ax.text(2 * COL - 0.3, top + 0.45, title, ha="center", fontsize=10, fontweight="bold")
    for r in h_rows:
        y = top - 1 - r["row"]
        x = r["sentence"] * COL + (0.0 if r["direction"] == "fwd" else 1.0)
        in_output = bool(r["cells"])
        face = ROW_COLOURS.get(r["row"], LOWER) if in_output else LOWER
        cell(ax, x, y, face, f"h_n[{r['row']}]", lw=1.6 if in_output else 0.8)
        if r["sentence"] == 0:
            where = "in output" if in_output else "in NO output cell"
            label = f"h_n[{r['row']}] layer {r['layer']} {r['direction']}: {where}"
            ax.text(-0.3, y + 0.5, label, ha="right", va="center", fontsize=8.5)


def legend(ax):
    box = dict(edgecolor="#555555")
    handles = [
        Patch(facecolor=ROW_COLOURS[2], **box, label="h_n[2] = h_n[-2] (last layer fwd) = output[len_i-1, i, :H]"),
        Patch(facecolor=ROW_COLOURS[3], **box, label="h_n[3] = h_n[-1] (last layer bwd) = output[0, i, H:]"),
        Patch(facecolor=LOWER, **box, label="h_n[0], h_n[1]: layer 0, not in output (last layer only)"),
        Patch(facecolor=REAL, **box, label="real step, equal to no h_n row"),
        Patch(facecolor="white", edgecolor="#999999", hatch="////", label="padding (zeros): t >= len_i"),
        Patch(facecolor="none", edgecolor=TRAP, linewidth=2,
              label="output[-1]: h_n only when len_i = T, else padding"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8.5, frameon=False)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="docs/hn_vs_output.png", help="PNG to write")
    p.add_argument("--rnn", choices=["lstm", "gru", "rnn"], default="lstm")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    rows = explain(args.rnn, LAYERS, True, LENGTHS, HIDDEN, seed=0)
    fig, ax = plt.subplots(figsize=(10, 9.5))
    draw(rows, ax)
    legend(ax)
    ax.set_xlim(-4.2, (len(LENGTHS) - 1) * COL + 2.3)
    ax.set_ylim(-(rows[0]["shape"][0] - 1) - 2.2 - 1 - 2 * LAYERS - 0.2, 3.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"Packed bidirectional {LAYERS}-layer {args.rnn.upper()}, lengths {LENGTHS}, H={HIDDEN}: "
                 "which output cells are h_n?", fontsize=11.5)
    fig.savefig(args.out, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return args.out


if __name__ == "__main__":
    run_cli(main)
