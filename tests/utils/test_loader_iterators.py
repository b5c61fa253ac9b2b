"""PyTorch's private loader iterators (``_SingleProcessDataLoaderIter`` & co.), driven by a
library's own loader object as fastai drives them, against PyTorch's."""

import importlib
import warnings

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _dl_module(lib):
    return importlib.import_module(lib.__name__ + ".utils.data.dataloader")


class _Batches:
    """A stand-in loader in fastai's manner: an iterable 'dataset' that makes whole batches
    itself (drawing from the library's default generator), read one item per index of an
    endless index sampler, without automatic collation."""

    def __init__(self, lib, n):
        dl = _dl_module(lib)
        self.lib, self.n = lib, n
        self.dataset = self
        self._dataset_kind = dl._DatasetKind.Iterable
        self._auto_collation = False
        self._index_sampler = iter(int, 1)  # endless
        self.collate_fn = lambda x: x
        self.drop_last, self.num_workers, self.timeout = False, 0, 0
        self.generator, self.pin_memory, self.persistent_workers = None, False, False
        self.prefetch_factor, self.worker_init_fn, self.multiprocessing_context = 2, None, None
        self._IterableDataset_len_called, self.in_order, self.pin_memory_device = None, True, ""

    def _get_shared_seed(self):
        return None

    def __iter__(self):
        for i in range(self.n):
            yield self.lib.rand(2) + i


def test_library_loader_through_private_iterator_matches_torch():
    out = {}
    for lib in (gk, torch):
        dl = _dl_module(lib)
        lib.manual_seed(3)
        it = dl._SingleProcessDataLoaderIter(_Batches(lib, 3))
        batches = [b.tolist() for b in it]
        # the iterator drew its base seed from the default generator, as PyTorch's does
        out[lib.__name__] = batches, lib.rand(1).item()
    assert out["gradkit"] == out["torch"]
    assert len(out["torch"][0]) == 3


def test_map_style_loader_and_its_iterator_classes_match_torch():
    out = {}
    for lib in (gk, torch):
        dl = _dl_module(lib)
        ds = lib.utils.data.TensorDataset(lib.arange(10.0), lib.arange(10) * 2)
        lib.manual_seed(0)
        loader = lib.utils.data.DataLoader(ds, batch_size=4, shuffle=True)
        assert loader._dataset_kind == dl._DatasetKind.Map == 0
        it = dl._SingleProcessDataLoaderIter(loader)
        assert len(it) == 3 and iter(it) is it
        out[lib.__name__] = [[t.tolist() for t in b] for b in it], lib.rand(1).item()
    assert out["gradkit"] == out["torch"]


def test_worker_iterator_of_a_dataloader_and_list_batches_match_torch():
    out = {}
    for lib in (gk, torch):
        dl = _dl_module(lib)
        ds = lib.utils.data.TensorDataset(lib.arange(10.0))
        plain = list(lib.utils.data.DataLoader(ds, batch_size=4))
        loader = lib.utils.data.DataLoader(ds, batch_size=4, num_workers=2)
        it = dl._MultiProcessingDataLoaderIter(loader)
        workers = list(it)
        # default_collate makes a list of tuple samples (TensorDataset's fast batches too)
        assert all(type(b) is list for b in plain + workers)
        out[lib.__name__] = [[t.tolist() for t in b] for b in plain + workers]
    assert out["gradkit"] == out["torch"]


def test_single_process_iterator_refuses_workers():
    loader = _Batches(gk, 1)
    loader.num_workers = 2
    with pytest.raises(ValueError, match="num_workers=2.*_MultiProcessingDataLoaderIter"):
        _dl_module(gk)._SingleProcessDataLoaderIter(loader)


def test_foreign_loader_with_workers_warns_and_loads_in_order():
    loader = _Batches(gk, 2)
    loader.num_workers = 2
    cls = _dl_module(gk)._MultiProcessingDataLoaderIter
    with pytest.warns(RuntimeWarning, match="loaded in the calling thread"):
        it = cls(loader)
    assert len(list(it)) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per loader, not once per epoch
        assert len(list(cls(loader))) == 2
