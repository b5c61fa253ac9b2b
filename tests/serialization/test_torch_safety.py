"""Hostile PyTorch files: gradkit.load(weights_only=True) refuses what PyTorch's weights_only
refuses, and nothing in the file runs (each test checks a side effect did not happen);
truncated or corrupted archives and impossible sizes give a CheckpointError naming the file."""

import io
import os
import pickle
import zipfile

import pytest

import gradkit as gk
from gradkit.serialization import CheckpointError


class Evil:
    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return os.system, (self.cmd,)


def _marker_cmd(path):
    return f"touch {path}"


def _rewrite_pickle(src, dst, new_pkl):
    """Copy a torch zip archive with its data.pkl replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                data = new_pkl
            zout.writestr(info.filename, data)
    return dst


def _data_pkl(path):
    with zipfile.ZipFile(path) as zf:
        return zf.read(next(n for n in zf.namelist() if n.endswith("/data.pkl")))


@pytest.mark.parametrize("legacy", [False, True])
def test_os_system_via_reduce_does_not_run(torch, tmp_path, legacy):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(2), "x": Evil(_marker_cmd(marker))}, path,
               _use_new_zipfile_serialization=not legacy)
    with pytest.raises(CheckpointError, match=r"(?s)Weights only load failed.*GLOBAL "
                       r"(posix|os)\.system.*blocked.*weights_only=False") as info:
        gk.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError) as ours:  # also an UnpicklingError, as in torch
        gk.load(path, weights_only=True)
    with pytest.raises(Exception, match="Weights only load failed") as theirs:
        torch.load(path, weights_only=True)  # the oracle agrees
    assert type(ours.value).__name__ == type(theirs.value).__name__ == "UnpicklingError"
    assert not marker.exists()


@pytest.mark.parametrize("payload", [
    pickle.dumps(eval, protocol=2),
    b"\x80\x02cbuiltins\neval\nX\x0a\x00\x00\x00print('x')\x85R.",
    b"\x80\x02csubprocess\nPopen\n)R.",
    b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n)R.",
    b"\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81.",
    pickle.dumps(Evil("true"), protocol=4),
    pickle.dumps(Evil("true"), protocol=0),
], ids=["eval", "eval-call", "subprocess", "numpy", "torch-class", "proto4", "proto0"])
def test_globals_outside_the_allow_list_are_refused(torch, tmp_path, payload):
    base = tmp_path / "base.pt"
    torch.save({"w": torch.ones(1)}, base)
    path = _rewrite_pickle(base, tmp_path / "g.pt", payload)
    with pytest.raises(CheckpointError, match="Weights only load failed") as info:
        gk.load(path)
    assert str(path) in str(info.value)
    with pytest.raises(Exception, match="Weights only load failed|Unsupported"):
        torch.load(path, weights_only=True)


@pytest.mark.parametrize("payload, message", [
    # an allowed class called on something outside its contract
    (b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x04\x00\x00\x00zlib\x86R.",
     "not allowed"),
    # BUILD on something that is not an OrderedDict
    (b"\x80\x02]X\x01\x00\x00\x00a}\x86b.", "Can only build"),
    # SETITEM on a list
    (b"\x80\x02]K\x01K\x02s.", "Can only SETITEM"),
    # a persistent id that is not a storage
    (b"\x80\x02X\x06\x00\x00\x00module\x85Q.", "Only persistent_load of storage"),
    # reading the memo before writing it
    (b"\x80\x02h\x05.", "memo entry 5"),
    # calling a non-callable value
    (b"\x80\x02K\x01)R.", "unrecognized function"),
])
def test_malformed_pickles_are_refused(tmp_path, torch, payload, message):
    base = tmp_path / "base.pt"
    torch.save({"w": torch.ones(1)}, base)
    path = _rewrite_pickle(base, tmp_path / "m.pt", payload)
    with pytest.raises(CheckpointError, match=message) as info:
        gk.load(path)
    assert str(path) in str(info.value)


def test_truncated_and_corrupt_archives(torch, tmp_path):
    good = tmp_path / "good.pt"
    torch.save({"w": torch.arange(100.0)}, good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.pt"
    for cut in (10, 100, len(raw) // 2, len(raw) - 30, len(raw) - 1):
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError) as info:
            gk.load(bad)
        assert str(bad) in str(info.value)
    data_at = raw.index(bytes(torch.arange(100.0).numpy().tobytes()[:16]))
    flipped = bytearray(raw)
    flipped[data_at + 7] ^= 0xFF
    bad.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        gk.load(bad)
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.arange(100.0)}, legacy, _use_new_zipfile_serialization=False)
    lraw = legacy.read_bytes()
    for cut in (20, 200, len(lraw) - 8):
        bad.write_bytes(lraw[:cut])
        with pytest.raises(CheckpointError) as info:
            gk.load(bad)
        assert str(bad) in str(info.value)
    bad.write_bytes(lraw + b"\x00" * 3)  # trailing bytes do not matter, as in torch
    assert gk.load(bad)["w"].shape == (100,)


def test_huge_declared_storage_size_is_refused_before_allocation(torch, tmp_path):
    path = tmp_path / "t.pt"
    torch.save({"w": torch.ones(12)}, path)
    pkl = _data_pkl(path)
    assert pkl.count(b"X\x03\x00\x00\x00cpuq") == 1
    i = pkl.index(b"X\x03\x00\x00\x00cpuq") + 10  # after 'cpu' and its BINPUT: the numel
    assert pkl[i:i + 2] == b"K\x0c"
    for numel in (2 ** 31 - 1, 2 ** 62):
        big = pickle.dumps(numel, protocol=2)[2:-1]  # BININT / LONG1 opcode
        evil = _rewrite_pickle(path, tmp_path / "huge.pt", pkl[:i] + big + pkl[i + 2:])
        with pytest.raises(CheckpointError, match="size mismatch") as info:
            gk.load(evil)
        assert str(evil) in str(info.value)
    # a tensor whose size reaches past its storage
    j = pkl.index(b"K\x0c\x85")  # the size tuple (12,)
    evil = _rewrite_pickle(path, tmp_path / "past.pt", pkl[:j] + b"K\x0d" + pkl[j + 2:])
    with pytest.raises(CheckpointError, match="reaches element 12 of storage 0"):
        gk.load(evil)


def test_huge_legacy_storage_count_is_refused(torch, tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.ones(4)}, buf, _use_new_zipfile_serialization=False)
    raw = buf.getvalue()
    k = len(raw) - 16 - 8  # the storage's element count, before its 16 bytes
    assert int.from_bytes(raw[k:k + 8], "little") == 4
    evil = raw[:k] + (2 ** 40).to_bytes(8, "little") + raw[k + 8:]
    path = tmp_path / "huge_legacy.pt"
    path.write_bytes(evil)
    with pytest.raises(CheckpointError, match="declares 1099511627776 elements") as info:
        gk.load(path)
    assert str(path) in str(info.value)


def test_weights_only_false_still_refuses_torch_objects_and_runs_only_on_request(torch,
                                                                                 tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "trusted.pt"
    torch.save({"w": torch.ones(2), "x": Evil(_marker_cmd(marker))}, path)
    with pytest.raises(CheckpointError):
        gk.load(path)
    assert not marker.exists()
    got = gk.load(path, weights_only=False)  # the caller vouches for the file: it runs
    assert marker.exists() and got["w"].tolist() == [1.0, 1.0]


def test_zip_without_data_pkl(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match="no <archive>/data.pkl") as info:
        gk.load(path)
    assert str(path) in str(info.value)


def test_a_refused_global_names_how_to_allow_it_and_the_advice_works(torch, tmp_path):
    np = pytest.importorskip("numpy")
    path = tmp_path / "array.pt"
    torch.save(np.arange(6.0).reshape(2, 3), path)   # as time_sequence_prediction's data
    with pytest.raises(pickle.UnpicklingError,
                       match=r"add_safe_globals\(\[numpy\._core\.multiarray\._reconstruct\]\)"):
        gk.load(path)
    allowed = [np._core.multiarray._reconstruct, np.ndarray, np.dtype, np.dtypes.Float64DType]
    with gk.serialization.safe_globals(allowed):
        out = gk.load(path)
    assert isinstance(out, np.ndarray) and out.tolist() == [[0, 1, 2], [3, 4, 5]]
