"""gradkit.save / gradkit.load: round trips, atomic writes, corruption errors (malformed headers
give a CheckpointError naming the file), safetensors and torch interoperability, and
Module.load_state_dict against torch's semantics."""

import io
import json
import math
import os
import time

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn, serialization
from gradkit.serialization import CheckpointError

DTYPES = [gk.float32, gk.float64, gk.float16, gk.int32, gk.int64, gk.bool, gk.uint8, gk.int8,
          gk.int16]


def _arr(rng, shape, dtype):
    if dtype == gk.bool:
        return rng.random(shape) > 0.5
    return (rng.standard_normal(shape) * 50).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3, 4)], ids=str)
def test_round_trip_dtypes_and_shapes(tmp_path, rng, dtype, shape):
    t = gk.tensor(_arr(rng, shape, dtype))
    gk.save(t, tmp_path / "t.safetensors")
    back = gk.load(tmp_path / "t.safetensors")
    assert isinstance(back, gk.Tensor)
    assert back.dtype == t.dtype and tuple(back.shape) == shape
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_non_contiguous_and_views(tmp_path, rng):
    base = gk.tensor(rng.standard_normal((4, 6)).astype(np.float32))
    obj = {"T": base.T, "step": base[:, ::2], "neg": gk.tensor(np.ascontiguousarray(
        base.numpy()[::-1]))}
    assert not obj["T"].is_contiguous()
    gk.save(obj, tmp_path / "v.st")
    back = gk.load(tmp_path / "v.st")
    for k, v in obj.items():
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())


def test_nested_checkpoint_round_trip(tmp_path):
    model = {"fc.weight": gk.randn(3, 4), "fc.bias": gk.zeros(3)}
    optim = {"state": {0: {"step": gk.tensor(3.0), "exp_avg": gk.ones(3, 4)},
                       1: {"step": gk.tensor(3.0), "exp_avg": gk.ones(3)}},
             "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                               "weight_decay": 0, "amsgrad": False, "params": [0, 1],
                               "foreach": None}]}
    ckpt = {"model": model, "optimizer": optim, "epoch": 7, "best": float("inf"),
            "nan": float("nan"), "history": [{"loss": 0.5, "acc": 0.9}], "name": "run-ü",
            "rng": gk.Generator().manual_seed(5).get_state(), "flag": True, "none": None,
            (1, "tuple-key"): "odd keys", 2.5: "float key", None: "none key",
            "__gk__": "reserved-looking key", "np": np.arange(4, dtype=np.int16),
            "np_scalar": np.float32(1.5)}
    gk.save(ckpt, tmp_path / "c.st")
    back = gk.load(tmp_path / "c.st")
    assert set(back) == set(ckpt)
    assert back["epoch"] == 7 and back["best"] == math.inf and math.isnan(back["nan"])
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["optimizer"]["param_groups"][0]["foreach"] is None
    assert list(back["optimizer"]["state"]) == [0, 1]
    np.testing.assert_array_equal(back["optimizer"]["state"][0]["exp_avg"].numpy(), np.ones((3, 4)))
    assert back["optimizer"]["state"][0]["step"].dtype == gk.float32
    for k, v in model.items():
        np.testing.assert_array_equal(back["model"][k].numpy(), v.numpy())
    assert back["history"] == [{"loss": 0.5, "acc": 0.9}] and back["name"] == "run-ü"
    assert back[(1, "tuple-key")] == "odd keys" and back[2.5] == "float key"
    assert back[None] == "none key" and back["__gk__"] == "reserved-looking key"
    assert isinstance(back["np"], np.ndarray) and back["np"].dtype == np.int16
    assert back["np_scalar"] == 1.5 and back["flag"] is True and back["none"] is None
    g = gk.Generator().set_state(back["rng"])
    ref = gk.Generator().manual_seed(5)
    assert gk.randn(3, generator=g).tolist() == gk.randn(3, generator=ref).tolist()


def test_tensor_names_never_clash(tmp_path):
    obj = {"a.b": gk.ones(1), "a": {"b": gk.zeros(1)}, "__metadata__": gk.full((1,), 2.0)}
    gk.save(obj, tmp_path / "n.st")
    back = gk.load(tmp_path / "n.st")
    assert back["a.b"].item() == 1.0 and back["a"]["b"].item() == 0.0
    assert back["__metadata__"].item() == 2.0


def test_loaded_tensors_are_writable_and_keep_requires_grad(tmp_path):
    w = gk.randn(3, requires_grad=True)
    shared = gk.ones(2)
    gk.save({"w": w, "a": shared, "b": shared}, tmp_path / "w.st")
    back = gk.load(tmp_path / "w.st")
    assert back["w"].requires_grad and back["w"].is_leaf
    back["a"].add_(1.0)  # in-place update works (optimizer state after resume)
    assert back["a"] is back["b"]  # the same tensor object saved twice comes back once


def test_unsupported_objects_raise_type_error(tmp_path):
    with pytest.raises(TypeError, match="can't store object at x"):
        gk.save({"x": object()}, tmp_path / "bad.st")
    with pytest.raises(TypeError, match="can't store set"):
        gk.save({1, 2}, tmp_path / "bad.st")
    assert not os.path.exists(tmp_path / "bad.st")


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    gk.save({"x": gk.arange(5)}, buf)
    buf.seek(0)
    assert gk.load(buf)["x"].tolist() == [0, 1, 2, 3, 4]
    with open(tmp_path / "f.st", "wb") as fh:
        gk.save([gk.ones(2), 3], fh)
    with open(tmp_path / "f.st", "rb") as fh:
        back = gk.load(fh)
    assert back[0].tolist() == [1.0, 1.0] and back[1] == 3
    assert gk.load(str(tmp_path / "f.st"))[1] == 3  # str paths too


def test_map_location(tmp_path):
    gk.save({"x": gk.ones(2)}, tmp_path / "m.st")
    for loc in (None, "cpu", gk.device("cpu"), {"cpu": "cpu"}, lambda t, where: t):
        assert gk.load(tmp_path / "m.st", map_location=loc)["x"].device == gk.device("cpu")
    if not gk.cuda.is_available():
        with pytest.raises(Exception) as expected:
            gk.ones(1).to("cuda")
        with pytest.raises(type(expected.value)) as got:
            gk.load(tmp_path / "m.st", map_location="cuda")
        assert str(got.value) == str(expected.value)


# ----------------------------------------------------------------------------- atomic writes
def test_atomic_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    gk.save({"epoch": 1, "w": gk.ones(1000)}, path)
    before = path.read_bytes()

    real = serialization._write_chunks

    def crash_halfway(fh, header, arrays):
        fh.write(header)
        fh.write(b"\0" * 100)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(serialization, "_write_chunks", crash_halfway)
    with pytest.raises(OSError, match="simulated"):
        gk.save({"epoch": 2, "w": gk.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert gk.load(path)["epoch"] == 1
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors"]  # no temporary file left
    monkeypatch.setattr(serialization, "_write_chunks", real)
    gk.save({"epoch": 2, "w": gk.zeros(1000)}, path)
    assert gk.load(path)["epoch"] == 2


def test_atomic_write_crash_before_replace(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.st"
    gk.save({"epoch": 1}, path)

    def boom(*a, **k):
        raise OSError("power cut (simulated)")

    monkeypatch.setattr(serialization.os, "replace", boom)
    with pytest.raises(OSError, match="power cut"):
        gk.save({"epoch": 2}, path)
    monkeypatch.undo()
    assert gk.load(path)["epoch"] == 1
    assert os.listdir(tmp_path) == ["ckpt.st"]


def test_new_file_permissions_follow_umask(tmp_path):
    path = tmp_path / "p.st"
    gk.save({"a": 1}, path)
    mask = os.umask(0)
    os.umask(mask)
    assert (os.stat(path).st_mode & 0o777) == (0o666 & ~mask)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gk.save({"a": 1}, tmp_path / "nope" / "x.st")


# ----------------------------------------------------------------------------- corrupted files
@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.st"
    gk.save({"w": gk.arange(100.0), "b": gk.ones(3, dtype=gk.int64), "epoch": 3}, path)
    return path


def _expect_error(path, pattern):
    with pytest.raises(CheckpointError, match=pattern) as info:
        gk.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_truncated_files(good_file, tmp_path):
    raw = good_file.read_bytes()
    bad = tmp_path / "bad.st"
    bad.write_bytes(raw[:5])
    _expect_error(bad, "too short")
    bad.write_bytes(raw[:40])
    _expect_error(bad, "truncated")
    bad.write_bytes(raw[:-10])
    _expect_error(bad, "truncated")
    bad.write_bytes(b"")
    _expect_error(bad, "too short")


def test_corrupted_files(good_file, tmp_path):
    raw = bytearray(good_file.read_bytes())
    bad = tmp_path / "bad.st"
    flipped = bytearray(raw)
    flipped[-5] ^= 0xFF  # a byte of tensor data
    bad.write_bytes(bytes(flipped))
    _expect_error(bad, "checksum mismatch")
    bad.write_bytes(bytes(raw) + b"extra")
    _expect_error(bad, "size mismatch")
    garbage = bytearray(raw)
    garbage[10:20] = b"\xff" * 10  # inside the JSON header
    bad.write_bytes(bytes(garbage))
    _expect_error(bad, "not valid JSON")
    bad.write_bytes((10 ** 12).to_bytes(8, "little") + b"{}")
    _expect_error(bad, "implausible")
    bad.write_bytes(b"\x07" * 100)
    _expect_error(bad, "implausible")


def test_other_pickles_get_a_clear_error(tmp_path):
    import pickle

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=2))
    _expect_error(path, "looks like a pickle, but neither a torch.save file")


def test_save_through_symlink_and_torch_kwargs(tmp_path):
    target = tmp_path / "run1.st"
    link = tmp_path / "latest.st"
    gk.save({"epoch": 1}, target)
    link.symlink_to(target)
    gk.save({"epoch": 2}, link, pickle_protocol=4)
    assert link.is_symlink() and gk.load(target)["epoch"] == 2


def _rewrite_header(raw, edit):
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    edit(header)
    new = json.dumps(header).encode()
    new += b" " * (-len(new) % 8)
    return len(new).to_bytes(8, "little") + new + raw[8 + n:]


@pytest.mark.parametrize("edit,pattern", [
    (lambda h: h["w"].update(shape=[99]), "size mismatch for tensor 'w'"),
    (lambda h: h["w"].update(dtype="F8_E4M3"), "dtype 'F8_E4M3'"),
    (lambda h: h["w"].update(data_offsets=[5, 3]), "invalid data_offsets"),
    (lambda h: h["b"].update(data_offsets=[0, 24]), "expected"),
    (lambda h: h.pop("b"), "size mismatch"),
    (lambda h: h["__metadata__"].update(gradkit="{not json"), "metadata is not valid JSON"),
    (lambda h: h["__metadata__"].update(
        gradkit=json.dumps({"version": 1, "tree": {"__gk__": "tensor", "key": "zz"}})),
     "refers to tensor 'zz'"),
    (lambda h: h["__metadata__"].update(gradkit=json.dumps({"version": 99, "tree": 1})),
     "newer gradkit"),
])
def test_mismatched_headers(good_file, tmp_path, edit, pattern):
    bad = tmp_path / "bad.st"
    bad.write_bytes(_rewrite_header(good_file.read_bytes(), edit))
    _expect_error(bad, pattern)


def test_text_mode_and_wrong_types(good_file):
    with open(good_file, encoding="latin-1") as fh, pytest.raises(TypeError, match="text mode"):
        gk.load(fh)
    with pytest.raises(TypeError, match="path or a binary file"):
        gk.load(42)


# ----------------------------------------------------------------------------- interop
def test_state_dict_loads_in_safetensors_and_torch(torch, tmp_path, rng):
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file

    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3),
                              torch.nn.Linear(3, 2))
    state = {k: gk.tensor(_arr(rng, tuple(v.shape), str(v.dtype).replace("torch.", "")))
             for k, v in net.state_dict().items()}
    path = tmp_path / "model.safetensors"
    gk.save(state, path)
    loaded = load_file(str(path))
    assert list(loaded) == sorted(state) or set(loaded) == set(state)
    for k, v in state.items():
        assert str(loaded[k].dtype) == str(v.dtype).replace("gradkit.", "torch.")
        np.testing.assert_array_equal(loaded[k].numpy(), v.numpy())
    net.load_state_dict(loaded)  # strict: names, shapes and dtypes all fit
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), state["0.weight"].numpy())


def test_all_dtypes_load_in_safetensors(torch, tmp_path, rng):
    pytest.importorskip("safetensors")
    from safetensors.numpy import load_file

    state = {f"t_{dt}_{i}": gk.tensor(_arr(rng, shape, dt))
             for dt in DTYPES for i, shape in enumerate([(), (0,), (2, 3)])}
    gk.save(state, tmp_path / "all.st")
    loaded = load_file(str(tmp_path / "all.st"))
    for k, v in state.items():
        assert loaded[k].dtype == v.dtype and loaded[k].shape == tuple(v.shape)
        np.testing.assert_array_equal(loaded[k], v.numpy())


def test_safetensors_file_loads_in_gradkit(torch, tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(0)
    tensors = {"a.weight": torch.randn(3, 4, generator=g), "half": torch.randn(5).half(),
               "ints": torch.arange(6, dtype=torch.int32).reshape(2, 3),
               "longs": torch.arange(3), "mask": torch.tensor([True, False]),
               "bytes": torch.arange(4, dtype=torch.uint8), "f64": torch.randn(2).double(),
               "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3)}
    path = tmp_path / "from_torch.safetensors"
    save_file(tensors, str(path), metadata={"format": "pt", "author": "someone"})
    back = gk.load(path)
    assert set(back) == set(tensors)
    for k, v in tensors.items():
        assert str(back[k].dtype) == str(v.dtype).replace("torch.", "gradkit.")
        assert tuple(back[k].shape) == tuple(v.shape)
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    assert serialization.load_state_dict(path)["longs"].tolist() == [0, 1, 2]


def test_save_state_dict_helper(tmp_path):
    serialization.save_state_dict({"w": gk.ones(2)}, tmp_path / "s.st")
    assert serialization.load_state_dict(tmp_path / "s.st")["w"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="flat dict"):
        serialization.save_state_dict({"w": 1}, tmp_path / "s.st")
    gk.save({"nested": {"w": gk.ones(1)}}, tmp_path / "n.st")
    with pytest.raises(CheckpointError, match="flat dict"):
        serialization.load_state_dict(tmp_path / "n.st")


def test_loading_runs_no_code(tmp_path):
    # a tree entry can only name data types; anything else is rejected, never imported/called
    payload = {"version": 1, "tree": {"__gk__": "os.system", "key": "echo pwned"}}
    header = {"__metadata__": {"gradkit": json.dumps(payload)}}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path = tmp_path / "evil.st"
    path.write_bytes(len(raw).to_bytes(8, "little") + raw)
    _expect_error(path, "unknown entry type 'os.system'")


def test_header_length_starting_like_a_pickle_still_loads(tmp_path):
    # a header of 0x0280 bytes begins with the bytes 0x80 0x02, like a pickle; it must load
    for pad in range(0, 800, 7):
        path = tmp_path / "p.st"
        gk.save({"name": "x" * pad, "w": gk.ones(2)}, path)
        raw = path.read_bytes()
        if raw[0] == 0x80 and 2 <= raw[1] <= 5:
            assert gk.load(path)["w"].tolist() == [1.0, 1.0]
            return
    pytest.fail("no padding produced a header length of 0x02??")


def _same(a, b):
    if isinstance(a, gk.Tensor):
        return (isinstance(b, gk.Tensor) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a.numpy(), b.numpy()))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_random_trees_round_trip(tmp_path):
    st = pytest.importorskip("hypothesis.strategies")
    from hypothesis import HealthCheck, given, settings

    dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.bool_, np.uint8])
    shapes = st.lists(st.integers(0, 3), max_size=3).map(tuple)
    tensors = st.builds(lambda dt, sh, seed: gk.tensor(
        _arr(np.random.default_rng(seed), sh, np.dtype(dt))), dtypes, shapes, st.integers(0, 9))
    leaves = (st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63 - 1)
              | st.floats(allow_nan=True) | st.text(max_size=5) | tensors)
    keys = st.text(max_size=4) | st.integers(-5, 5) | st.none() | st.booleans()
    trees = st.recursive(leaves, lambda c: st.lists(c, max_size=3) | st.tuples(c, c)
                         | st.dictionaries(keys, c, max_size=3), max_leaves=12)

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(trees)
    def check(tree):
        buf = io.BytesIO()
        gk.save(tree, buf)
        buf.seek(0)
        assert _same(tree, gk.load(buf))

    check()


def test_bfloat16_from_torch_loads_as_float32_without_ml_dtypes(torch, tmp_path, monkeypatch):
    pytest.importorskip("safetensors")
    from safetensors.torch import save_file

    from gradkit import serialization

    monkeypatch.setattr(serialization, "_bf16_or_none", lambda: None)  # as without ml_dtypes

    t = torch.tensor([1.5, -2.25, 3.0e38, 1e-3, 0.0]).to(torch.bfloat16).reshape(5, 1)
    save_file({"w": t, "b": torch.ones(3, dtype=torch.float16)}, str(tmp_path / "bf.st"))
    back = gk.load(tmp_path / "bf.st")
    assert back["w"].dtype == gk.float32 and tuple(back["w"].shape) == (5, 1)
    np.testing.assert_array_equal(back["w"].numpy(), t.float().numpy())
    assert back["b"].dtype == gk.float16


def test_bfloat16_safetensors_round_trip_and_interop(torch, tmp_path):
    pytest.importorskip("ml_dtypes")
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file, save_file

    t = torch.tensor([1.5, -2.25, 3.0e38, 1e-3, 0.0, float("inf")]).to(torch.bfloat16)
    save_file({"w": t.reshape(2, 3)}, str(tmp_path / "theirs.st"))
    back = gk.load(tmp_path / "theirs.st")
    assert back["w"].dtype is gk.bfloat16 and back["w"].tolist() == t.reshape(2, 3).tolist()
    ours = {"w": back["w"], "v": back["w"][:, 1:], "f": gk.ones(2), "d": gk.bfloat16}
    gk.save(ours, tmp_path / "ours.gk")
    again = gk.load(tmp_path / "ours.gk")
    assert again["w"].dtype is gk.bfloat16 and again["d"] is gk.bfloat16
    assert again["v"].tolist() == ours["v"].tolist() and again["f"].dtype is gk.float32
    gk.save({"w": back["w"]}, tmp_path / "plain.safetensors")
    theirs = load_file(str(tmp_path / "plain.safetensors"))
    assert theirs["w"].dtype == torch.bfloat16 and theirs["w"].tolist() == back["w"].tolist()


def test_bfloat16_torch_format_round_trip(torch, tmp_path):
    pytest.importorskip("ml_dtypes")
    x = gk.randn(3, 4).bfloat16()
    gk.save({"x": x, "t": x.t(), "d": gk.bfloat16}, tmp_path / "m.pt", format="torch")
    got = torch.load(tmp_path / "m.pt", weights_only=True)
    assert got["x"].dtype == torch.bfloat16 and got["d"] == torch.bfloat16
    assert got["x"].tolist() == x.tolist() and got["t"].tolist() == x.t().tolist()
    back = gk.load(tmp_path / "m.pt")
    assert back["x"].dtype is gk.bfloat16 and back["x"].tolist() == x.tolist()


def test_torch_format_keeps_numpy_arrays_and_dtypes(torch, tmp_path):
    # a resume checkpoint holds np.random.get_state() (a uint32 array) and NumPy dtypes: they
    # stay NumPy objects (as torch.save writes them), only gradkit's dtypes become torch's
    state = np.random.RandomState(3).get_state()
    obj = {"numpy_rng": state, "a": np.arange(3, dtype=np.float64), "nd": np.dtype(np.int16),
           "d": gk.float16}
    gk.save(obj, tmp_path / "r.pt", format="torch")
    for back in (gk.load(tmp_path / "r.pt", weights_only=False),
                 torch.load(tmp_path / "r.pt", weights_only=False)):
        assert back["numpy_rng"][0] == "MT19937" and back["numpy_rng"][2:] == state[2:]
        assert back["numpy_rng"][1].dtype == np.uint32
        np.testing.assert_array_equal(back["numpy_rng"][1], state[1])
        assert back["a"].dtype == np.float64 and back["a"].tolist() == [0.0, 1.0, 2.0]
        assert type(back["nd"]) is type(np.dtype(np.int16)) and back["nd"] == np.int16
    assert torch.load(tmp_path / "r.pt", weights_only=False)["d"] == torch.float16


def _raw(header: dict, data: bytes = b"") -> io.BytesIO:
    raw = json.dumps(header).encode()
    f = io.BytesIO(len(raw).to_bytes(8, "little") + raw + data)
    f.name = "ckpt.safetensors"
    return f


def _meta(tree_json: str) -> io.BytesIO:
    return _raw({"__metadata__": {"gradkit": tree_json}})


class _Aliased(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 3)
        self.b = self.a  # one submodule under two names: state_dict has a.* and b.*


# ----------------------------------------------------------------------- load_state_dict
def test_load_state_dict_visits_every_alias_of_a_shared_submodule():
    # torch loads a shared submodule once per name (the last name wins) and reports a key
    # missing under any of its names
    m = _Aliased()
    sd = dict(m.state_dict())
    sd["b.bias"] = gk.full((3,), 7.0)
    m.load_state_dict(sd)
    np.testing.assert_array_equal(m.a.bias.detach().numpy(), np.full(3, 7.0, np.float32))
    del sd["b.bias"]
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["b.bias"] and res.unexpected_keys == []
    with pytest.raises(RuntimeError, match='Missing key.*"b.bias"'):
        m.load_state_dict(sd)


def test_load_state_dict_assign_keeps_the_given_objects():
    # torch: assign=True puts a given Parameter (and a buffer tensor) in the module as is, and
    # wraps a plain tensor in a Parameter that shares its memory, in the checkpoint's dtype
    m = nn.BatchNorm1d(2)
    w = nn.Parameter(gk.zeros(2, dtype=gk.float64))
    b = gk.ones(2)
    rm = gk.full((2,), 3.0)
    sd = dict(m.state_dict())
    sd.update({"weight": w, "bias": b, "running_mean": rm})
    m.load_state_dict(sd, assign=True)
    assert m.weight is w and m.weight.dtype == gk.float64
    assert m.running_mean is rm
    assert isinstance(m.bias, nn.Parameter) and m.bias.requires_grad
    assert np.shares_memory(m.bias._data, b._data)


# ----------------------------------------------------------------------- malformed files
@pytest.mark.parametrize("make", [
    lambda: _raw({"a": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
    lambda: _raw({"a": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}, b"\0" * 4),
    lambda: _meta(json.dumps({"version": "2", "tree": 1})),
    lambda: _meta('{"version": 1, "tree": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    lambda: _meta(json.dumps({"version": 1, "tree": {"__gk__": "tuple", "items": 5}})),
], ids=["dtype-list", "bool-shape", "version-str", "deep-tree", "items-int"])
def test_malformed_metadata_gives_a_checkpoint_error(make):
    with pytest.raises(CheckpointError, match="ckpt.safetensors"):
        gk.load(make())


def test_deeply_nested_header_gives_a_checkpoint_error():
    body = b"[" * 100_000 + b"]" * 100_000
    f = io.BytesIO(len(body).to_bytes(8, "little") + body)
    f.name = "ckpt.safetensors"
    with pytest.raises(CheckpointError, match="ckpt.safetensors"):
        gk.load(f)


# ----------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", [">f4", ">f8", ">i8", ">u2", ">f2"])
def test_non_native_byte_order_saves_and_loads_by_value(dtype):
    a = (np.arange(6) - 2).reshape(2, 3).astype(np.dtype(dtype).newbyteorder("=")).astype(dtype)
    f = io.BytesIO()
    gk.save({"arr": a, "t": gk.tensor(a)}, f)
    f.seek(0)
    out = gk.load(f)
    assert out["arr"].dtype == a.dtype.newbyteorder("=") and out["arr"].dtype.isnative
    np.testing.assert_array_equal(out["arr"], a)
    np.testing.assert_array_equal(out["t"].numpy(), a)


def test_parameters_come_back_as_parameters():
    # torch.load (weights_only too) gives back nn.Parameter objects, with their requires_grad
    p = nn.Parameter(gk.randn(3))
    q = nn.Parameter(gk.randn(2), requires_grad=False)
    f = io.BytesIO()
    gk.save({"p": p, "q": q, "again": p, "plain": gk.ones(1)}, f)
    f.seek(0)
    out = gk.load(f)
    assert isinstance(out["p"], nn.Parameter) and out["p"].requires_grad
    assert isinstance(out["q"], nn.Parameter) and not out["q"].requires_grad
    assert out["again"] is out["p"]
    assert not isinstance(out["plain"], nn.Parameter) and not out["plain"].requires_grad
    np.testing.assert_array_equal(out["p"].detach().numpy(), p.detach().numpy())


# ------------------------------------------------------------------ robustness of the file itself
def _ckpt(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    gk.save({"alpha": gk.arange(4.0), "beta": gk.ones(2, 3), "epoch": 3, "name": "run"}, path)
    return path


@pytest.mark.parametrize("old,new", [
    (b'"beta":{"dtype"', b'"bexa":{"dtype"'),           # a tensor renamed in the table
    (b'\\"epoch\\":3', b'\\"epoch\\":4'),               # a number in the saved structure
    (b'\\"name\\":\\"run\\"', b'\\"name\\":\\"ruN\\"'),  # a string in it
    (b'"beta":{"dtype":"F32","shape":[2,3]', b'"beta":{"dtype":"F32","shape":[3,2]'),  # shape
], ids=["tensor_name", "number_in_tree", "string_in_tree", "shape"])
def test_a_bit_flip_in_the_header_is_caught(tmp_path, old, new):
    path = _ckpt(tmp_path)
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = raw[8:8 + n]
    assert header.count(old) >= 1, header
    path.write_bytes(raw[:8] + header.replace(old, new) + raw[8 + n:])
    with pytest.raises(CheckpointError, match="checksum mismatch|size mismatch"):
        gk.load(path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = _ckpt(tmp_path)
    size = path.stat().st_size
    with open(path, "r+b") as fh:  # a sparse 64 GiB tail: reading it whole would need 64 GiB
        fh.truncate(size + (64 << 30))
    with pytest.raises(CheckpointError, match="size mismatch"):
        gk.load(path)


def test_temporary_files_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    path = _ckpt(tmp_path)
    dead = tmp_path / ".ckpt.safetensors.999999999.ab12.tmp"   # no such process
    alive = tmp_path / f".ckpt.safetensors.{os.getpid()}.cd34.tmp"  # a writer still running
    legacy_old = tmp_path / ".ckpt.safetensors.ef56.tmp"         # older name, hours old
    legacy_new = tmp_path / ".ckpt.safetensors.gh78.tmp"         # older name, just written
    other = tmp_path / ".other.safetensors.999999999.ij90.tmp"    # another file's
    for p in (dead, alive, legacy_old, legacy_new, other):
        p.write_bytes(b"partial")
    os.utime(legacy_old, (time.time() - 7200, time.time() - 7200))
    gk.save({"x": gk.zeros(2)}, path)
    assert not dead.exists() and not legacy_old.exists()
    assert alive.exists() and legacy_new.exists() and other.exists()
    assert gk.load(path)["x"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64", "complex64", "complex128"])
def test_torch_format_dtypes_without_a_typed_storage_load_weights_only(name):
    """dtypes PyTorch has no legacy typed storage for pickle their dtype as ``torch.<name>``
    (not a NumPy dtype, which torch.load's weights-only unpickler refuses)."""
    torch = pytest.importorskip("torch")
    b = io.BytesIO()
    gk.save(gk.ones(3, dtype=getattr(gk, name)), b, format="torch")
    b.seek(0)
    t = torch.load(b, weights_only=True)
    assert t.dtype == getattr(torch, name) and t.tolist() == [1, 1, 1]
