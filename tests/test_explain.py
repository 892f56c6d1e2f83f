"""scripts.explain computes the h_n / output table; the expectations here are written from the lengths alone."""
import signal
import subprocess
import sys

import pytest

from scripts.explain import NO_CELL, explain, format_table, main

LENGTHS = [7, 5, 4, 3]
RNNS = ["rnn", "lstm", "gru"]


def of_kind(rows, kind):
    return [r for r in rows if r["kind"] == kind]


def h_n_cells(rows, row):
    """sentence i -> the output cells that h_n[row, i] equals."""
    return {r["sentence"]: r["cells"] for r in of_kind(rows, "h_n") if r["row"] == row}


@pytest.mark.parametrize("rnn", RNNS)
def test_shapes_come_first(rnn):
    rows = explain(rnn, layers=2, bidirectional=True, lengths=LENGTHS, hidden=4)
    assert [r["kind"] for r in rows[:2]] == ["shape", "shape"]
    assert rows[0]["shape"] == (7, 4, 2 * 4)        # output (T, B, D*H)
    assert rows[1]["shape"] == (2 * 2, 4, 4)        # h_n (D*L, B, H)


@pytest.mark.parametrize("rnn", RNNS)
def test_last_layer_h_n_rows_are_output_at_last_real_step(rnn):
    rows = explain(rnn, layers=2, bidirectional=True, lengths=LENGTHS)
    assert h_n_cells(rows, 2) == {i: [(n - 1, i, ":H")] for i, n in enumerate(LENGTHS)}  # h_n[-2]: fwd, len_i-1
    assert h_n_cells(rows, 3) == {i: [(0, i, "H:")] for i in range(len(LENGTHS))}        # h_n[-1]: bwd, step 0


@pytest.mark.parametrize("rnn", RNNS)
def test_lower_layer_rows_match_no_output_cell(rnn):
    rows = explain(rnn, layers=2, bidirectional=True, lengths=LENGTHS)
    for row in (0, 1):
        assert h_n_cells(rows, row) == {i: [] for i in range(len(LENGTHS))}
    assert format_table(rows).count(NO_CELL) == 2 * len(LENGTHS)


@pytest.mark.parametrize("rnn", RNNS)
def test_output_last_step_is_h_n_only_for_the_longest_sentence(rnn):
    rows = explain(rnn, layers=2, bidirectional=True, lengths=LENGTHS)
    last = of_kind(rows, "last_step")
    assert [r["equals_row"] for r in last] == [2, None, None, None]
    assert [r["padding"] for r in last] == [False, True, True, True]
    assert [r["padding_steps"] for r in of_kind(rows, "sentence")] == [list(range(n, 7)) for n in LENGTHS]


@pytest.mark.parametrize("rnn", RNNS)
def test_one_layer_unidirectional_full_length_h_n_is_output_last(rnn):
    rows = explain(rnn, layers=1, bidirectional=False, lengths=[6, 6, 6])
    assert h_n_cells(rows, 0) == {i: [(5, i, ":")] for i in range(3)}
    assert [r["equals_row"] for r in of_kind(rows, "last_step")] == [0, 0, 0]
    assert "output[-1, 1] == h_n[0] (layer 0 fwd)" in format_table(rows)


def test_same_seed_same_rows_and_global_rng_untouched():
    import torch
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = explain("lstm", seed=5)
    assert torch.equal(torch.rand(3), expected)       # explain forks the RNG
    assert explain("lstm", seed=5) == first


def test_table_text():
    table = format_table(explain("gru", 2, True, LENGTHS, hidden=4))
    assert table.startswith("output (T, B, D*H) = (7, 4, 8)")
    assert "h_n[2] (layer 1 fwd) == output[len-1=4, 1, :H]" in table
    assert "h_n[3] (layer 1 bwd) == output[0, 1, H:]" in table
    assert "output[-1, 0, :H] == h_n[2] (layer 1 fwd)" in table
    assert "output[-1, 3, :H] is padding (zeros), NOT h_n[2] (layer 1 fwd)" in table


def test_cli_prints_the_table(capsys):
    rows = main(["--rnn", "gru", "--layers", "2", "--bidirectional", "--lengths", "7,5,4,3", "--hidden", "4"])
    out = capsys.readouterr().out
    assert rows == explain("gru", 2, True, LENGTHS, hidden=4, seed=0)
    assert out.rstrip("\n").endswith(format_table(rows))
    lines = out.splitlines()
    assert lines[1].startswith("output (T, B, D*H) = (7, 4, 8)")      # shapes first, after the one-line header
    assert lines[2].startswith("h_n    (D*L, B, H) = (4, 4, 4)")
    main(["--rnn", "lstm", "--layers", "1", "--no-bidirectional", "--lengths", "6,6,6"])
    assert "output[-1, 2] == h_n[0] (layer 0 fwd)" in capsys.readouterr().out


def test_figure_script_writes_a_png(tmp_path):
    from scripts.hn_vs_output_figure import main as figure_main
    out = tmp_path / "fig.png"
    figure_main(["--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size < 300_000


@pytest.mark.parametrize("argv, message", [(["--lengths", "0,3"], "argument --lengths: must be >= 1, got 0"),
                                           (["--layers", "0"], "argument --layers: must be >= 1, got 0"),
                                           (["--hidden", "0"], "argument --hidden: must be >= 1, got 0")])
def test_a_size_below_1_is_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and capsys.readouterr().err.splitlines()[-1].endswith(message)


def test_a_reader_that_leaves_ends_the_table_quietly():
    """`python -m scripts.explain | head -1`: no BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "scripts.explain"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 128 + signal.SIGPIPE and proc.stderr.read() == ""
