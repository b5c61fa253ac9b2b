"""``torch.PyTorchFileReader``: the records of a ``torch.save`` archive, read by name as PyTorch's
reader reads them (lightning_fabric's lazy loader annotates and opens archives with it)."""

import io

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def test_records_and_storages_read_as_torch(tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.arange(6.0).reshape(2, 3), "n": torch.tensor([7, 8])}, buf)
    path = tmp_path / "ckpt.pt"
    path.write_bytes(buf.getvalue())
    theirs = torch.PyTorchFileReader(str(path))
    for source in (str(path), io.BytesIO(buf.getvalue())):
        ours = gk.PyTorchFileReader(source)
        assert ours.get_all_records() == theirs.get_all_records()
        for name in theirs.get_all_records():
            assert ours.has_record(name)
            assert ours.get_record(name) == theirs.get_record(name)
            assert ours.get_record_size(name) == theirs.get_record_size(name)
        assert ours.serialization_id() == theirs.serialization_id()
    assert not ours.has_record("nope") and gk._C.PyTorchFileReader is gk.PyTorchFileReader
    floats = ours.get_storage_from_record("data/0", 6, gk.float32)
    np.testing.assert_array_equal(floats.numpy(), np.arange(6, dtype=np.float32))
    with pytest.raises(RuntimeError, match="record 'data/9' not found"):
        ours.get_record("data/9")


def test_a_file_that_is_not_an_archive_is_refused_as_torch():
    for lib in (torch, gk):
        with pytest.raises(RuntimeError):
            lib.PyTorchFileReader(io.BytesIO(b"not a zip archive at all"))
