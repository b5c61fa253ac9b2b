"""gradkit.random: the generator, its seeding and its state in PyTorch's layout."""

import subprocess
import sys

import numpy as np
import pytest

import gradkit as gk


def _state(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def test_first_words_are_init_genrand_mt19937():
    gk.manual_seed(0)
    raw = np.random.RandomState(0).randint(0, 2 ** 32, size=4, dtype=np.uint64)
    expect = (raw & 0xFFFFFF).astype(np.float32) * np.float32(2 ** -24)
    np.testing.assert_array_equal(gk.rand(4).numpy(), expect)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2 ** 32 + 7, 2 ** 63 - 1, -1])
def test_state_after_manual_seed_equals_torch(torch, seed):
    torch.manual_seed(seed)
    gk.manual_seed(seed)
    assert gk.initial_seed() == torch.initial_seed()
    np.testing.assert_array_equal(_state(gk.get_rng_state()), torch.get_rng_state().numpy())


def test_seed_out_of_range_raises_as_torch(torch):
    with pytest.raises(ValueError, match="Overflow"):
        torch.manual_seed(2 ** 64)
    with pytest.raises(ValueError, match="Overflow"):
        gk.manual_seed(2 ** 64)


@pytest.mark.parametrize("draws", [0, 1, 3, 623, 624, 625, 1300])
def test_state_round_trips_both_ways(torch, draws):
    torch.manual_seed(9)
    torch.rand(draws)
    torch.randn(3, dtype=torch.float64)  # leaves a cached normal sample in the state
    ts = torch.get_rng_state()
    gk.set_rng_state(ts)  # a torch state restores in gradkit ...
    np.testing.assert_array_equal(_state(gk.get_rng_state()), ts.numpy())
    np.testing.assert_array_equal(gk.randn(5, dtype=gk.float64).numpy(),
                                  torch.randn(5, dtype=torch.float64).numpy())
    gs = gk.get_rng_state()
    torch.set_rng_state(torch.from_numpy(gs.numpy().copy()))  # ... and the reverse
    np.testing.assert_array_equal(torch.rand(700).numpy(), gk.rand(700).numpy())


def test_legacy_sized_state_and_bad_states(torch):
    torch.manual_seed(4)
    torch.rand(10)
    legacy = torch.get_rng_state()[:5048]
    gk.set_rng_state(legacy)
    np.testing.assert_array_equal(gk.rand(20).numpy(), torch.rand(20).numpy())
    with pytest.raises(RuntimeError, match="size"):
        gk.set_rng_state(gk.zeros(100, dtype=gk.uint8))
    with pytest.raises(TypeError, match="PCG64"):
        gk.set_rng_state({"bit_generator": "PCG64", "state": {"state": 1, "inc": 3}})


def test_generator_objects(torch):
    tg, gg = torch.Generator(), gk.Generator()
    assert gg.initial_seed() == tg.initial_seed() == 67280421310721
    assert gk.Generator().manual_seed(42) is not None
    tg.manual_seed(42)
    gg.manual_seed(42)
    torch.manual_seed(1)
    gk.manual_seed(1)
    np.testing.assert_array_equal(gk.rand(7, generator=gg).numpy(),
                                  torch.rand(7, generator=tg).numpy())
    np.testing.assert_array_equal(gk.randn(33, generator=gg).numpy(),
                                  torch.randn(33, generator=tg).numpy())
    # the default generator was not touched by draws from the others
    np.testing.assert_array_equal(_state(gk.get_rng_state()), torch.get_rng_state().numpy())
    np.testing.assert_array_equal(_state(gg.get_state()), tg.get_state().numpy())
    other = gk.Generator()
    other.set_state(tg.get_state())
    np.testing.assert_array_equal(gk.randperm(50, generator=other).numpy(),
                                  torch.randperm(50, generator=tg).numpy())


def test_cached_normal_sample_carries_across_calls(torch):
    torch.manual_seed(3)
    gk.manual_seed(3)
    for n in (3, 1, 5, 2, 16, 1):
        np.testing.assert_array_equal(gk.randn(n, dtype=gk.float64).numpy(),
                                      torch.randn(n, dtype=torch.float64).numpy())
    gk.manual_seed(3)  # seeding drops the cached sample
    torch.manual_seed(3)
    np.testing.assert_array_equal(gk.randn(1).numpy(), torch.randn(1).numpy())


def test_default_generator_is_seeded_from_the_os():
    code = "import gradkit; print(gradkit.initial_seed(), float(gradkit.rand(1)))"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 2
    s = gk.seed()
    assert gk.initial_seed() == s


def test_generator_device_is_a_device_object_as_torch(torch):
    for g, t in ((gk.Generator(), torch.Generator()),
                 (gk.Generator(device="cpu"), torch.Generator(device="cpu")),
                 (gk.Generator(gk.device("cpu")), torch.Generator(torch.device("cpu")))):
        assert isinstance(g.device, gk.device)
        assert (g.device.type, g.device.index) == (t.device.type, t.device.index)
        assert g.device == gk.device("cpu") and str(g.device) == str(t.device)
