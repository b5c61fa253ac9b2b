"""The helpers of ``torch.utils.checkpoint`` that reversible layers import
(``get_device_states``/``set_device_states``, ``detach_variable``, ``check_backward_validity``)
and ``torch.cuda._initialized``, which they read: a reversible block that records the RNG state
in forward and replays it draws the same dropout mask, as under PyTorch."""

import warnings

import numpy as np
import pytest

import gradkit as gk
import gradkit.utils.checkpoint as gck

torch = pytest.importorskip("torch")


def _replay(lib, ck):
    """Record the RNG as a reversible layer does, draw a dropout mask, replay it."""
    lib.manual_seed(3)
    x = lib.ones(4, 6)
    cpu_state = lib.get_rng_state()
    devices, states = [], []
    if lib.cuda._initialized:
        devices, states = ck.get_device_states(x)
    first = lib.nn.functional.dropout(x, 0.5)
    lib.randn(7)  # the stream moves on
    with lib.random.fork_rng(devices=devices, enabled=True):
        lib.set_rng_state(cpu_state)
        ck.set_device_states(devices, states)
        again = lib.nn.functional.dropout(x, 0.5)
    after = lib.randn(2)  # fork_rng restored the state the replay started from
    return first.numpy(), again.numpy(), after.numpy()


def test_reversible_rng_replay_matches_torch():
    got = _replay(gk, gck)
    want = _replay(torch, torch.utils.checkpoint)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(got[0], got[1])
    assert gk.cuda._initialized is torch.cuda._initialized is False


def test_get_device_states_of_cpu_tensors_and_others():
    args = (gk.ones(2), [gk.zeros(3), 1.5], {"k": gk.ones(1)}, None)
    assert gck.get_device_states(*args) == ([], [])
    assert torch.utils.checkpoint.get_device_states(torch.ones(2), 1.5) == ([], [])
    gck.set_device_states([], [])
    with pytest.raises(ValueError, match="set_device_states: got 1 devices but 0 states"):
        gck.set_device_states([0], [])


def test_detach_variable_and_backward_validity():
    a = gk.ones(2, requires_grad=True) * 2
    b = gk.ones(2)
    da, db, c = gck.detach_variable((a, b, 3))
    assert da.requires_grad and da.grad_fn is None and not db.requires_grad and c == 3
    np.testing.assert_array_equal(da.detach().numpy(), a.detach().numpy())
    with pytest.raises(RuntimeError, match="Only tuple of tensors is supported"):
        gck.detach_variable([a])
    with pytest.raises(RuntimeError, match="Only tuple of tensors is supported"):
        torch.utils.checkpoint.detach_variable([torch.ones(1)])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        gck.check_backward_validity((b, 1))
        gck.check_backward_validity((a,))
    assert [str(w.message) for w in rec] == [
        "None of the inputs have requires_grad=True. Gradients will be None"]
    assert gck.DefaultDeviceType.get_device_type() == "cuda"
    assert issubclass(gck.CheckpointError, RuntimeError)
    assert [type(c).__name__ for c in gck.noop_context_fn()] == ["nullcontext", "nullcontext"]
