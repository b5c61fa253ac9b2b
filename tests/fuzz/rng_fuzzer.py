"""A differential fuzzer of random streams: after the same seed, gradkit must draw PyTorch's
numbers, and leave its generator where PyTorch leaves it.

A case (``make_case(seed, i)``, its own RNG ``fuzzer.case_rng(seed, i)``, so ``python
tests/fuzz/rng_fuzzer.py --seed S --case I`` reproduces it alone) seeds both libraries' default
generators with ``manual_seed`` -- and, in about half the cases, makes an explicit ``Generator``
seeded apart and passes it as ``generator=`` wherever the API takes one -- then runs a sequence
of one to four random calls (``rng_cases.CALLS``: the factories ``rand``/``randn``/``randint``/
``randperm``/``*_like``/``normal`` (every overload)/``bernoulli``/``multinomial``/``poisson``/
``binomial``, the in-place fillers ``uniform_``/``normal_``/``random_``/``exponential_``/
``geometric_``/``cauchy_``/``log_normal_``/``bernoulli_``, the dropout family and ``rrelu``,
``nn.init``, ``distributions`` samples, ``DataLoader``/``random_split``/sampler orders, and the
state API: ``get_rng_state``/``set_rng_state``, ``Generator.get_state``/``set_state``,
``initial_seed``, ``seed``, ``fork_rng``, and a state carried from one library to the other).

After each call the results are compared bit for bit (values, dtype, shape, strides), and so are
both generators' states (``get_state()``, PyTorch's 5056-byte layout): a call that draws the
right numbers but one word too many is caught by the state, and by the next call of the
sequence. Both libraries raising is compared by PyTorch's exception type (``fuzzer``'s rules:
no raw NumPy/Python error, no input PyTorch refuses accepted).

The README's documented exception: where PyTorch draws ``bernoulli_(p)`` with a number ``p``
(hence dropout) from MKL's stream (x86-64 MKL builds on Intel processors; probed at run time),
those calls are compared by shape and dtype, and gradkit's generator is then set to PyTorch's
state so that the rest of the sequence is still compared exactly.
"""

from __future__ import annotations

import os
import re
import sys
import warnings

import numpy as np

try:
    from . import fuzzer as fz
    from .rng_cases import CALLS, dropout_bernoulli, scalar_bernoulli
except ImportError:  # run as a script
    import fuzzer as fz
    from rng_cases import CALLS, dropout_bernoulli, scalar_bernoulli

import gradkit as gk

torch = fz.torch
NAMES = tuple(CALLS)

__all__ = ["ALLOW", "NAMES", "RngCase", "allowed", "diverged_call", "judge", "main",
           "make_case", "run"]


class RngCase:
    """A seed, whether an explicit generator is used (and its seed), and the calls in order."""

    kind = "rng"

    def __init__(self, seed, gseed, calls):
        self.seed = seed
        self.gseed = gseed
        self.calls = calls

    @property
    def name(self):
        return self.calls[0][0]

    def __repr__(self):
        gen = f", Generator({self.gseed})" if self.gseed is not None else ""
        return f"rng[manual_seed({self.seed}){gen}: " + "; ".join(
            f"{n}({_spec_repr(sp)})" for n, sp in self.calls) + "]"


def _spec_repr(sp):
    def one(v):
        if isinstance(v, np.ndarray):
            vals = "=" + np.array2string(v.reshape(-1), precision=3, separator=",") \
                if v.size <= 4 else ""
            return f"<{list(v.shape)}{vals}>"
        if isinstance(v, tuple):
            return "(" + ",".join(one(x) for x in v) + ")"
        return repr(v)
    return ", ".join(f"{k}={one(v)}" for k, v in sp.items())


def make_case(seed, i):
    rng = fz.case_rng(seed, i)
    n = 1 if rng.random() < 0.45 else int(rng.integers(2, 5))
    calls = []
    for _ in range(n):
        name = NAMES[int(rng.integers(len(NAMES)))]
        calls.append((name, CALLS[name][0](rng)))
    gseed = int(rng.integers(0, 2 ** 40)) if rng.random() < 0.5 else None
    return RngCase(int(rng.integers(0, 2 ** 32)), gseed, calls)


# ------------------------------------------------------------------ running
_MKL = None


def mkl_bernoulli():
    """Whether this PyTorch draws ``bernoulli_(p)`` with a number ``p`` from MKL's stream (not
    ``u < p`` over mt19937): x86-64 MKL builds on Intel processors."""
    global _MKL
    if _MKL is None:
        got = torch.empty(64, dtype=torch.float64).bernoulli_(
            0.5, generator=torch.Generator().manual_seed(0)).numpy()
        raw = np.random.RandomState(0).randint(0, 2 ** 32, size=128, dtype=np.uint64)
        u = (((raw[0::2] << np.uint64(32)) | raw[1::2]) & np.uint64(2 ** 53 - 1)) * 2.0 ** -53
        _MKL = not np.array_equal(got, (u < 0.5).astype(np.float64))
    return _MKL


def _loose(name, sp):
    """Calls whose numbers are not PyTorch's on this machine by a documented exception (or by
    nature: ``seed()``): compared by shape and dtype, then the state is carried over;
    ``"close"``: compared to within rounding (``orthogonal_``'s QR, README)."""
    if name == "init" and sp["name"] == "orthogonal_":
        return "close"
    if name == "state":
        return sp["op"] == "seed"
    if not mkl_bernoulli():
        return False
    return bool(scalar_bernoulli(sp) or dropout_bernoulli(sp) or
                name == "bernoulli" and sp["face"] == "p=" and 0 < sp["pf"] < 1)


def _call(lib, fn, sp, g):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fz._timeout(30)
            return _norm(lib, fn(lib, sp, g)), None
        except fz.Hang as e:
            return None, e
        except Exception as e:  # noqa: BLE001 - classified by the caller
            return None, e
        finally:
            fz._cancel()


def _norm(lib, r):
    """A result as plain data: tensors as ``(dtype, shape, strides, array)``."""
    if isinstance(r, (gk.Tensor, torch.Tensor)):
        dt = fz._dname(r.dtype)
        t = r.detach()
        if dt == "bfloat16":
            t = t.float()
        return ("T", dt, tuple(r.shape), tuple(r.stride()), np.array(t.numpy(), copy=True))
    if isinstance(r, (list, tuple)):
        return [_norm(lib, x) for x in r]
    if isinstance(r, (gk.Generator, torch.Generator)):
        return "Generator"
    return r


def _diff(a, b, loose, where="result"):
    """``None`` when gradkit's ``a`` equals torch's ``b`` (bit for bit), else the difference."""
    if isinstance(b, list):
        if not isinstance(a, list) or len(a) != len(b):
            return f"{where}: {_short(a)}, torch {_short(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = _diff(x, y, loose, f"{where}[{i}]")
            if d:
                return d
        return None
    if isinstance(b, tuple) and b and b[0] == "T":
        if not (isinstance(a, tuple) and a and a[0] == "T"):
            return f"{where}: {_short(a)}, torch a tensor"
        if a[1:3] != b[1:3]:
            return f"{where}: {a[1]}{list(a[2])}, torch {b[1]}{list(b[2])}"
        big = [d > 1 for d in b[2]]  # strides of dims of one element say nothing
        if 0 not in b[2] and [s for s, k in zip(a[3], big) if k] != \
                [s for s, k in zip(b[3], big) if k]:
            return f"{where}: strides {a[3]}, torch {b[3]}"
        x, y = a[4], b[4]
        if loose == "close":
            tol = 1e-10 if x.dtype == np.float64 else 1e-5
            return None if np.allclose(x, y, rtol=tol, atol=tol) else \
                f"{where}: beyond rounding, {np.abs(x - y).max()!r}"
        if loose:
            return None
        nan = x.dtype.kind in "fc"
        if not np.array_equal(x, y, equal_nan=nan):
            bad = np.argwhere(~((x == y) | (np.isnan(x) & np.isnan(y)) if nan else x == y))
            k = tuple(bad[0]) if bad.size else ()
            return (f"{where}: {bad.shape[0]} of {x.size} values differ, first at "
                    f"{list(k)}: {x[k]!r}, torch {y[k]!r}")
        return None
    if loose and isinstance(b, (int, float)):
        return None if type(a) is type(b) else f"{where}: {_short(a)}, torch {_short(b)}"
    if type(a) is not type(b) or a != b:
        return f"{where}: {_short(a)}, torch {_short(b)}"
    return None


def _short(v):
    if isinstance(v, tuple) and v and v[0] == "T":
        return f"tensor {v[1]}{list(v[2])}"
    s = repr(v)
    return s if len(s) < 120 else s[:117] + "..."


def _state(gen):
    return np.array(gen.get_state().numpy(), copy=True)


def _state_diff(a, b):
    """The first field where gradkit's state ``a`` and torch's ``b`` differ."""
    if np.array_equal(a, b):
        return None
    if a.size != b.size:
        return f"{a.size} bytes, torch {b.size}"
    fields = [("seed", 0, 8), ("left", 8, 12), ("seeded", 12, 16), ("next", 16, 24),
              ("words", 24, 24 + 8 * 624), ("normal caches", 24 + 8 * 624, a.size)]
    for name, lo, hi in fields:
        if not np.array_equal(a[lo:hi], b[lo:hi]):
            if name in ("left", "next", "seed"):
                fmt = "<i4" if name == "left" else "<u8"
                return f"{name} {a[lo:hi].view(fmt)[0]}, torch {b[lo:hi].view(fmt)[0]}"
            return name
    return None


def _carry(gk_gen, t_gen, to_torch):
    """Set one library's generator to the other's state."""
    if to_torch:
        t_gen.set_state(torch.from_numpy(_state(gk_gen)))
    else:
        gk_gen.set_state(gk.tensor(_state(t_gen)))


def judge(case):
    """``(class, detail)`` of one case (see ``fuzzer.classify`` for the classes)."""
    gk.manual_seed(case.seed)
    torch.manual_seed(case.seed)
    gg = tg = None
    if case.gseed is not None:
        gg = gk.Generator().manual_seed(case.gseed)
        tg = torch.Generator().manual_seed(case.gseed)
    gens = [(gk.default_generator, torch.default_generator, "default generator")]
    if gg is not None:
        gens.append((gg, tg, "generator"))
    raised = False
    for k, (name, sp) in enumerate(case.calls):
        at = f"call {k} ({name})"
        if name == "state" and sp["op"] == "transfer":
            # a state saved in one library restored in the other, mid-stream
            for a, b, _ in gens:
                _carry(a, b, to_torch=bool(k % 2))
            continue
        run = CALLS[name][1]
        t, te = _call(torch, run, sp, tg)
        r, ge = _call(gk, run, sp, gg)
        if isinstance(ge, fz.Hang):
            return "crash", f"{at}: {ge}"
        if ge is not None and isinstance(ge, fz.CRASH_TYPES):
            return "crash", f"{at}: {type(ge).__name__}: {ge}"
        if ge is not None and fz.is_raw(ge):
            same = te is not None and isinstance(ge, fz._std_type(te))
            if not same or fz._RAW_RE.search(str(ge)) or isinstance(ge, fz.RAW_TYPES) \
                    and not fz.raised_on_purpose(ge):
                return "raw", f"{at}: {type(ge).__name__}: {ge} (at {fz._origin(ge)})"
        if te is not None and ge is not None:
            if not isinstance(ge, fz._std_type(te)):
                return "wrong-error-type", (f"{at}: {type(ge).__name__}: {fz._first_line(ge)}"
                                            f" -- torch {type(te).__name__}: "
                                            f"{fz._first_line(te)}")
            raised = True
        elif te is not None:
            return "accepted-invalid", f"{at}: torch {type(te).__name__}: {fz._first_line(te)}"
        elif ge is not None:
            return "missing", f"{at}: {type(ge).__name__}: {fz._first_line(ge)}"
        else:
            loose = _loose(name, sp)
            d = _diff(r, t, loose)
            if d:
                return "wrong", f"{at}: {d}"
            if loose is True:
                for a, b, _ in gens:
                    _carry(a, b, to_torch=False)
        for a, b, which in gens:
            d = _state_diff(_state(a), _state(b))
            if d:
                return "wrong", f"{at}: {which}'s state after the call differs: {d}"
    return ("both-raise" if raised else "match"), ""


# ------------------------------------------------------------------ allow-list
# deliberate, documented differences, each with its reason: (predicate(case, class, detail),
# reason)
ALLOW = []


def diverged_call(detail):
    """The name of the call a finding's ``detail`` names (``"call 2 (randperm): ..."``)."""
    m = re.match(r"call \d+ \((\w+)\)", detail or "")
    return m.group(1) if m else None


def allowed(case, cls, detail):
    for pred, why in ALLOW:
        if pred(case, cls, detail):
            return why
    return None


def run(seed, n, start=0, progress=False):
    """Cases ``start .. start+n`` of ``seed``: ``(Counter of classes, findings)``."""
    return fz.run_cases(make_case, judge, allowed, seed, n, start, progress, every=200)


def main(argv=None):
    import argparse
    warnings.simplefilter("ignore")

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=int(os.environ.get("GRADKIT_RNG_FUZZ_SEED", 0)))
    p.add_argument("--cases", type=int, default=int(os.environ.get("GRADKIT_RNG_FUZZ_CASES",
                                                                   500)))
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--case", type=int, default=None, help="run one case and show it")
    p.add_argument("--show", default="wrong,raw,crash,accepted-invalid,wrong-error-type,missing",
                   help="classes whose cases are listed")
    a = p.parse_args(argv)
    if a.case is not None:
        case = make_case(a.seed, a.case)
        print(case)
        cls, detail = judge(case)
        why = allowed(case, cls, detail) if cls in fz.FAILING or cls == "missing" else None
        print(cls, detail, f"(allowed: {why})" if why else "")
        return 0
    counts, findings = run(a.seed, a.cases, a.start, progress=True)
    # (by the call that diverged, as the CI test's open list, not the sequence's first call)
    return fz.print_report(counts, findings, a.show, "call",
                           lambda c, d: diverged_call(d) or c.name)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))
    sys.exit(main())
