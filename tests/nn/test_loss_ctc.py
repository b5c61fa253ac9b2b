"""``ctc_loss`` against PyTorch: the exception type of each invalid argument (in PyTorch's order
of checks), targets of other dtypes, and the NaN of the gradient at -inf/NaN log-probabilities."""

import numpy as np
import pytest
from oracle import _outcome

import gradkit as gk

_RNG = np.random.default_rng(3)
LOGITS = _RNG.standard_normal((6, 2, 4))
TARGETS = np.array([[1, 2, 1], [3, 1, 0]])


def _same_error_or_value(torch, fn):
    want, got = _outcome(torch, fn), _outcome(gk, fn)
    if want[0] == "raises" or got[0] == "raises":
        assert got == want
        return
    for (gd, gs, gv, _), (td, ts, tv, _) in zip(got, want):
        assert (gd, gs) == (td, ts)
        np.testing.assert_allclose(gv, tv, rtol=1e-10, equal_nan=True)


def _lp(lib, logits=LOGITS, dtype="float64"):
    return lib.tensor(logits.astype(dtype)).log_softmax(-1)


@pytest.mark.parametrize("case", [
    "ok", "bool", "half", "int", "empty_c", "empty_t", "empty_n", "targets_0d",
    "targets_3d", "targets_short", "targets_rows", "blank_neg", "blank_c",
    "in_len_count", "tg_len_count", "in_len_big", "in_len_neg", "tg_len_neg",
    "concat_short", "concat_long", "float_targets", "bool_targets", "int32_targets",
    "tensor_lengths", "float_tensor_lengths", "float_list_lengths", "lp_1d", "lp_0d",
    "unbatched", "unbatched_2d_targets", "unbatched_rows",
])
@pytest.mark.parametrize("reduction", [0, 1, 2, -4])
def test_ctc_loss_arguments(torch, case, reduction):
    def call(lib):
        lp, tg, il, tl, blank = _lp(lib), lib.tensor(TARGETS), [6, 5], [3, 2], 0
        if case in ("bool", "half", "int"):
            lp = lib.tensor(LOGITS).to({"bool": lib.bool, "half": lib.float16,
                                        "int": lib.int32}[case])
        if case == "empty_c":
            lp = lib.zeros(6, 2, 0, dtype=lib.float64)
        if case == "empty_t":
            lp, il = lib.zeros(0, 2, 4, dtype=lib.float64), [0, 0]
        if case == "empty_n":
            lp, il, tl = lib.zeros(6, 0, 4, dtype=lib.float64), [], []
        if case == "targets_0d":
            tg = lib.tensor(1)
        if case == "targets_3d":
            tg = lib.tensor(TARGETS[:, :, None])
        if case == "targets_short":
            tg = lib.tensor(TARGETS[:, :0])
        if case == "targets_rows":
            tg = lib.tensor(TARGETS[:1])
        if case == "blank_neg":
            blank = -1
        if case == "blank_c":
            blank = 4
        if case == "in_len_count":
            il = [6, 5, 4]
        if case == "tg_len_count":
            tl = [3]
        if case == "in_len_big":
            il = [7, 5]
        if case == "in_len_neg":
            il = [-1, 5]
        if case == "tg_len_neg":
            tl = [-1, 2]
        if case == "concat_short":
            tg = lib.tensor(np.array([1, 2, 1, 3]))
        if case == "concat_long":
            tg = lib.tensor(np.array([1, 2, 1, 3, 1, 2]))
        if case == "float_targets":
            tg = lib.tensor(TARGETS.astype(np.float32) + 0.25)
        if case == "bool_targets":  # labels 0 and 1, blank 2
            tg, blank = lib.tensor(TARGETS > 0), 2
        if case == "int32_targets":
            tg = lib.tensor(TARGETS.astype(np.int32))
        if case == "tensor_lengths":
            il, tl = lib.tensor(np.array(il)), lib.tensor(np.array(tl))
        if case == "float_tensor_lengths":
            il, tl = lib.tensor(np.array([6.0, 5.0])), lib.tensor(np.array(tl))
        if case == "float_list_lengths":
            il = [6.0, 5.0]
        if case == "lp_1d":
            lp = _lp(lib, LOGITS[0, 0])
        if case == "lp_0d":
            lp = lib.tensor(0.5)
        if case == "unbatched":
            lp, tg, il, tl = _lp(lib, LOGITS[:, 0]), lib.tensor(TARGETS[0]), [6], [3]
        if case == "unbatched_2d_targets":
            lp, tg, il, tl = _lp(lib, LOGITS[:, 0]), lib.tensor(TARGETS[:1]), [6], [3]
        if case == "unbatched_rows":
            lp, il, tl = _lp(lib, LOGITS[:, 0]), [6], [3]
        return lib.ctc_loss(lp, tg, il, tl, blank, reduction)

    _same_error_or_value(torch, call)


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("special", [-np.inf, np.nan])
def test_ctc_loss_gradient_at_special_log_probs(torch, special, zero_infinity):
    """PyTorch's ``exp(lp) - exp(lcab + nll - lp)`` is NaN at a -inf or NaN log-probability of
    a used frame; through ``log_softmax`` the whole frame's row is NaN. Samples of infinite
    loss: NaN over their frames, or 0 with ``zero_infinity``."""
    logits = LOGITS.copy()
    logits[1, 0, 2] = special
    lengths = ([6, 5], [3, 2]) if special is np.nan else ([6, 2], [3, 2])  # sample 1: no path

    def run(lib):
        x = lib.tensor(logits, requires_grad=True)
        loss = lib.ctc_loss(x.log_softmax(2), lib.tensor(TARGETS), *lengths, 0, 0,
                            zero_infinity)
        u = np.random.default_rng(0).standard_normal(tuple(loss.shape))
        (loss * lib.tensor(u)).sum().backward()
        return loss.detach().numpy(), x.grad.numpy()

    (gl, gg), (tl, tg) = run(gk), run(torch)
    np.testing.assert_allclose(gl, tl, rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(gg, tg, rtol=1e-8, atol=1e-12, equal_nan=True)
