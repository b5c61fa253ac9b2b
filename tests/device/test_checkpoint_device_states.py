"""``get_device_states``/``set_device_states`` with device tensors (a real GPU, or the CPU
stand-in): the device ids are reported, and a branch that records the generator in forward and
replays it (as reversible layers do) draws the same dropout mask on the device, because
gradkit draws device random numbers from its one generator."""

import numpy as np

import gradkit as gk
from gradkit.utils.checkpoint import get_device_states, set_device_states


def test_device_states_replay_dropout_on_the_device(cuda):
    x = gk.ones(4, 6, device=cuda)
    assert gk.cuda._initialized is True
    cpu_state = gk.get_rng_state()
    devices, states = get_device_states(x, [gk.ones(2)], {"t": x})
    assert devices == [0, 0] and len(states) == 2  # one per device tensor, as PyTorch
    first = gk.nn.functional.dropout(x, 0.5)
    gk.randn(5)
    with gk.random.fork_rng(devices=devices):
        gk.set_rng_state(cpu_state)
        set_device_states(devices, states)
        again = gk.nn.functional.dropout(x, 0.5)
    assert again.is_cuda
    np.testing.assert_array_equal(first.cpu().numpy(), again.cpu().numpy())
