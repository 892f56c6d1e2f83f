"""The reversed path (models/reversed.py, ``model.rnn_path: reversed``): the packed reference's output and h_n, the
same weights, without packing."""
import subprocess
import sys

import pytest
import torch

from models import reversed as reversed_path
from models.encoder import Encoder, EncoderConfig
from tests.test_models import VOCAB, make_batch


@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers,bidirectional", [(1, True), (2, True), (2, False)])
def test_reversed_path_equals_packed_path(rnn, layers, bidirectional):
    """The fast path (no packing) gives the packed path's per-token outputs and h_n, to 1e-6."""
    torch.manual_seed(0)
    enc = Encoder(VOCAB, EncoderConfig(rnn=rnn, embed_dim=8, hidden_size=6, num_layers=layers,
                                       bidirectional=bidirectional, dropout=0.0)).eval()
    b = make_batch(lengths=[3, 9, 1, 6, 9])
    x = enc.embedding(b.tokens)
    out_p, h_p = enc.run_packed(x, b.lengths)
    out_r, h_r = reversed_path.run(enc, x, b.lengths)
    torch.testing.assert_close(out_r, out_p, rtol=0, atol=1e-6)
    torch.testing.assert_close(h_r, h_p, rtol=0, atol=1e-6)
    enc.cfg.rnn_path = "reversed"
    fast = enc(b.tokens, b.lengths)
    enc.cfg.rnn_path = "packed"
    for a, ref in zip(fast, enc(b.tokens, b.lengths)):
        torch.testing.assert_close(a, ref, rtol=0, atol=1e-6)


def test_the_cudnn_weight_copy_warning_is_silenced_for_the_reversed_path_only():
    """models.reversed ignores cuDNN's compaction warning when its own per-direction calls raise it, not elsewhere.
    In a fresh interpreter: pytest puts its own warning filters in front of the project's."""
    code = """if True:
        import warnings
        import models.reversed
        message = "RNN module weights are not part of single contiguous chunk of memory. This means ..."
        with warnings.catch_warnings(record=True) as seen:
            for module in ("models.reversed", "torch.nn.modules.rnn"):
                warnings.warn_explicit(message, UserWarning, module.replace(".", "/") + ".py", 1, module=module)
        print([w.filename for w in seen])"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['torch/nn/modules/rnn.py']"
