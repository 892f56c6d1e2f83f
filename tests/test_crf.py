"""The CRF against brute force: every one of the K^n tag paths of tiny sentences, enumerated and scored by hand."""
import itertools
import math

import pytest
import torch

from models.crf import CRF, iob2_transition_mask

K, LENGTHS = 3, [4, 3, 1, 2]  # one sentence of length 1, one of full length T=4
IOB2 = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def make_crf(num_tags=K, dtype=torch.float64, seed=0, **constraints):
    torch.manual_seed(seed)
    crf = CRF(num_tags, **constraints).to(dtype)
    with torch.no_grad():  # bigger than the default init, so transitions matter in every comparison
        for p in crf.parameters():
            p.normal_()
    return crf


def make_inputs(lengths=LENGTHS, num_tags=K, dtype=torch.float64, seed=1, pad_to=None):
    g = torch.Generator().manual_seed(seed)
    T = pad_to or max(lengths)
    emissions = torch.randn(len(lengths), T, num_tags, generator=g).to(dtype) * 2   # (B, T, K)
    mask = torch.arange(T).expand(len(lengths), T) < torch.tensor(lengths).unsqueeze(1)  # (B, T)
    tags = torch.randint(0, num_tags, (len(lengths), T), generator=g).masked_fill(~mask, -100)  # (B, T)
    return emissions, tags, mask


def path_score(crf, emissions, path):
    """The score formula, written out for one sentence: emissions (n, K), path: n tag ids."""
    trans, start = crf._scores()
    s = start[path[0]] + sum(emissions[t, y] for t, y in enumerate(path)) + crf.end[path[-1]]
    return s + sum(trans[a, b] for a, b in zip(path, path[1:]))


def brute_force(crf, emissions, n, valid=lambda path: True):
    """All paths of a length-n sentence: (log Z, best path, best score), over the paths `valid` accepts."""
    paths = [p for p in itertools.product(range(crf.num_tags), repeat=n) if valid(p)]
    scores = torch.stack([path_score(crf, emissions[:n], p) for p in paths])
    best = int(scores.argmax())
    return torch.logsumexp(scores, 0), list(paths[best]), scores[best]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("seed", range(8))  # several draws: on one, a wrong back-pointer at pads can still get lucky
def test_log_partition_and_viterbi_match_brute_force(dtype, seed):
    crf, (emissions, _, mask) = make_crf(dtype=dtype, seed=seed), make_inputs(dtype=dtype, seed=100 + seed)
    log_z = crf.log_partition(emissions, mask)
    paths = crf.viterbi(emissions, mask)
    _, scores = crf.decode(emissions, mask)
    assert log_z.shape == (len(LENGTHS),) and [len(p) for p in paths] == LENGTHS
    with torch.no_grad():
        for i, n in enumerate(LENGTHS):
            bf_z, bf_path, bf_score = brute_force(crf, emissions[i], n)
            torch.testing.assert_close(log_z[i], bf_z, rtol=0, atol=1e-5)
            assert paths[i] == bf_path
            torch.testing.assert_close(scores[i], bf_score, rtol=0, atol=1e-5)


def test_score_matches_path_formula_and_nll_is_log_z_minus_score():
    crf, (emissions, tags, mask) = make_crf(), make_inputs()
    score = crf.score(emissions, tags, mask)
    for i, n in enumerate(LENGTHS):
        torch.testing.assert_close(score[i], path_score(crf, emissions[i], tags[i, :n].tolist()), rtol=0, atol=1e-10)
    nll = crf.nll(emissions, tags, mask)
    assert nll.dim() == 0 and nll > 0
    torch.testing.assert_close(nll, (crf.log_partition(emissions, mask) - score).mean(), rtol=0, atol=1e-10)


def test_padding_changes_nothing():
    crf = make_crf()
    emissions, tags, mask = make_inputs()
    padded_e, padded_t, padded_m = make_inputs(pad_to=max(LENGTHS) + 3, seed=7)   # garbage in the extra steps
    T = max(LENGTHS)
    padded_e[:, :T], padded_t[:, :T] = emissions, tags
    torch.testing.assert_close(crf.log_partition(padded_e, padded_m), crf.log_partition(emissions, mask),
                               rtol=0, atol=1e-12)
    torch.testing.assert_close(crf.score(padded_e, padded_t, padded_m), crf.score(emissions, tags, mask),
                               rtol=0, atol=1e-12)
    assert crf.viterbi(padded_e, padded_m) == crf.viterbi(emissions, mask)
    for i, n in enumerate(LENGTHS):  # each sentence alone, unpadded, equals its row of the batch
        alone = emissions[i: i + 1, :n], mask[i: i + 1, :n]
        torch.testing.assert_close(crf.log_partition(*alone)[0], crf.log_partition(emissions, mask)[i])
        assert crf.viterbi(*alone)[0] == crf.viterbi(emissions, mask)[i]


def test_decode_pads_with_ignore_index():
    crf, (emissions, _, mask) = make_crf(), make_inputs()
    tags, _ = crf.decode(emissions, mask)
    assert tags.shape == mask.shape and torch.all(tags[~mask] == -100) and torch.all(tags[mask] >= 0)


def test_gradients_reach_all_parameters_and_emissions():
    crf, (emissions, tags, mask) = make_crf(dtype=torch.float32), make_inputs(dtype=torch.float32)
    emissions.requires_grad_(True)
    crf.nll(emissions, tags, mask).backward()
    for name, p in crf.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    assert torch.all(emissions.grad[~mask] == 0) and emissions.grad[mask].abs().sum() > 0


def is_valid_iob2(names, prev="O"):
    """Strict IOB2, written independently of the mask: I-X only right after B-X or I-X."""
    for name in names:
        if name.startswith("I-") and prev not in ("B-" + name[2:], name):
            return False
        prev = name
    return True


def test_iob2_transition_mask():
    allowed, allowed_start = iob2_transition_mask(IOB2)
    assert allowed_start.tolist() == [True, True, False, True, False]
    for i, frm in enumerate(IOB2):
        for j, to in enumerate(IOB2):
            assert bool(allowed[i, j]) == is_valid_iob2([to], prev=frm), (frm, to)


def test_iob2_constraint_matches_brute_force_over_valid_paths():
    allowed, allowed_start = iob2_transition_mask(IOB2)
    crf = make_crf(num_tags=len(IOB2), allowed=allowed, allowed_start=allowed_start)
    valid = lambda path: is_valid_iob2([IOB2[y] for y in path])  # noqa: E731
    for seed in range(5):
        emissions, tags, mask = make_inputs(num_tags=len(IOB2), seed=seed)
        emissions[..., [2, 4]] += 3  # pull hard towards I- tags, so an unconstrained decoder would break IOB2
        log_z, paths = crf.log_partition(emissions, mask), crf.viterbi(emissions, mask)
        with torch.no_grad():
            for i, n in enumerate(LENGTHS):
                bf_z, bf_path, _ = brute_force(crf, emissions[i], n, valid)
                torch.testing.assert_close(log_z[i], bf_z, rtol=0, atol=1e-5)
                assert paths[i] == bf_path and valid(paths[i])


def test_iob2_constraint_never_decodes_an_invalid_sequence():
    allowed, allowed_start = iob2_transition_mask(IOB2)
    crf = make_crf(num_tags=len(IOB2), dtype=torch.float32, allowed=allowed, allowed_start=allowed_start)
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 12, (64,), generator=g)
    emissions = torch.randn(64, 11, len(IOB2), generator=g) * 5                     # (B, T, K)
    mask = torch.arange(11).expand(64, 11) < lengths.unsqueeze(1)                   # (B, T)
    for path in crf.viterbi(emissions, mask):
        assert is_valid_iob2([IOB2[y] for y in path])
    unconstrained = make_crf(num_tags=len(IOB2), dtype=torch.float32)
    assert not all(is_valid_iob2([IOB2[y] for y in p]) for p in unconstrained.viterbi(emissions, mask))


def test_constraint_buffers_are_in_the_state_dict():
    allowed, allowed_start = iob2_transition_mask(IOB2)
    constrained = CRF(len(IOB2), allowed=allowed, allowed_start=allowed_start)
    plain = CRF(len(IOB2))
    assert constrained.state_dict().keys() == plain.state_dict().keys()
    plain.load_state_dict(constrained.state_dict())
    assert torch.equal(plain.transition_penalty, constrained.transition_penalty)
    assert math.isclose(float(plain.start_penalty[2]), -1e4)
    with pytest.raises(ValueError, match="shape"):
        CRF(3, allowed=allowed)
