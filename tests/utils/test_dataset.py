"""Datasets (TensorDataset, ConcatDataset, Subset, StackDataset, random_split)."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.utils.data import (
    ConcatDataset,
    Dataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i



def test_tensor_dataset_rows_and_len():
    x, y = gk.arange(12.0).reshape(6, 2), gk.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8.0, 9.0] and b.item() == 4 and b.shape == ()
    sl = ds[1:3]
    assert sl[0].shape == (2, 2)
    neg = ds[-1]
    assert neg[1].item() == 5


def test_tensor_dataset_size_mismatch_and_types():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):  # (PyTorch's)
        TensorDataset(gk.zeros(3, 2), gk.zeros(4))
    with pytest.raises(IndexError, match="tensor 0 is 0-dimensional"):
        TensorDataset(gk.tensor(1.0))
    with pytest.raises(TypeError, match="expects Tensors"):
        TensorDataset(np.zeros(3))


def test_tensor_dataset_matches_torch(torch):
    arr = np.arange(20, dtype=np.float32).reshape(10, 2)
    ours = TensorDataset(gk.tensor(arr), gk.arange(10))
    theirs = torch.utils.data.TensorDataset(torch.tensor(arr), torch.arange(10))
    for i in (0, 3, -1):
        for a, b in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            assert tuple(a.shape) == tuple(b.shape)


def test_concat_and_add():
    a, b = Squares(3), Squares(4)
    cat = a + b
    assert isinstance(cat, ConcatDataset)
    assert len(cat) == 7 and cat.cumulative_sizes == [3, 7]
    assert [cat[i] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9]
    assert cat[-1] == 9
    with pytest.raises(IndexError):
        cat[7]
    with pytest.raises(AssertionError, match="^datasets should not be an empty iterable"):
        ConcatDataset([])  # (PyTorch's assert)
    with pytest.raises(AssertionError, match="^ConcatDataset does not support IterableDataset"):
        ConcatDataset([cat, gk.utils.data.ChainDataset([])])


def test_subset():
    s = Subset(Squares(10), [9, 2, 5])
    assert len(s) == 3 and [s[i] for i in range(3)] == [81, 4, 25]
    assert s.__getitems__([0, 2]) == [81, 25]


def test_random_split_lengths_fractions_and_reproducibility():
    ds = Squares(10)
    parts = random_split(ds, [3, 7], generator=gk.Generator().manual_seed(1))
    again = random_split(ds, [3, 7], generator=gk.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    other = random_split(ds, [3, 7], generator=gk.Generator().manual_seed(2))
    assert other[0].indices + other[1].indices != parts[0].indices + parts[1].indices


@pytest.mark.filterwarnings("ignore:Length of split at index")
def test_random_split_fractions_match_torch_sizes(torch):
    for n, fracs in [(10, [0.3, 0.7]), (11, [0.5, 0.5]), (7, [0.1, 0.2, 0.7]), (5, [1 / 3] * 3),
                     (10, [1, 0]), (1, [1, 0]), (6, [0.0, 1.0])]:
        ours = [len(p) for p in random_split(Squares(n), fracs)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fracs)]
        assert ours == theirs, (n, fracs)


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(Squares(10), [3, 3])


def test_stack_dataset_matches_torch(torch):
    a, b = Squares(4), list("wxyz")
    assert StackDataset(a, b)[2] == torch.utils.data.StackDataset(a, b)[2] == (4, "y")
    assert StackDataset(n=a, c=b)[1] == torch.utils.data.StackDataset(n=a, c=b)[1]
    assert len(StackDataset(a, b)) == 4
    for args, kwargs in [((a, b), {"c": b}), ((a, Squares(3)), {}), ((), {})]:
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as ours:
            StackDataset(*args, **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_tensor_dataset_batches_keep_autograd():
    from gradkit.utils.data import DataLoader

    w = gk.randn(5, 2, requires_grad=True)
    (b,) = next(iter(DataLoader(TensorDataset(w), batch_size=3, sampler=[4, 0, 4])))
    b.sum().backward()
    assert b.requires_grad
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [2.0, 2.0]]


# PyTorch's data classes are typing.Generic: `Sampler[list[int]]` in a base list (timm's
# schedulers), `Dataset[tuple[Tensor, int]]` in user datasets. They raised "type 'Sampler' is not
# subscriptable" before.
_GENERIC_NAMES = [
    "utils.data.Dataset", "utils.data.IterableDataset", "utils.data.ConcatDataset",
    "utils.data.ChainDataset", "utils.data.Subset", "utils.data.StackDataset",
    "utils.data.Sampler", "utils.data.DistributedSampler", "utils.data.DataLoader",
    "nn.DataParallel", "distributions.Independent",
]


def _resolve(root, dotted):
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


@pytest.mark.parametrize("name", _GENERIC_NAMES)
def test_data_classes_are_subscriptable_as_in_torch(name):
    import typing

    torch = pytest.importorskip("torch")
    for lib in (torch, gk):
        alias = _resolve(lib, name)[int]
        assert typing.get_origin(alias) is _resolve(lib, name)
        assert typing.get_args(alias) == (int,)


def test_generic_dataset_and_sampler_subclasses_run():
    import typing

    class Pairs(Dataset[tuple[gk.Tensor, int]]):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return gk.full((2,), float(i)), i

    class Reversed(gk.utils.data.Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    class Chunks(gk.utils.data.Sampler[typing.List[int]]):
        def __iter__(self):
            return iter([[0, 1], [2, 3]])

    loader = gk.utils.data.DataLoader(Pairs(), batch_size=2, sampler=Reversed(4))
    assert [b[1].tolist() for b in loader] == [[3, 2], [1, 0]]
    loader = gk.utils.data.DataLoader(Pairs(), batch_sampler=Chunks())
    assert [b[0].sum().item() for b in loader] == [2.0, 10.0]


def test_chain_dataset_of_a_map_dataset_is_torchs_assertion():
    chain = gk.utils.data.ChainDataset([Squares(3)])
    with pytest.raises(AssertionError, match="^ChainDataset only supports IterableDataset"):
        list(chain)
    with pytest.raises(AssertionError, match="got Squares"):
        len(chain)  # (PyTorch checks in __len__ too)
