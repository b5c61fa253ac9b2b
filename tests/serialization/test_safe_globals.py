"""torch.serialization.add_safe_globals / safe_globals: a weights-only load admits the classes
the user allowed (rebuilt as PyTorch's restricted unpickler rebuilds them), and only those."""

from __future__ import annotations

import argparse
import dataclasses
import pickle

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


@dataclasses.dataclass
class Config:
    lr: float
    layers: list


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a, self.b = 1, [2]


class WithState:
    def __init__(self):
        self.v = 3

    def __getstate__(self):
        return {"v": self.v * 10}

    def __setstate__(self, state):
        self.v = state["v"] + 1


@pytest.fixture(autouse=True)
def _clean():
    gk.serialization.clear_safe_globals()
    yield
    gk.serialization.clear_safe_globals()


def _checkpoint(tmp_path):
    path = tmp_path / "c.pt"
    # written by PyTorch, as a user's training script would
    torch.save({"cfg": Config(0.1, [1, 2]), "ns": argparse.Namespace(x=1), "s": Slotted(),
                "w": WithState(), "t": torch.ones(2)}, path)
    return path


def test_refused_until_allowed_then_rebuilt(tmp_path):
    path = _checkpoint(tmp_path)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL"):
        gk.load(path)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL"):
        with gk.serialization.safe_globals([Config]):  # not all of them
            gk.load(path)
    with gk.serialization.safe_globals([Config, argparse.Namespace, Slotted, WithState]):
        c = gk.load(path)
    assert c["cfg"] == Config(0.1, [1, 2]) and c["ns"].x == 1
    assert (c["s"].a, c["s"].b) == (1, [2]) and c["w"].v == 31  # through __setstate__
    assert c["t"].tolist() == [1.0, 1.0]
    assert gk.serialization.get_safe_globals() == []  # the block's additions are gone


def test_add_safe_globals_persists_and_takes_named_pairs(tmp_path):
    path = _checkpoint(tmp_path)
    gk.serialization.add_safe_globals([Config, Slotted, WithState,
                                       (argparse.Namespace, "argparse.Namespace")])
    assert len(gk.serialization.get_safe_globals()) == 4
    assert gk.load(path)["ns"].x == 1
    with pytest.raises(TypeError, match="expected classes or functions"):
        gk.serialization.add_safe_globals([3])


def test_blocked_modules_stay_blocked_even_if_listed(tmp_path):
    import os

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    path = tmp_path / "e.pt"
    torch.save({"x": Evil()}, path)
    with pytest.raises(pickle.UnpicklingError):
        gk.load(path)



class _GkActHolder(gk.nn.Module):
    """Holds a function as an attribute, as TransformerEncoderLayer keeps F.relu."""

    def __init__(self):
        super().__init__()
        self.act = gk.nn.functional.relu


class _TorchActHolder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.act = torch.nn.functional.relu


def test_an_allowed_function_held_as_an_attribute_is_the_function(tmp_path):
    # the word-language-model example reloads its whole Transformer with F.relu in the
    # safe-globals list; the attribute came back as the allow-list entry, not callable
    for mod, cls in ((gk, _GkActHolder), (torch, _TorchActHolder)):
        path = tmp_path / f"{mod.__name__}.pt"
        relu = mod.nn.functional.relu
        kw = {"format": "torch"} if mod is gk else {}  # (what torch.save is under gradkit run)
        mod.save(cls(), path, **kw)
        with mod.serialization.safe_globals([cls, relu]):
            back = mod.load(path)
        assert back.act is relu, mod
        assert back.act(mod.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
