"""Samplers (sequential, batch, random, subset, weighted, distributed) against torch.utils.data."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.utils.data as gd
from gradkit.utils.data import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential_and_batch_sampler():
    assert list(SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    bs = BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False)
    assert list(bs) == [[0, 1], [2, 3], [4]] and len(bs) == 3
    bs = BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=True)
    assert list(bs) == [[0, 1], [2, 3]] and len(bs) == 2
    # a plain iterable of indices works too
    assert list(BatchSampler([4, 3, 2], 2, False)) == [[4, 3], [2]]


def test_batch_sampler_matches_torch(torch):
    tb = torch.utils.data.BatchSampler
    for n, size, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False)]:
        ours = BatchSampler(SequentialSampler(range(n)), size, drop)
        theirs = tb(torch.utils.data.SequentialSampler(range(n)), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("kwargs,exc,msg", [
    ({"batch_size": 0, "drop_last": False}, ValueError, "batch_size should be a positive integer"),
    ({"batch_size": True, "drop_last": False}, ValueError, "batch_size should be a positive"),
    ({"batch_size": 2, "drop_last": 1}, ValueError, "drop_last should be a boolean value"),
])
def test_batch_sampler_errors(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        BatchSampler(range(3), **kwargs)


def test_random_sampler_is_a_seeded_permutation():
    s = RandomSampler(range(20), generator=gk.Generator().manual_seed(3))
    first = list(s)
    assert sorted(first) == list(range(20)) and len(s) == 20
    assert list(RandomSampler(range(20), generator=gk.Generator().manual_seed(3))) == first
    assert list(s) != first  # the generator moves on: a new order each epoch


def test_random_sampler_num_samples_and_replacement():
    g = gk.Generator().manual_seed(0)
    s = RandomSampler(range(5), num_samples=12, generator=g)
    idx = list(s)
    assert len(idx) == 12 and len(s) == 12
    assert sorted(idx[:5]) == list(range(5)) and sorted(idx[5:10]) == list(range(5))
    r = list(RandomSampler(range(5), replacement=True, num_samples=200, generator=g))
    assert len(r) == 200 and set(r) == set(range(5))


def test_random_sampler_uses_global_seed_without_generator():
    gk.manual_seed(7)
    a = list(RandomSampler(range(30)))
    gk.manual_seed(7)
    assert list(RandomSampler(range(30))) == a


def test_random_sampler_errors_match_torch(torch):
    for kwargs in [{"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.5}]:
        with pytest.raises(Exception) as theirs:
            torch.utils.data.RandomSampler(range(4), **kwargs)
        with pytest.raises(type(theirs.value)) as ours:
            RandomSampler(range(4), **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30, 40], generator=gk.Generator().manual_seed(0))
    assert sorted(s) == [10, 20, 30, 40] and len(s) == 4


def test_weighted_random_sampler():
    g = gk.Generator().manual_seed(0)
    s = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=g)
    counts = np.bincount(list(s), minlength=3)
    assert counts[0] == 0 and 0.7 < counts[2] / 4000 < 0.8 and len(s) == 4000
    no_rep = list(WeightedRandomSampler([1.0, 1.0, 1.0, 0.0], 3, replacement=False, generator=g))
    assert sorted(no_rep) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)


def test_distributed_sampler_is_a_sampler_exported_from_utils_data():
    # torch: ``from torch.utils.data import DistributedSampler`` and it subclasses Sampler;
    # gradkit only had gradkit.utils.data.distributed.DistributedSampler, not a Sampler
    torch = pytest.importorskip("torch")
    assert issubclass(torch.utils.data.DistributedSampler, torch.utils.data.Sampler)
    from gradkit.utils.data.distributed import DistributedSampler

    assert gd.DistributedSampler is DistributedSampler
    assert issubclass(gd.DistributedSampler, gd.Sampler)
    s = gd.DistributedSampler(list(range(10)), num_replicas=3, rank=1, shuffle=False)
    assert list(s) == list(torch.utils.data.DistributedSampler(
        list(range(10)), num_replicas=3, rank=1, shuffle=False))


@pytest.mark.parametrize("num_samples,batch,drop", [
    (None, None, False), (None, 4, False), (None, 3, True), (None, 5, False), (14, 3, False),
    (14, 4, True)])
def test_random_draws_happen_as_read_as_torch(torch, num_samples, batch, drop):
    # PyTorch's samplers are generator functions: each permutation (and the trailing cut one) is
    # drawn when its first index is read, so an epoch left part-way leaves the generator where
    # the next epoch, and any other draw, expects it
    def run(lib, data):
        g = lib.Generator().manual_seed(0)
        sampler = data.RandomSampler(range(8), num_samples=num_samples, generator=g)
        it = iter(sampler if batch is None else data.BatchSampler(sampler, batch, drop))
        seen = [next(it) for _ in range(3 if batch is None else 1)]  # part of an epoch
        seen.append(list(it if batch is None else data.BatchSampler(sampler, batch, drop)))
        w = data.WeightedRandomSampler([1.0, 2.0, 3.0], 4, generator=g)
        it = iter(w)
        seen.append(lib.randperm(5, generator=g).tolist())  # drawn before the weighted read
        seen.append(list(it))
        return seen

    assert run(gk, gd) == run(torch, torch.utils.data)
