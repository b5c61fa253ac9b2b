"""Random operations inside a batched vmap run, by each level's ``randomness``:

- ``'different'``: the op runs once on the physical value, so the batch draws what one call on
  the stacked entries draws (torch.func's stream: ``vmap(randn_like)(x)`` after
  ``manual_seed(s)`` gives ``randn_like(x)``'s numbers);
- ``'same'``: the op draws one entry's worth and every entry gets it (a dropout mask of the
  logical shape, broadcast); ops whose draws depend on a batched input (``bernoulli(p)``)
  raise PyTorch's error, as there;
- ``'error'``: PyTorch's error.

A draw from the default generator that no rule here made (a factory such as ``randn(3)``,
whose batch PyTorch takes from the vmap level; an op without a rule) is found after the run by
``Draws``: each rule records the generator's state before and after its draw, and the run is
kept only where those draws join up from the state at its start to the state at its end.
Otherwise the state is restored and the call runs entry by entry (each entry drawing in turn,
the numbers torch.func draws only where the op draws in sequence).
"""

from __future__ import annotations

from .batched import BatchedTensor, max_level, physical
from .table import _reg

__all__ = ["ERROR_MESSAGE", "RANDOMNESS", "Draws", "RandomnessError", "fallback_draws"]

# level -> its randomness ("error", "same" or "different")
RANDOMNESS: dict = {}
# (state before, state after) of each draw a rule made, in order, while a batched run goes on
_DRAWN: list = []

ERROR_MESSAGE = ("vmap: called random operation while in randomness error mode. Please either "
                 "use the 'same' or 'different' randomness flags on vmap or perform the "
                 "randomness operation out of vmap")
_SAME_BATCHED = ("Vmap does not currently support same randomness with a batched tensor input. "
                 "Please file an issue with functorch")


class RandomnessError(RuntimeError):
    """PyTorch's error for a random op the level's randomness forbids: raised by the batched
    run itself (the entry-by-entry run would not see it)."""


def _generator():
    from .. import random

    return random._default()


def _fingerprint():
    """The default generator's state, cheaply: the MT19937 words and position, and the cached
    normal samples."""
    g = _generator()
    st = g._bg.state["state"]
    return int(st["pos"]), st["key"].tobytes(), g._normal_double, g._normal_float


class Draws:
    """The default generator around a batched run: ``changed()`` after it, ``all_by_rules()``
    whether every draw was a rule's (see the module docstring), ``restore()`` the state at the
    start."""

    def __init__(self):
        g = _generator()
        self.gen = g
        self.saved = (g._bg.state, g._normal_double, g._normal_float)
        self.start = _fingerprint()
        self.mark = len(_DRAWN)

    def changed(self) -> bool:
        return _fingerprint() != self.start

    def all_by_rules(self, randomness) -> bool:
        """Whether the run's draws keep ``randomness``: under 'same' any draw does (a draw
        outside the rules is one value every entry sees; ``fallback_draws`` sends a draw made
        entry by entry back to the loop); under 'different' only the rules' draws."""
        if randomness == "same":
            return True
        at = self.start
        for before, after in _DRAWN[self.mark:]:
            if before != at:
                return False
            at = after
        return at == _fingerprint()

    def restore(self):
        del _DRAWN[self.mark:]
        g = self.gen
        g._bg.state, g._normal_double, g._normal_float = self.saved

    def close(self):
        if self.mark == 0:
            _DRAWN.clear()


def fallback_draws(run):
    """``run()`` (an op's per-entry fallback) where a level's randomness allows draws: a draw
    there, entry by entry, is neither 'same' nor torch.func's 'different' stream, so the call
    goes back to the entry-by-entry run (VmapFallback)."""
    if not any(m != "error" for m in RANDOMNESS.values()):
        return run()
    before = _fingerprint()
    out = run()
    if _fingerprint() != before:
        from .batched import VmapFallback

        raise VmapFallback("vmap: a random op without a batching rule")
    return out


def _mode(level):
    mode = RANDOMNESS.get(level, "error")
    if mode == "error":
        raise RuntimeError(ERROR_MESSAGE)
    return mode


def _drawn(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, its draws recorded."""
    mark = len(_DRAWN)
    before = _fingerprint()
    out = fn(*args, **kwargs)
    if len(_DRAWN) == mark:  # (else the rules of an outer level recorded these draws)
        _DRAWN.append((before, _fingerprint()))
    return out


def _spread(r, level, n):
    """One entry's value ``r`` as every entry's, batched at ``level``."""
    return BatchedTensor(r.unsqueeze(0).expand((n,) + tuple(r.shape)), level)


def _batch(level):
    from .batched import batch_size

    return batch_size(level)


def _own_input(level, args, kwargs):
    """The physical value of the first argument where this level's rule draws for it: None
    (the op is left to the next rule) where another argument is batched at this level, a
    generator is given, or the first argument is not batched here."""
    if max_level(args[1:], kwargs) == level or "generator" in kwargs:
        return None
    v, b = physical(args[0], level)
    return v if b else None


def _like(func, level, args, kwargs):
    """``rand_like``, ``randn_like``, ``randint_like``: values of the input's shape."""
    v = _own_input(level, args, kwargs)
    if v is None:
        return NotImplemented
    if _mode(level) == "different":
        return BatchedTensor(_drawn(func, v, *args[1:], **kwargs), level)
    return _spread(_drawn(func, v[0], *args[1:], **kwargs), level, _batch(level))


def _fill(func, level, args, kwargs):
    """In-place fills of a batched tensor (``normal_``, ``uniform_``, ``bernoulli_`` with a
    probability, ...)."""
    v = _own_input(level, args, kwargs)
    if v is None:
        return NotImplemented
    if _mode(level) == "different":
        _drawn(func, v, *args[1:], **kwargs)
        return args[0]
    first = v[0]
    _drawn(func, first, *args[1:], **kwargs)
    v.copy_(first.clone().unsqueeze(0).expand(tuple(v.shape)))
    return args[0]


def _from_input(func, level, args, kwargs):
    """Draws whose distribution an input tensor gives (``bernoulli(p)``, ``normal(mean, std)``,
    ``poisson(rates)``): the physical input at once ('same' is PyTorch's error)."""
    v = _own_input(level, args, kwargs)
    if v is None or not hasattr(args[0], "ndim"):
        return NotImplemented
    if _mode(level) == "same":
        raise RandomnessError(_SAME_BATCHED)
    return BatchedTensor(_drawn(func, v, *args[1:], **kwargs), level)


def _arg(args, kwargs, pos, names, default):
    for n in names:
        if n in kwargs:
            return kwargs[n]
    return args[pos] if len(args) > pos else default


def _dropout(func, level, args, kwargs):
    """``dropout`` (``F.dropout`` and ``torch.dropout``) and ``alpha_dropout``: masks drawn
    per element, so the physical value's mask is the entries' masks stacked."""
    if _arg(args, kwargs, 3, ("inplace",), False):
        return NotImplemented
    v = _own_input(level, args, kwargs)
    if v is None:
        return NotImplemented
    p = _arg(args, kwargs, 1, ("p",), 0.5)
    training = _arg(args, kwargs, 2, ("training", "train"), True)
    if not training or p == 0:
        return BatchedTensor(func(v, *args[1:], **kwargs), level)
    if _mode(level) == "different":
        return BatchedTensor(_drawn(func, v, *args[1:], **kwargs), level)
    if func.__name__ != "dropout":
        return NotImplemented
    # 'same': one mask of the logical shape (dropout of ones: 0 or 1 / (1 - p)) for every entry
    from .. import ones_like

    rest = dict(kwargs)
    rest.pop("input", None)
    mask = _drawn(func, ones_like(v[0]), *args[1:], **rest)
    return BatchedTensor(v * mask, level)


_reg(("rand_like", "randn_like", "randint_like"), _like)
_reg(("normal_", "uniform_", "bernoulli_", "exponential_", "random_", "cauchy_",
      "log_normal_", "geometric_"), _fill)
_reg(("bernoulli", "normal", "poisson"), _from_input)
_reg(("dropout", "alpha_dropout"), _dropout)
