"""Storages made directly (``gradkit/_storage.py``), checked against PyTorch: the legacy typed
classes (``FloatStorage([1, 2])``, ``LongStorage(3)``, ...), ``TypedStorage``/``UntypedStorage``
constructors, their sizes, items and conversions, and tensors viewing a storage's memory
(``tensor(s)``, ``Tensor(s)``, ``LongTensor(s)``)."""

from __future__ import annotations

import warnings

import pytest

import gradkit as gk

LEGACY = ["FloatStorage", "DoubleStorage", "HalfStorage", "LongStorage", "IntStorage",
          "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage",
          "ComplexDoubleStorage"]


def _dt(d):
    return str(d).rsplit(".", 1)[-1]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch's TypedStorage deprecation warning)
        yield


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_storage_classes_as_torch(torch, name):
    data = [1, 0, 3]
    t, g = getattr(torch, name)(data), getattr(gk, name)(data)
    assert _dt(getattr(gk, name).dtype) == _dt(getattr(torch, name).dtype)
    assert _dt(g.dtype) == _dt(t.dtype)
    assert (g.size(), len(g), g.nbytes(), g.element_size()) == \
        (t.size(), len(t), t.nbytes(), t.element_size())
    assert g.tolist() == t.tolist() and g.type() == t.type()
    assert isinstance(g, getattr(gk, name)) and isinstance(g, gk.TypedStorage)
    other = "DoubleStorage" if name != "DoubleStorage" else "FloatStorage"
    assert not isinstance(g, getattr(gk, other))
    assert gk.is_storage(g)
    assert getattr(gk, name)(4).size() == getattr(torch, name)(4).size() == 4
    assert getattr(gk, name)().size() == 0


def test_bfloat16_storage_dtype(torch):
    pytest.importorskip("ml_dtypes")
    assert _dt(gk.BFloat16Storage.dtype) == _dt(torch.BFloat16Storage.dtype) == "bfloat16"


def test_typed_and_untyped_constructors_as_torch(torch):
    for m in (torch, gk):
        s = m.TypedStorage(3, dtype=m.float64)
        assert (s.size(), s.nbytes(), _dt(s.dtype)) == (3, 24, "float64")
        s = m.TypedStorage([1.7, 2], dtype=m.int32)
        assert (s.tolist(), _dt(s.dtype)) == ([1, 2], "int32")
        assert (_dt(m.TypedStorage().dtype), m.TypedStorage().size()) == ("float32", 0)
        u = m.UntypedStorage(5)
        assert (len(u), u.nbytes(), u.element_size()) == (5, 5, 1)
        assert m.UntypedStorage([1, 2, 3]).tolist() == [1, 2, 3]
        w = m.FloatStorage(wrap_storage=m.UntypedStorage([0, 0, 128, 63]))
        assert w.tolist() == [1.0]
        assert m.FloatStorage(3).fill_(2).tolist() == [2.0, 2.0, 2.0]
        assert m.IntStorage([1.7]).tolist() == [1] and m.BoolStorage([1, 0]).tolist() == \
            [True, False]


@pytest.mark.parametrize("args,err", [((2.5,), TypeError), ((-1,), RuntimeError),
                                      ((["a"],), ValueError)])
def test_bad_storage_arguments_raise_as_torch(torch, args, err):
    with pytest.raises(err):
        torch.FloatStorage(*args)
    with pytest.raises(err):
        gk.FloatStorage(*args)


def test_tensor_of_a_storage_shares_its_memory_as_torch(torch):
    for m in (torch, gk):
        s = m.FloatStorage([1, 2, 3])
        for t in (m.tensor(s), m.Tensor(s), m.FloatTensor(s)):
            assert t.tolist() == [1.0, 2.0, 3.0] and _dt(t.dtype) == "float32"
            assert t.data_ptr() == s.data_ptr()
        x = m.tensor(s)
        x[0] = 9
        assert s[0] == 9.0
        assert m.LongTensor(m.LongStorage([1, 2])).tolist() == [1, 2]
        assert m.tensor(m.LongStorage([1, 2]), dtype=m.int64).tolist() == [1, 2]
        assert m.Tensor(m.UntypedStorage([0, 0, 128, 63])).tolist() == [1.0]
        u = m.UntypedStorage([1, 2, 3, 4, 5, 6, 7, 8, 9])  # (as int64, whole elements)
        assert m.tensor(u).tolist() == [578437695752307201] and _dt(m.tensor(u).dtype) == "int64"
        assert m.tensor(m.UntypedStorage(4)).shape == (0,)
        assert m.FloatTensor(m.UntypedStorage(8)).shape == (2,)
        with pytest.raises(RuntimeError, match="Expected a Storage of type Float or an "
                                               "UntypedStorage, but got type Long"):
            m.Tensor(m.LongStorage([1, 2]))


def test_storage_of_a_tensor_and_conversions_as_torch(torch):
    for m in (torch, gk):
        x = m.arange(4.0)
        st = x.storage()
        assert isinstance(st, m.FloatStorage) and not isinstance(st, m.LongStorage)
        assert st.type() == "torch.FloatStorage"
        st[0] = 7
        assert x.tolist() == [7.0, 1.0, 2.0, 3.0]
        s = m.FloatStorage([1, 2, 3])
        c = s.clone()
        c[0] = 9
        assert s[0] == 1.0 and c.tolist() == [9.0, 2.0, 3.0]
        f = s.float()  # (a copy, even of the same dtype)
        assert f.tolist() == s.tolist() and f.data_ptr() != s.data_ptr()
        assert s.double().tolist() == [1.0, 2.0, 3.0] and _dt(s.double().dtype) == "float64"
        assert _dt(s.long().dtype) == "int64" and s.int().tolist() == [1, 2, 3]
        assert s.untyped().nbytes() == 12 and s.cpu().tolist() == [1.0, 2.0, 3.0]
        assert not s.is_pinned() and list(s) == [1.0, 2.0, 3.0]
        d = m.FloatStorage(3)
        d.copy_(s)
        assert d.tolist() == [1.0, 2.0, 3.0]
    # (PyTorch 2.13's ``type(DoubleStorage)`` sizes its copy in bytes and raises; gradkit
    # converts, as ``double()`` does)
    assert gk.FloatStorage([1, 2]).type(gk.DoubleStorage).tolist() == [1.0, 2.0]
    assert _dt(gk.FloatStorage([1]).type("torch.LongStorage").dtype) == "int64"


@pytest.mark.parametrize("libname", ["gradkit", "torch"])
def test_untyped_storage_from_file_maps_the_bytes(libname, tmp_path):
    """``UntypedStorage.from_file``, what safetensors' ``safe_open(framework="pt")`` reads
    tensors from: copy-on-write without ``shared``, written through with it."""
    lib = gk if libname == "gradkit" else pytest.importorskip("torch")
    path = tmp_path / "bytes.bin"
    path.write_bytes(bytes(range(16)))
    s = lib.UntypedStorage.from_file(str(path), False, 16)
    assert len(s) == 16 and s[3] == 3 and str(s.device) == "cpu"
    t = lib.asarray(s[4:12], dtype=lib.int32)
    assert t.tolist() == [int.from_bytes(bytes(range(4, 8)), "little"),
                          int.from_bytes(bytes(range(8, 12)), "little")]
    s[0] = 99
    assert path.read_bytes()[0] == 0
    w = lib.UntypedStorage.from_file(str(path), shared=True, nbytes=16)
    w[0] = 7
    assert path.read_bytes()[0] == 7
    grown = lib.UntypedStorage.from_file(str(tmp_path / "new.bin"), shared=True, nbytes=6)
    assert len(grown) == 6 and (tmp_path / "new.bin").stat().st_size == 6
    assert len(lib.UntypedStorage.from_file(str(path), False, 0)) == 0
    with pytest.raises(RuntimeError, match="smaller than the required mapping size"):
        lib.UntypedStorage.from_file(str(path), False, 40)
    with pytest.raises(RuntimeError, match="unable to open file"):
        lib.UntypedStorage.from_file(str(tmp_path / "missing.bin"), False, 4)


@pytest.mark.parametrize("shape", [(0,), (5,), (2, 3, 16, 16)])
def test_getsizeof_counts_the_object_and_its_bytes_as_pytorch(shape):
    """``sys.getsizeof`` of a storage is PyTorch's (torchinfo adds these up as the input size
    it prints); a view's storage is the whole memory under it."""
    import sys

    torch = pytest.importorskip("torch")
    g, t = gk.zeros(shape), torch.zeros(shape)
    assert sys.getsizeof(g.untyped_storage()) == sys.getsizeof(t.untyped_storage())
    assert sys.getsizeof(g.storage()) == sys.getsizeof(t.storage())
    assert sys.getsizeof(g[1:].untyped_storage()) == sys.getsizeof(t[1:].untyped_storage())


def test_typed_storage_method_as_torch():
    """``Tensor._typed_storage()`` (lightning's lazy loader and torch.load(mmap=True) paths
    call it): the tensor's storage read as its dtype, as PyTorch's."""
    torch = pytest.importorskip("torch")
    got, want = (lib.arange(6.0)[2:]._typed_storage() for lib in (gk, torch))
    assert type(got).__name__ == type(want).__name__ == "TypedStorage"
    assert (got.size(), len(got), got.tolist()) == (want.size(), len(want), want.tolist())
    assert str(got.dtype).rsplit(".", 1)[-1] == str(want.dtype).rsplit(".", 1)[-1]
