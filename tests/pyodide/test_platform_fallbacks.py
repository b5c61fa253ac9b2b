"""The two Pyodide fixes that can be checked natively: DataLoader workers falling back to the
calling thread when no thread can be started, and checkpoints that do not depend on what
``os.umask`` reports. (``tests/pyodide/run.sh`` runs the real thing inside Pyodide.)"""

import os
import threading
import warnings

import numpy as np
import pytest

import gradkit as gk
from gradkit.optim import _runner
from gradkit.utils.data import DataLoader, IterableDataset, TensorDataset
from gradkit.utils.data import dataloader as dl_module


def _no_threads(monkeypatch):
    def start(self):
        raise RuntimeError("can't start new thread")
    monkeypatch.setattr(threading.Thread, "start", start)


def _batches(loader):
    return [tuple(t.numpy().copy() for t in batch) for batch in loader]


def _dataset():
    x = gk.arange(40.0).reshape(20, 2)
    return TensorDataset(x, gk.arange(20))


@pytest.mark.parametrize("persistent", [False, True])
def test_dataloader_falls_back_when_threads_cannot_start(monkeypatch, persistent):
    reference = DataLoader(_dataset(), batch_size=3, shuffle=True,
                           generator=gk.Generator().manual_seed(7))
    expected = [_batches(reference), _batches(reference)]
    _no_threads(monkeypatch)
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True, num_workers=2,
                        persistent_workers=persistent, generator=gk.Generator().manual_seed(7))
    with pytest.warns(RuntimeWarning, match=r"num_workers=2.*could not be started.*calling "
                                            r"thread") as record:
        first = _batches(loader)
    assert len(record) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one warning per loader, not one per epoch
        second = _batches(loader)
    # same batches, same order, same shuffles as num_workers=0 (the seed streams stay in step)
    for got, want in zip([first, second], expected):
        assert len(got) == len(want) == 7
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g[0], w[0])
            np.testing.assert_array_equal(g[1], w[1])
    assert gk.utils.data.get_worker_info() is None


class _Count(IterableDataset):
    def __iter__(self):
        return iter(range(10))


def test_iterable_dataloader_falls_back_when_threads_cannot_start(monkeypatch):
    _no_threads(monkeypatch)
    loader = DataLoader(_Count(), batch_size=4, num_workers=2)
    with pytest.warns(RuntimeWarning, match="calling thread"):
        got = [b.tolist() for b in loader]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_other_runtime_errors_are_not_hidden(monkeypatch):
    def start(self):
        raise RuntimeError("something else")
    monkeypatch.setattr(threading.Thread, "start", start)
    loader = DataLoader(_dataset(), batch_size=3, num_workers=2)
    with pytest.raises(RuntimeError, match="something else"):
        list(loader)


def test_dataloader_on_a_platform_without_threads_starts_none(monkeypatch):
    _no_threads(monkeypatch)  # any attempt would raise a different warning text
    monkeypatch.setattr(dl_module, "_NO_THREADS", True)
    loader = DataLoader(_dataset(), batch_size=5, num_workers=2)
    with pytest.warns(RuntimeWarning, match="no threads or processes") as record:
        got = _batches(loader)
    assert len(record) == 1
    assert [b[1].tolist() for b in got] == [list(range(i, i + 5)) for i in range(0, 20, 5)]


def test_optimizer_threads_off_without_threads(monkeypatch):
    monkeypatch.setenv("GRADKIT_OPTIM_THREADS", "4")
    assert _runner._thread_count() == 4
    monkeypatch.setattr(_runner, "NO_THREADS", True)
    assert _runner._thread_count() == 1


@pytest.mark.parametrize("reported", [0o777, 0o000])
def test_save_does_not_trust_what_umask_reports(tmp_path, monkeypatch, reported):
    real = os.umask(0o022)
    os.umask(real)
    # Emscripten (Pyodide) reports 0o777 and never applies it; whatever os.umask says, a new
    # checkpoint gets the mode a file made by open() gets
    monkeypatch.setattr(os, "umask", lambda mask: reported)
    path = tmp_path / "ckpt.st"
    sd = {"w": gk.arange(6.0).reshape(2, 3), "step": 3}
    gk.save(sd, path)
    with open(tmp_path / "plain", "wb"):
        pass
    mode = os.stat(path).st_mode & 0o777
    assert mode == os.stat(tmp_path / "plain").st_mode & 0o777 == 0o666 & ~real
    back = gk.load(path)
    np.testing.assert_array_equal(back["w"].numpy(), sd["w"].numpy())
    assert back["step"] == 3
    assert sorted(os.listdir(tmp_path)) == ["ckpt.st", "plain"]


def test_save_keeps_an_existing_checkpoints_mode(tmp_path):
    path = tmp_path / "ckpt.st"
    gk.save({"a": 1}, path)
    os.chmod(path, 0o640)
    gk.save({"a": 2}, path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert gk.load(path)["a"] == 2
