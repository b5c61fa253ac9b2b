"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from collections import OrderedDict

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn


def test_sequential_forward_index_slice():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    x = gk.randn(4, 2)
    np.testing.assert_allclose(s(x).detach().numpy(), c(b(a(x))).detach().numpy())
    with pytest.raises(IndexError, match="out of range"):
        s[3]


def test_sequential_ordered_dict_and_mutation():
    s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert s.fc is s[0] and list(s.state_dict()) == ["fc.weight", "fc.bias"]
    s = nn.Sequential(nn.Linear(2, 2))
    s.append(nn.ReLU())
    s.insert(0, nn.Identity())
    s.extend([nn.Sigmoid()])
    assert [type(m).__name__ for m in s] == ["Identity", "Linear", "ReLU", "Sigmoid"]
    del s[0]
    assert [type(m).__name__ for m in s] == ["Linear", "ReLU", "Sigmoid"]
    assert list(s._modules) == ["0", "1", "2"]
    s[1] = nn.Tanh()
    assert isinstance(s[1], nn.Tanh)
    popped = s.pop(2)
    assert isinstance(popped, nn.Sigmoid) and len(s) == 2


def test_module_list():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Linear", "Sigmoid", "Linear", "Linear", "ReLU",
                                              "Tanh"]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    del ml[1]
    assert list(ml._modules) == [str(i) for i in range(5)]
    ml += [nn.Identity()]
    assert len(ml) == 6
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(3)


def test_module_dict():
    md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    md["c"] = nn.Tanh()
    md.update([("d", nn.Sigmoid())])
    assert list(md) == ["a", "b", "c", "d"]
    assert isinstance(md.pop("b"), nn.ReLU) and "b" not in md
    assert list(md.state_dict()) == ["a.weight", "a.bias"]


def test_module_dict_takes_another_module_dict_as_torch(torch):
    for lib in (gk, torch):
        other = lib.nn.ModuleDict({"x": lib.nn.Identity(), "long_name": lib.nn.ReLU()})
        md = lib.nn.ModuleDict({"a": lib.nn.Tanh()})
        md.update(other)
        assert list(md) == ["a", "x", "long_name"] and md["x"] is other["x"]
        copy = lib.nn.ModuleDict(other)
        assert list(copy) == ["x", "long_name"] and copy["long_name"] is other["long_name"]


def test_parameter_list_and_dict():
    pl = nn.ParameterList([gk.ones(2), nn.Parameter(gk.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl)
    pl.append(gk.ones(1))
    assert len(pl) == 3 and list(pl.state_dict()) == ["0", "1", "2"]
    assert len(list(pl.parameters())) == 3
    pd = nn.ParameterDict({"w": gk.ones(2)})
    pd["b"] = nn.Parameter(gk.zeros(1))
    assert list(pd.keys()) == ["w", "b"] and isinstance(pd["w"], nn.Parameter)
    assert sorted(n for n, _ in pd.named_parameters()) == ["b", "w"]
    del pd["w"]
    assert list(pd.keys()) == ["b"]


def test_container_state_dict_keys_match_torch(torch):
    g = nn.Sequential(nn.ModuleList([nn.Linear(2, 2)]), nn.ModuleDict({"x": nn.Linear(2, 1)}))
    t = torch.nn.Sequential(torch.nn.ModuleList([torch.nn.Linear(2, 2)]),
                            torch.nn.ModuleDict({"x": torch.nn.Linear(2, 1)}))
    assert list(g.state_dict()) == list(t.state_dict())
    assert repr(g) == repr(t)
    gl = nn.ParameterList([nn.Parameter(gk.ones(2, 3))])
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3))])
    assert repr(gl).replace("gradkit", "torch") == repr(tl)


def test_parameter_dict_order_and_repr_match_torch(torch):
    """ParameterDict adds a plain dict's pairs in sorted key order (an OrderedDict's in its
    order), so parameters()/state_dict() orders agree with PyTorch; its repr names the legacy
    type (``torch.FloatTensor``) where ParameterList names the dtype."""
    def build(lib):
        pd = lib.nn.ParameterDict({"w": lib.nn.Parameter(lib.ones(2, 2)),
                                   "b": lib.zeros(1, dtype=lib.float64), "n": 3})
        od = lib.nn.ParameterDict(OrderedDict([("z", lib.ones(1)), ("a", lib.ones(2))]))
        pd.update({"d": lib.ones(3), "c": lib.ones(1)})
        return pd, od

    (gp, go), (tp, to) = build(gk), build(torch)
    assert list(gp.keys()) == list(tp.keys()) == ["b", "n", "w", "c", "d"]
    assert list(go.keys()) == list(to.keys()) == ["z", "a"]
    assert list(gp.state_dict()) == list(tp.state_dict())
    assert [tuple(p.shape) for p in gp.parameters()] == [tuple(p.shape) for p in tp.parameters()]
    assert repr(gp).replace("gradkit.", "torch.") == repr(tp)
    assert repr(go).replace("gradkit.", "torch.") == repr(to)


def test_sequential_repeats_with_mul_as_torch(torch):
    shapes = {}
    for L in (gk, torch):
        s = L.nn.Sequential(L.nn.Linear(2, 2), L.nn.ReLU())
        twice, left = s * 2, 3 * s
        assert twice[0] is twice[2] and twice is not s and len(left) == 6
        # shared modules: the parameters are listed once
        assert len(list(twice.parameters())) == 2
        s *= 2
        errors = []
        for bad in (0, -1, 1.5):
            try:
                s * bad
            except (TypeError, ValueError) as e:
                errors.append(type(e).__name__)
        shapes[L.__name__] = (len(s), [type(m).__name__ for m in s], errors)
    assert shapes["gradkit"] == shapes["torch"]
    assert shapes["torch"][2] == ["ValueError", "ValueError", "TypeError"]


def test_deprecated_container_holds_its_keyword_modules(torch):
    with pytest.warns(FutureWarning, match=r"`nn.Container` is deprecated"):
        ours = nn.Container(a=nn.Linear(1, 1), b=nn.ReLU())
    with pytest.warns(FutureWarning):
        theirs = torch.nn.Container(a=torch.nn.Linear(1, 1), b=torch.nn.ReLU())
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
