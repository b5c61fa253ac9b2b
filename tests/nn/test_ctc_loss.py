"""CTCLoss / F.ctc_loss against PyTorch (values and the gradients of the logits), central
differences, target formats and bad input."""

import numpy as np
import pytest
from oracle import check_grad, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

T, N, C = 12, 3, 6
_PADDED = np.array([[1, 2, 2, 3], [3, 1, 0, 0], [5, 5, 5, 0]])
_LENGTHS = np.array([4, 2, 3])


def _compare(torch, logits, targets, il, tl, **kw):
    tx = torch.tensor(logits, requires_grad=True)
    gx = gk.tensor(logits, requires_grad=True)
    t_loss = torch.nn.functional.ctc_loss(tx.log_softmax(-1), torch.tensor(targets),
                                          torch.tensor(il), torch.tensor(tl), **kw)
    g_loss = F.ctc_loss(gx.log_softmax(-1), gk.tensor(targets), gk.tensor(il), gk.tensor(tl),
                        **kw)
    assert tuple(g_loss.shape) == tuple(t_loss.shape)
    np.testing.assert_allclose(g_loss.detach().numpy(), t_loss.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    u = np.random.default_rng(1).standard_normal(tuple(t_loss.shape)).astype(np.float32)
    (t_loss * torch.from_numpy(u)).sum().backward()
    (g_loss * gk.tensor(u)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    return g_loss


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("blank", [0, 4])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss_matches_torch(torch, reduction, blank, concatenated):
    logits = np.random.default_rng(0).standard_normal((T, N, C)).astype(np.float32)
    targets = _PADDED.copy()
    targets[targets == blank] = 1 if blank else targets[targets == blank]
    if blank == 0:
        targets = np.where(np.arange(4) < _LENGTHS[:, None], targets, 0)
    if concatenated:
        targets = np.concatenate([r[:k] for r, k in zip(targets, _LENGTHS)])
    il = np.array([12, 9, 7])
    g = nn.CTCLoss(blank=blank, reduction=reduction)
    t = torch.nn.CTCLoss(blank=blank, reduction=reduction)
    assert repr(g) == repr(t)
    out = _compare(torch, logits, targets, il, _LENGTHS, blank=blank, reduction=reduction)
    assert out.shape == ((N,) if reduction == "none" else ())


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_impossible_alignment(torch, zero_infinity):
    # [5, 5, 5] needs 5 frames (a blank between repeats); sample 2 has 4
    logits = np.random.default_rng(2).standard_normal((T, N, C)).astype(np.float32)
    il = np.array([12, 9, 4])
    out = _compare(torch, logits, _PADDED, il, _LENGTHS, reduction="none",
                   zero_infinity=zero_infinity)
    v = out.detach().numpy()
    assert np.isfinite(v[:2]).all()
    assert (v[2] == 0.0) if zero_infinity else np.isinf(v[2])


def test_ctc_unbatched_and_empty_target(torch):
    logits = np.random.default_rng(3).standard_normal((7, C)).astype(np.float32)
    _compare(torch, logits, np.array([2, 3]), np.array(7), np.array(2), reduction="sum")
    logits3 = np.random.default_rng(4).standard_normal((5, 2, C)).astype(np.float32)
    _compare(torch, logits3, np.array([[1, 2], [0, 0]]), np.array([5, 4]), np.array([2, 0]))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_every_target_empty_and_no_frames(torch, reduction, zero_infinity):
    # a batch of silences (the extended label sequence is one blank long), and samples with no
    # frames: loss 0 for an empty target, inf (or 0) otherwise, no gradient
    logits = np.random.default_rng(6).standard_normal((5, 3, C)).astype(np.float32)
    kw = dict(reduction=reduction, zero_infinity=zero_infinity)
    _compare(torch, logits, np.zeros((3, 0), dtype=np.int64), np.array([5, 3, 1]),
             np.array([0, 0, 0]), **kw)
    out = _compare(torch, logits, np.array([[1, 2], [3, 3], [2, 1]]), np.array([0, 0, 5]),
                   np.array([0, 2, 2]), **kw)
    if reduction == "none":
        assert out.detach().numpy()[0] == 0
        assert out.detach().numpy()[1] == (0 if zero_infinity else np.inf)


def test_ctc_float64_gradient_of_log_probs():
    rng = np.random.default_rng(5)
    x = t64(rng, 6, 2, 4)
    tg = gk.tensor(np.array([[1, 1], [2, 3]]))
    check_grad(lambda z: F.ctc_loss(z.log_softmax(-1), tg, [6, 5], [2, 2]), [x])


@pytest.mark.parametrize("normalised", [True, False])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_gradient_of_a_leaf_log_probs_is_pytorchs(torch, normalised, zero_infinity):
    # PyTorch's kernel returns exp(log_probs) - occupancy (the derivative for the logits of a
    # log_softmax), not the derivative for log_probs itself: the CTCLoss documentation's example
    # (a detached log_softmax leaf) and unnormalised scores read it as it is
    rng = np.random.default_rng(6)
    raw = rng.standard_normal((7, 3, 5)).astype(np.float32)
    if normalised:
        raw = raw - np.log(np.exp(raw).sum(-1, keepdims=True))
    tg, il, tl = np.array([[1, 2, 2], [3, 4, 0], [1, 1, 1]]), [7, 5, 4], [3, 2, 3]
    grads = []
    for lib in (torch, gk):
        lp = lib.tensor(raw, requires_grad=True)
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor(tg), lib.tensor(il), lib.tensor(tl),
                                          zero_infinity=zero_infinity)
        loss.backward()
        grads.append(lp.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-6)


def test_ctc_errors():
    lp = gk.randn(T, N, C).log_softmax(2)
    with pytest.raises(RuntimeError, match=r"input_lengths to have values in \[0, 12\].*got "
                                           r"\[13, 2, 2\]"):
        F.ctc_loss(lp, gk.tensor(_PADDED), [13, 2, 2], _LENGTHS)
    with pytest.raises(RuntimeError, match=r"expected padded targets of shape \(3, S\) with "
                                         r"S >= max\(target_lengths\) = 5, got \(3, 4\)"):
        F.ctc_loss(lp, gk.tensor(_PADDED), [12, 12, 12], [5, 2, 3])
    for bad in ([1, 6], [-1, 2]):  # (PyTorch reads out of bounds for these)
        with pytest.raises(ValueError, match=r"target labels must be in \[0, 6\), got "):
            F.ctc_loss(lp, gk.tensor(np.array([bad, [1, 2], [1, 2]])), [12] * 3, [2, 2, 2])
    with pytest.raises(RuntimeError, match=r"log_probs': pass \(T, N, C\) or \(T, C\), got "
                                           r"\(12,\)"):
        F.ctc_loss(gk.randn(12), gk.tensor(np.array([1])), [12], [1])
    with pytest.raises(RuntimeError, match=r"target_lengths must be of size batch_size \(3\)"):
        F.ctc_loss(lp, gk.tensor(_PADDED), [12] * 3, [1, 1])
    # the gradient is in the graph (as PyTorch's), its derivative is not implemented
    with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not "
                                           "implemented"):
        z = gk.randn(4, 1, 3, requires_grad=True)
        loss = F.ctc_loss(z.log_softmax(-1), gk.tensor(np.array([[1]])), [4], [1])
        (g,) = gk.autograd.grad(loss, [z], create_graph=True)
        g.sum().backward()


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("blank,targets", [
    (3, [[1, 2, 1], [3, 1, 0]]), (1, [[1, 1, 3], [1, 2, 0]]), (0, [[0, 0, 2], [0, 2, 0]]),
])
def test_ctc_loss_a_label_equal_to_blank_as_torch(torch, reduction, blank, targets):
    # PyTorch reads such a label as one more blank in the extended sequence (the skip s-2 -> s
    # only where the two extended labels differ): values and gradients as its kernels, where
    # no target ends on the blank label
    logits = np.random.default_rng(3).standard_normal((6, 2, 4))
    _compare(torch, logits, np.array(targets), [6, 5], [3, 2], blank=blank, reduction=reduction)


def test_ctc_loss_last_label_equal_to_blank_has_the_losss_gradient(torch):
    # a target ending on the blank label: PyTorch's backward overwrites (does not add) the
    # blank's term at the last frame, so its gradient is not the derivative; gradkit's is
    logits = np.random.default_rng(4).standard_normal((6, 2, 4))
    targets = np.array([[1, 2, 1], [3, 1, 0]])
    tl = torch.nn.functional.ctc_loss(torch.tensor(logits).log_softmax(-1),
                                      torch.tensor(targets), [6, 5], [3, 2], blank=1,
                                      reduction="none")
    gl = F.ctc_loss(gk.tensor(logits).log_softmax(-1), gk.tensor(targets), [6, 5], [3, 2],
                    blank=1, reduction="none")
    np.testing.assert_allclose(gl.numpy(), tl.numpy(), rtol=1e-10)
    check_grad(lambda z: F.ctc_loss(z.log_softmax(-1), gk.tensor(targets), [6, 5], [3, 2],
                                    blank=1, reduction="none"),
               [gk.tensor(logits, requires_grad=True)])


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("frames", [1, 2, 3])
@pytest.mark.parametrize("blank", [0, 2])
def test_ctc_loss_of_a_positive_infinite_log_prob_is_nan_as_torch(torch, zero_infinity, frames,
                                                                  blank):
    # PyTorch's log-sum-exp (log(sum(exp(x - max))) + max) gives NaN once a +inf is reached:
    # the loss and the used frames' gradient are NaN; gradkit gave -inf (0 with zero_infinity)
    from oracle import same_as_torch

    def run(L):
        lp = L.full((3, 1, 3), -1.0, dtype=L.float64)
        lp[0, 0, 1] = float("inf")
        lp.requires_grad_(True)
        loss = L.nn.functional.ctc_loss(lp[:frames], L.tensor([[1]]), L.tensor([frames]),
                                        L.tensor([1]), blank=blank, reduction="sum",
                                        zero_infinity=zero_infinity)
        (g,) = L.autograd.grad(loss, lp)
        return loss, g

    same_as_torch(torch, run)
