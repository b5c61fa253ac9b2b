"""Random number generation: ``manual_seed``, ``Generator``, and the default generator.

gradkit's generator is PyTorch's CPU generator: a Mersenne Twister (mt19937) seeded with
``init_genrand(seed & 0xFFFFFFFF)``, the engine and seeding of NumPy's legacy ``RandomState``.
The 32-bit words come from NumPy's ``MT19937`` (vectorised, in C) after its state is set from the
624-word key; every distribution below transforms those words as PyTorch's ATen kernels do, so
``manual_seed(s)`` followed by ``rand``/``randn``/``randint``/``randperm``/``bernoulli``/dropout/
``nn.init``/sampler orders gives PyTorch's numbers (see README, "Where gradkit differs", for the
few streams that agree only to within rounding).

``get_rng_state``/``set_rng_state`` use PyTorch's CPU state layout (5056 bytes: initial seed,
``left``, ``seeded``, ``next``, the 624 words as 64-bit integers, the cached normal sample), so a
state saved by ``torch.get_rng_state()`` restores here and the reverse.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading

import numpy as np

from ._fma import fma32 as _fma32
from ._fma import fma64 as _fma64
from ._stride_order import insertion_order

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "fork_rng"]

_N = 624
_DEFAULT_SEED = 67280421310721  # PyTorch's seed of a new ``torch.Generator()``
_STATE_BYTES = 5056            # sizeof(CPUGeneratorImplState)
_LEGACY_STATE_BYTES = 5048     # sizeof(CPUGeneratorImplStateLegacy): no float normal cache
_U32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)


def _os_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


def _check_seed(seed) -> int:
    seed = int(seed)
    if seed >= 2 ** 64 or seed < -(2 ** 63):
        raise ValueError("Overflow when unpacking long long")
    return seed % 2 ** 64  # PyTorch keeps a negative seed as its two's complement


def _init_key(seed32: int) -> np.ndarray:
    """mt19937's ``init_genrand``: NumPy's legacy seeding of ``RandomState`` is the same."""
    return np.random.RandomState(seed32).get_state()[1]


class Generator:
    """A seeded random stream, PyTorch's CPU ``torch.Generator``.

    A new generator has PyTorch's default seed (67280421310721); ``manual_seed`` returns the
    generator, so ``Generator().manual_seed(s)`` reads as in PyTorch.

    Examples:
        >>> g = gradkit.Generator().manual_seed(0)
        >>> gradkit.randn(3, generator=g)   # torch.randn(3, generator=...) with seed 0
    """

    def __init__(self, device="cpu"):
        from .device import Device

        self.device = Device(device)  # a torch.device, as PyTorch's (``g.device.type``)
        self._bg = np.random.MT19937(0)
        self.manual_seed(_DEFAULT_SEED)

    # -- seeding ------------------------------------------------------------------------------
    def manual_seed(self, seed) -> "Generator":
        seed = _check_seed(seed)
        self._seed = seed
        self._normal_double = None  # Box-Muller's cached second sample (normal, < 16 values)
        self._normal_float = None
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": _init_key(seed & 0xFFFFFFFF), "pos": _N}}
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the seed."""
        s = _os_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    # -- raw words ----------------------------------------------------------------------------
    def _u32(self, n: int) -> np.ndarray:
        """``n`` 32-bit draws (PyTorch's ``random()``) as uint64."""
        return self._bg.random_raw(n)

    def _u64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws (PyTorch's ``random64()``: the first word is the high half)."""
        r = self._bg.random_raw(2 * n)
        return (r[0::2] << _SHIFT32) | r[1::2]

    # -- state ----------------------------------------------------------------------------------
    def get_state(self):
        """The state as a ``uint8`` tensor in PyTorch's CPU layout (5056 bytes)."""
        from ._tensor.tensor import wrap

        return wrap(self._state_bytes())

    def _state_bytes(self) -> np.ndarray:
        st = self._bg.state["state"]
        key, pos = np.asarray(st["key"], dtype=np.uint64), int(st["pos"])
        if pos >= _N:
            # just seeded (untwisted key: word 1 is init_genrand's function of word 0) or a
            # block used up; PyTorch writes next=0 for the first, next=624 for the second
            k0 = int(key[0])
            fresh = int(key[1]) == (1812433253 * (k0 ^ (k0 >> 30)) + 1) & 0xFFFFFFFF
            left, nxt = 1, (0 if fresh else _N)
        else:
            left, nxt = _N + 1 - pos, pos
        out = np.zeros(_STATE_BYTES, dtype=np.uint8)
        out[0:8] = np.array([self._seed], "<u8").view(np.uint8)
        out[8:16] = np.array([left, 1], "<i4").view(np.uint8)
        out[16:24] = np.array([nxt], "<u8").view(np.uint8)
        out[24:24 + 8 * _N] = key.astype("<u8").view(np.uint8)
        tail = 24 + 8 * _N
        if self._normal_double is not None:
            out[tail + 8:tail + 16] = np.array([self._normal_double], "<f8").view(np.uint8)
            out[tail + 24:tail + 28] = np.array([1], "<i4").view(np.uint8)
        if self._normal_float is not None:
            out[tail + 32:tail + 36] = np.array([self._normal_float], "<f4").view(np.uint8)
            out[tail + 36] = 1
        return out

    def set_state(self, new_state) -> "Generator":
        """Restore a state from :meth:`get_state` or from PyTorch's ``get_rng_state()``."""
        raw = _state_array(new_state)
        if raw.size not in (_STATE_BYTES, _LEGACY_STATE_BYTES):
            raise RuntimeError(
                f"Expected either a CPUGeneratorImplStateLegacy of size {_LEGACY_STATE_BYTES} or "
                f"a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG state "
                f"size to be {raw.size}")
        seed = int(raw[0:8].view("<u8")[0])
        left, seeded = (int(v) for v in raw[8:16].view("<i4"))
        nxt = int(raw[16:24].view("<u8")[0])
        key = raw[24:24 + 8 * _N].view("<u8")
        if not (seeded == 1 and 0 < left <= _N and nxt <= _N) or (key > 0xFFFFFFFF).any():
            raise RuntimeError("Expected a valid RNG state: left, next or the words are out "
                               "of range (was it saved by get_rng_state?)")
        tail = 24 + 8 * _N
        normal_double = None
        if int(raw[tail + 24:tail + 28].view("<i4")[0]):
            normal_double = float(raw[tail + 8:tail + 16].view("<f8")[0])
        normal_float = None
        if raw.size == _STATE_BYTES and raw[tail + 36]:
            normal_float = float(raw[tail + 32:tail + 36].view("<f4")[0])
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": key.astype(np.uint32),
                                    "pos": _N if left == 1 else nxt}}
        self._seed = seed
        self._normal_double, self._normal_float = normal_double, normal_float
        return self

    def __reduce__(self):
        # PyTorch's form, ``Generator(device)`` given ``(initial_seed, offset, get_state())``,
        # which PyTorch reads too (under gradkit run, where this class is torch.Generator)
        return type(self), (str(self.device),), (self._seed, None, self.get_state())

    def __setstate__(self, state):
        """Unpickling: PyTorch's pickle, ``(initial_seed, offset, get_state())``, or an older
        gradkit's (the attribute dict)."""
        if isinstance(state, dict):
            self.__dict__.update(state)
            return
        if not (isinstance(state, tuple) and len(state) == 3):
            raise TypeError(f"Generator.__setstate__: expected PyTorch's (seed, offset, state) "
                            f"or gradkit's attribute dict, got {type(state).__name__}")
        self.set_state(state[2])

    def __repr__(self):
        from ._dtype import _NAMESPACE  # ("torch" under ``gradkit run``)

        return f"<{_NAMESPACE[0]}._C.Generator object at {id(self):#x}>"


def _state_array(state) -> np.ndarray:
    if isinstance(state, dict):
        raise TypeError(
            "set_state: this is a random state of gradkit before version 0.2 (NumPy PCG64, a "
            "dict); gradkit's generator is now PyTorch's mt19937 and that stream cannot be "
            "continued. Pass a uint8 tensor from get_rng_state() (gradkit's or PyTorch's)")
    if isinstance(state, (bytes, bytearray)):
        return np.frombuffer(bytes(state), dtype=np.uint8)
    data = getattr(state, "_data", None)  # a gradkit Tensor
    if data is None and hasattr(state, "numpy"):  # a torch tensor
        data = state.detach().cpu().numpy() if hasattr(state, "detach") else state.numpy()
    if data is None:
        data = state
    arr = np.asarray(data)
    if arr.dtype != np.uint8:
        raise TypeError(f"RNG state must be a torch.ByteTensor (uint8), got dtype {arr.dtype}")
    return np.ascontiguousarray(arr.reshape(-1))


default_generator = Generator()
default_generator.manual_seed(_os_seed())  # as PyTorch: unseeded programs differ run to run


# A DataLoader worker thread draws from its own default generator, seeded ``base_seed +
# worker_id`` as PyTorch seeds a worker process's: its augmentations are PyTorch's and leave the
# main program's stream alone. Elsewhere the thread-local is unset and the global one is used.
_thread = threading.local()


def _default() -> Generator:
    return getattr(_thread, "generator", None) or default_generator


def _set_thread_default(generator: Generator | None) -> None:
    """Make ``generator`` the calling thread's default generator (``None``: the global one)."""
    _thread.generator = generator


def _gen(generator=None) -> Generator:
    if generator is None:
        return getattr(_thread, "generator", None) or default_generator
    if not isinstance(generator, Generator):  # PyTorch's argument parser refuses it
        raise TypeError(f"argument 'generator' must be a gradkit.Generator (or None), not "
                        f"{type(generator).__name__}; make one with gradkit.Generator()")
    return generator


def manual_seed(seed) -> Generator:
    """Seed the default generator (and return it), as ``torch.manual_seed``."""
    return _default().manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system; returns the seed."""
    return _default().seed()


def initial_seed() -> int:
    return _default().initial_seed()


def get_rng_state():
    """The default generator's state: a ``uint8`` tensor in PyTorch's CPU layout."""
    return _default().get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator from :func:`get_rng_state` (gradkit's or PyTorch's)."""
    _default().set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda"):
    """Within the block, draws from the default generator do not change its state afterwards
    (it is saved on entry and restored on exit), as ``torch.random.fork_rng``; ``devices`` and
    ``device_type`` name GPU generators, which gradkit's CPU generator does not involve."""
    if not enabled:
        yield
        return
    gen = _default()
    state = gen.get_state()
    try:
        yield
    finally:
        gen.set_state(state)


# -- the distributions: PyTorch's CPU kernels over the raw words ------------------------------
# Each returns a NumPy array of ``numel`` values in draw order (reshape is the caller's);
# ``dt`` is np.float32 or np.float64.

_F24 = np.float32(2.0 ** -24)
_F53 = 2.0 ** -53
_M24 = np.uint64((1 << 24) - 1)
_M53 = np.uint64((1 << 53) - 1)


def _unit(g: Generator, n: int, dt) -> np.ndarray:
    """``uniform_real_distribution(0, 1)``: 24 bits of a 32-bit word for float32 (and half
    types), 53 bits of a 64-bit draw for float64."""
    if dt == np.float64:
        return (g._u64(n) & _M53).astype(np.float64) * _F53
    return (g._u32(n) & _M24).astype(np.float32) * _F24


def uniform(g: Generator, n: int, dt, a=0.0, b=1.0) -> np.ndarray:
    """``uniform_(a, b)``: ``x * (b - a) + a`` in the dtype's precision (float32 for float32 and
    half types), a result equal to ``b`` replaced by ``a``."""
    dt = np.dtype(dt)
    wdt = np.float64 if dt == np.float64 else np.float32
    x = _unit(g, n, wdt)
    if a == 0.0 and b == 1.0 and dt == wdt:
        return x
    lo, hi = wdt(a), wdt(b)
    # x * (b - a) + a, a multiply-add that GCC fuses into one FMA in PyTorch's kernel
    out = _fma32(x, hi - lo, np.float64(lo)) if wdt == np.float32 else _fma64(x, hi - lo, lo)
    if dt != wdt:
        out = out.astype(dt)
    out[out == dt.type(b)] = dt.type(a)
    return out


# float32 Box-Muller as PyTorch's AVX2 kernel computes it (x86-64 builds with AVX2 or AVX-512
# use it for normal_): Cephes' float32 log and sincos polynomials, with the multiply-adds that
# GCC fuses into FMA instructions fused here too (an exact float32 FMA: the product is exact in
# float64, the sum rounded once there and once to float32, which differs from one rounding only
# in about one case in 2**29).
_F = np.float32
_LOG_P = tuple(_F(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                               -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                               2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))


def _log32(x):
    bits = x.view(np.int32)
    e = ((bits >> 23) - 127).astype(_F) + _F(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F)  # mantissa in [0.5, 1)
    small = m < _F(0.707106781186547524)
    x = m - _F(1)
    e = e - small.astype(_F)
    x = x + np.where(small, m, _F(0))
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = _fma32(y, x, p)
    y = _fma32(y * x, z, e * _F(-2.12194440e-4))
    y = _fma32(-z, _F(0.5), y)
    return _fma32(e, _F(0.693359375), x + y)


def _sincos32(x):
    """sin and cos of ``x >= 0``."""
    j = (x * _F(1.27323954473516)).astype(np.int32)  # 4 / pi
    j = (j + 1) & ~1
    y = j.astype(_F)
    sin_sign = (j & 4) << 29
    cos_sign = (~(j - 2) & 4) << 29
    sin_poly = (j & 2) == 0
    x = _fma32(y, _F(-0.78515625), x)
    x = _fma32(y, _F(-2.4187564849853515625e-4), x)
    x = _fma32(y, _F(-3.77489497744594108e-8), x)
    z = x * x
    yc = _fma32(_fma32(_F(2.443315711809948e-5), z, _F(-1.388731625493765e-3)), z,
                _F(4.166664568298827e-2)) * z
    yc = _fma32(yc, z, -(z * _F(0.5))) + _F(1)
    ys = _fma32(_fma32(_F(-1.9515295891e-4), z, _F(8.3321608736e-3)), z,
                _F(-1.6666654611e-1)) * z
    ys = _fma32(ys, x, x)
    s = np.where(sin_poly, ys, yc).view(np.int32) ^ sin_sign
    c = np.where(sin_poly, yc, ys).view(np.int32) ^ cos_sign
    return s.view(_F), c.view(_F)


def _vmap(fn, a: np.ndarray) -> np.ndarray:
    """``fn`` (a ``math`` function: the C library's, as PyTorch's scalar kernels call) over
    ``a``; NumPy's own SIMD ``log``/``log1p`` differ from it in the last bit."""
    return np.fromiter(map(fn, a.ravel().tolist()), dtype=np.float64,
                       count=a.size).reshape(a.shape)


_BLOCK_ROWS = 4096  # rows of 16 per block: the ~30 temporaries of a block stay in cache


def _box_muller_16(u: np.ndarray, dt, mean, std) -> np.ndarray:
    """PyTorch's ``normal_fill_16`` over rows of 16 uniforms: radius from the first 8
    (``1 - u``), angle from the last 8, ``fma(radius * cos, std, mean)``. Large inputs go in
    blocks (3.4x faster for 4M float32 values than one pass; the same bits)."""
    u = u.reshape(-1, 16)
    if u.shape[0] > _BLOCK_ROWS:
        out = np.empty(u.shape, dtype=dt)
        for i in range(0, u.shape[0], _BLOCK_ROWS):
            out[i:i + _BLOCK_ROWS] = _box_muller_rows(u[i:i + _BLOCK_ROWS], dt, mean, std)
        return out
    return _box_muller_rows(u, dt, mean, std)


def _box_muller_rows(u: np.ndarray, dt, mean, std) -> np.ndarray:
    if dt == np.float64:
        radius = np.sqrt(-2.0 * _vmap(math.log, 1.0 - u[:, :8]))
        theta = (2.0 * math.pi) * u[:, 8:]
        out = np.concatenate([radius * _vmap(math.cos, theta),
                              radius * _vmap(math.sin, theta)], axis=1)
        return _fma64(out, std, mean) if (std, mean) != (1.0, 0.0) else out
    radius = np.sqrt(_F(-2) * _log32(_F(1) - u[:, :8]))
    s, c = _sincos32(_F(2.0 * math.pi) * u[:, 8:])
    out = np.concatenate([radius * c, radius * s], axis=1)
    if (std, mean) == (1.0, 0.0):
        return out
    return _fma32(out, _F(std), np.float64(_F(mean)))


def normal(g: Generator, n: int, dt, mean=0.0, std=1.0) -> np.ndarray:
    """``normal_(mean, std)`` of a contiguous tensor of ``n`` elements: Box-Muller over blocks
    of 16 uniforms from 16 values on (the last block redrawn when ``n % 16``), one pair at a
    time below."""
    dt = np.dtype(dt)
    wdt = np.float64 if dt == np.float64 else np.float32
    if n >= 16:
        full = n - n % 16
        # float16/bfloat16: PyTorch converts block by block through a float buffer and
        # draws only the whole blocks' uniforms before the last block's 16
        u = _unit(g, n if dt == wdt else full, wdt)
        out = np.empty(n, dtype=wdt)
        out[:full] = _box_muller_16(u[:full], wdt, mean, std).reshape(-1)
        if n % 16:  # the last 16 values again from 16 fresh uniforms
            out[n - 16:] = _box_muller_16(_unit(g, 16, wdt), wdt, mean, std).reshape(-1)
        return out if dt == wdt else out.astype(dt)
    return normal_serial(g, n, mean, std).astype(dt)


def normal_serial(g: Generator, n: int, mean=0.0, std=1.0) -> np.ndarray:
    """PyTorch's scalar ``normal_distribution<double>``: one Box-Muller pair per two values
    (the sine half cached in the generator for the next call), ``value * std + mean``."""
    out = np.empty(n, dtype=np.float64)
    i = 0
    if n and g._normal_double is not None:
        out[0] = g._normal_double
        g._normal_double = None
        i = 1
    pairs = (n - i + 1) // 2
    if pairs:
        u = (g._u64(2 * pairs) & _M53).astype(np.float64) * _F53
        r = np.sqrt(-2.0 * _vmap(math.log1p, -u[1::2]))
        theta = 2.0 * math.pi * u[0::2]
        vals = np.empty(2 * pairs)
        vals[0::2] = r * _vmap(math.cos, theta)
        vals[1::2] = r * _vmap(math.sin, theta)
        take = n - i
        out[i:] = vals[:take]
        if take < 2 * pairs:
            g._normal_double = float(vals[-1])
    return out if (std, mean) == (1.0, 0.0) else _fma64(out, float(std), float(mean))


def random_from_to(g: Generator, n: int, low: int, high: int) -> np.ndarray:
    """``randint(low, high)``/``random_(low, high)``: a draw modulo ``high - low`` plus ``low``
    (wrapping as 64-bit integers); 32-bit draws while the range is below 2**28, 64-bit draws
    above, as int64. ``high - low`` may be up to 2**64 - 1 (bounds from :func:`int_range`)."""
    rng = int(high) - int(low)
    words = g._u32(n) if rng < (1 << 28) else g._u64(n)
    return ((words % np.uint64(rng)) + np.uint64(int(low) % 2 ** 64)).astype(np.int64)


_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
              "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}
_I64 = 2 ** 63


def _through(v: int, name: str) -> int:
    """``static_cast<int64_t>(static_cast<scalar_t>(v))`` for a floating dtype ``name``: ``v``
    rounded to the nearest value of the dtype (through float32 for the half types, as C++
    converts them), back as an int64 (x86's INT64_MIN where it does not fit); ``v`` wraps as
    a 64-bit integer first (``from + 1`` of ``from = 2**63 - 1``)."""
    v = (int(v) + _I64) % (2 * _I64) - _I64
    if name == "float64":
        f = float(np.array([v], np.int64).astype(np.float64)[0])
    else:
        f32 = np.array([v], np.int64).astype(np.float32)
        if name == "float16":
            f32 = f32.astype(np.float16).astype(np.float32)
        elif name == "bfloat16":  # round to nearest even on the upper 16 bits
            b = f32.view(np.uint32).astype(np.uint64)
            b = ((b + ((b >> np.uint64(16)) & np.uint64(1)) + np.uint64(0x7FFF))
                 & np.uint64(0xFFFF0000)).astype(np.uint32)
            f32 = b.view(np.float32)
        f = float(f32[0])
    return int(f) if -_I64 <= f < _I64 else -_I64


def _floor_log2(v: int) -> int:
    return max(abs(v).bit_length() - 1, 0)


def int_range(op: str, dtype, low, high=None, *, open_high: bool = True):
    """PyTorch's bounds of ``random_(from, to)`` (``randint``'s too) for a tensor of ``dtype``
    (a NumPy or gradkit dtype): ``(low, high)`` with ``[low, high)`` the values drawn (``high``
    may be 2**63), after the checks and the adjustments PyTorch makes for floating dtypes
    (bounds that round past themselves are moved one step of the dtype inwards). ``high=None``
    with ``open_high=False`` is ``random_(from, None)``: up to the dtype's largest value
    (2**mantissa bits for floats). Returns ``None`` for ``random_(-2**63, None)``, PyTorch's
    full 64-bit range."""
    name = np.dtype(getattr(dtype, "dtype", dtype)).name if not hasattr(dtype, "name") \
        else dtype.name
    low = int(low)
    for what, v in (("from", low), ("to", high)):
        if v is not None and not -_I64 <= int(v) < _I64:
            raise ValueError(f"{op}: '{what}'={int(v)} does not fit in a 64-bit integer "
                             f"(Overflow when unpacking long long); pass bounds between "
                             f"-2**63 and 2**63 - 1")
    floating = name in _DIGITS
    if not floating and name != "bool" and not name.startswith(("int", "uint")):
        if low == -_I64 and high is None:  # (PyTorch's full-range kernel refuses it first)
            raise NotImplementedError(f'"random_full_64_bits_range_kernel_cpu" not implemented '
                                      f"for {name}; {op}: draw a real dtype and convert")
        raise RuntimeError(f"{op} handles only integral, floating-point and boolean types, "
                           f"got {name}; draw a real dtype and convert")
    digits = _DIGITS.get(name)

    def update_from(f):
        f1 = _through(f + 1, name)
        if f1 < f:
            f = f1 + (1 << (_floor_log2(f + 1) - digits + 1))
        return f

    if high is not None:
        high = int(high)
        if low >= high:
            raise RuntimeError(f"{op} expects 'from' to be less than 'to', but got from={low} "
                               f">= to={high}")
        if floating:
            low = update_from(low)
            t1 = _through(high - 1, name)
            if t1 >= high:
                high = t1 - (1 << (_floor_log2(high - 1) - digits + 1))
            if low >= high:
                raise RuntimeError(f"{op} expects 'from' casted to {name} to be less than 'to' "
                                   f"casted to {name}, but got from={low} >= to={high}")
        top = high - 1
    elif low == -_I64:
        return None
    else:
        if floating:
            top = min(1 << digits, _I64 - 1)
            low = update_from(low)
            if low >= top:
                raise RuntimeError(f"{op} expects 'from' casted to {name} to be less than or "
                                   f"equal to 'to_inc' casted to {name}, but got from={low} > "
                                   f"to_inc={top}")
        else:
            top = 1 if name == "bool" else int(np.iinfo(name).max)
    if floating:
        lo_lim, hi_lim = -_FLOAT_MAX[name], _FLOAT_MAX[name]
    elif name == "bool":
        lo_lim, hi_lim = 0, 1
    else:
        lo_lim, hi_lim = int(np.iinfo(name).min), int(np.iinfo(name).max)
    for what, v in (("from", low), ("to - 1", top)):
        if not lo_lim <= v <= hi_lim:
            raise RuntimeError(f"{op}: {what}={v} is out of bounds for {name} (its values "
                               f"are {lo_lim:g} to {hi_lim:g}); pass bounds the dtype holds")
    return low, top + 1


def random_full64(g: Generator, n: int, dtype) -> np.ndarray:
    """``random_(-2**63, None)``: whole 64-bit draws as int64 (int64, float64, float32 and
    bfloat16 targets only, as PyTorch's kernel)."""
    name = getattr(dtype, "name", None) or np.dtype(dtype).name
    if name not in ("int64", "float64", "float32", "bfloat16"):
        # (PyTorch's dispatch refuses float16 with NotImplementedError, its kernel the
        # narrower integers and bool with RuntimeError)
        exc = NotImplementedError if name == "float16" else RuntimeError
        raise exc(f'"random_full_64_bits_range_kernel_cpu" not implemented for {name}: '
                  f"random_ over the full 64-bit range (from=-2**63, to=None) fills int64, "
                  f"float64, float32 and bfloat16 tensors only")
    return g._u64(n).astype(np.int64)


def random_full(g: Generator, n: int, dt) -> np.ndarray:
    """``random_()`` without bounds: 64-bit draws for int64/float64, 32-bit ones otherwise,
    modulo the dtype's largest exactly representable range."""
    dt = np.dtype(dt)
    if dt == np.bool_:
        return (g._u32(n) & np.uint64(1)).astype(np.bool_)
    if dt == np.float64:
        return (g._u64(n) % np.uint64(2 ** 53 + 1)).astype(np.float64)
    if dt == np.float32:
        return (g._u32(n) % np.uint64(2 ** 24 + 1)).astype(np.float32)
    if dt == np.float16:
        return (g._u32(n) % np.uint64(2 ** 11 + 1)).astype(np.float16)
    if dt.name == "bfloat16":
        return (g._u32(n) % np.uint64(2 ** 8 + 1)).astype(np.float32)
    if dt == np.int64:
        return (g._u64(n) % np.uint64(2 ** 63)).astype(np.int64)
    info = np.iinfo(dt)
    return (g._u32(n) % np.uint64(int(info.max) + 1)).astype(dt)


def randperm_fits(n: int, dt) -> None:
    """PyTorch's checks that ``0 .. n-1`` are exact in the result's dtype."""
    name = dt.name
    if name.startswith(("int", "uint")) and n - 1 > int(np.iinfo(name).max):
        raise RuntimeError(f"randperm: n={n} in {name}: value cannot be converted to type "
                           f"{name} without overflow (its largest value is "
                           f"{int(np.iinfo(name).max)}); use a wider dtype such as int64")
    limit = {"float16": 2049, "float32": 2 ** 24 + 1, "float64": 2 ** 53 + 1}.get(name)
    if limit is not None and n > limit:
        title = {"float16": "Half", "float32": "Float", "float64": "Double"}[name]
        raise RuntimeError(f"n cannot be greater than {limit} for {title} type. (randperm "
                           f"holds 0 .. n-1 exactly only up to that; use int64)")


def randperm(g: Generator, n: int) -> np.ndarray:
    """PyTorch's shuffle: for ``i < n - 1`` swap ``i`` with ``i + random() % (n - i)``."""
    n = int(n)
    if n >= 0xFFFFFFFF // 20:
        # PyTorch's inside-out variant with 64-bit draws for huge n
        z = (g._u64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        r = [0] * n
        for i in range(n):
            j = z[i]
            r[i] = r[j]
            r[j] = i
        return np.asarray(r, dtype=np.int64)
    perm = list(range(n))
    if n > 1:
        z = (g._u32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        for i, k in enumerate(z):
            j = i + k
            perm[i], perm[j] = perm[j], perm[i]
    return np.asarray(perm, dtype=np.int64)


def _dense_order(shape, strides) -> list:
    """The dims outermost first in the order PyTorch's ``empty_like`` lays out a copy of a
    tensor (its ``infer_dense_strides``): an insertion sort from the innermost dim by stride,
    where a stride 0 (an expanded dim) or a size-1 dim compares as undecided and keeps its
    place, so an ``expand``ed row-major tensor stays row-major."""
    perm = list(range(len(shape)))[::-1]  # innermost first

    def cmp(a, b):
        sa, sb = abs(strides[a]), abs(strides[b])
        if sa == 0 or sb == 0 or shape[a] == 1 or shape[b] == 1:
            return 0
        return (sa > sb) - (sa < sb) or (1 if shape[a] > shape[b] else 0)

    return insertion_order(perm, cmp)[::-1]


def in_memory_order(flat: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``flat`` (``like.size`` values in draw order) shaped as ``like``, the values placed in
    ``like``'s memory order: PyTorch's CPU kernels fill a tensor in the order of its strides
    (a transposed tensor column by column), not in index order."""
    flat = np.asarray(flat).reshape(-1)
    if like.ndim < 2 or like.flags.c_contiguous:
        return flat.reshape(like.shape)
    order = _dense_order(like.shape, like.strides)
    inverse = [order.index(d) for d in range(like.ndim)]
    return flat.reshape([like.shape[d] for d in order]).transpose(inverse)


def bernoulli_scalar(g: Generator, n: int, p: float) -> np.ndarray:
    """``bernoulli_(p)`` with a number ``p`` (dropout's path): ``u < p`` with 53-bit uniforms.

    PyTorch's MKL builds on Intel processors draw this one from MKL's own stream instead (see
    README, "Where gradkit differs")."""
    return (g._u64(n) & _M53).astype(np.float64) * _F53 < p


def bernoulli_tensor(g: Generator, p: np.ndarray) -> np.ndarray:
    """``bernoulli(p)`` with a tensor ``p``: ``u < p`` per element, ``u`` 53-bit for float64
    ``p`` and 24-bit otherwise."""
    if p.dtype == np.float64:
        return _unit(g, p.size, np.float64).reshape(p.shape) < p
    return _unit(g, p.size, np.float32).reshape(p.shape) < p.astype(np.float32)


def exponential(g: Generator, n: int, lambd: float = 1.0) -> np.ndarray:
    """``exponential_(lambd)``: ``-1/lambd * log1p(-u)`` with 53-bit uniforms, in float64."""
    u = _unit(g, n, np.float64)
    return (-1.0 / lambd) * _vmap(math.log1p, -u)


def geometric(g: Generator, n: int, p: float) -> np.ndarray:
    """``geometric_(p)``: ``ceil(log(u) / log1p(-p))`` with 53-bit uniforms."""
    u = _unit(g, n, np.float64)
    with np.errstate(divide="ignore"):
        return np.ceil(_vmap(_log_or_ninf, u) / math.log1p(-p))


def _log_or_ninf(x):
    return math.log(x) if x > 0 else -math.inf


def cauchy(g: Generator, n: int, median: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``."""
    u = _unit(g, n, np.float64)
    return median + sigma * _vmap(math.tan, math.pi * (u - 0.5))


def log_normal(g: Generator, n: int, mean: float = 1.0, std: float = 2.0) -> np.ndarray:
    """``log_normal_(mean, std)``: ``exp`` of the scalar normal stream."""
    return _vmap(_exp_or_inf, normal_serial(g, n, mean, std))


def _exp_or_inf(x):
    """``math.exp``, inf past float64's range (as C's ``exp``; Python's raises OverflowError)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def dropout_mask(g: Generator, shape, p: float, dt, like=None) -> np.ndarray:
    """PyTorch's dropout noise: ``bernoulli_(1 - p)`` divided by ``1 - p`` in the dtype. The
    noise is ``empty_like(like)`` when ``like`` (the input's array) is given: in the order of
    the input's strides, so its draws land in the input's memory order."""
    dt = np.dtype(dt)
    n = int(np.prod(shape, dtype=np.int64))
    keep = bernoulli_scalar(g, n, 1.0 - p).reshape(shape)
    if isinstance(like, np.ndarray) and like.shape == tuple(shape):
        keep = in_memory_order(keep, like)
    return keep.astype(dt) / dt.type(1.0 - p)
