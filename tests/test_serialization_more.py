"""More checkpoint checks: Module.load_state_dict against torch's semantics, and gradkit.load on
malformed headers (every failure a CheckpointError naming the file)."""

import io
import json

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.serialization import CheckpointError


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
