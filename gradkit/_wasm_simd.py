"""A WebAssembly SIMD kernel for float32 matrix products, for Pyodide (no BLAS, no SIMD in NumPy).

Pyodide's NumPy is built without BLAS and without WebAssembly SIMD: its best loops (einsum's)
make about one multiply-add per cycle, 0.35-0.45 ns each. The browsers and Node that run Pyodide
do run WebAssembly's 128-bit SIMD, so this module writes out (as bytes, from the encoder below:
no compiler, nothing fetched) a small WebAssembly module with one function,

    gk_matmul_f32(a, b, c, M, K, N)    # c[M, N] = a[M, K] @ b[K, N], row-major float32

and loads it into Pyodide's own memory as a side module (Pyodide's dynamic linker, the one
that loads NumPy's extension modules), so that it reads and writes NumPy's arrays in place by
their addresses. Each row of ``c`` is computed 16 columns at a time in four ``f32x4``
accumulators (four independent chains of multiply and add), over ``k`` in order: each element
is ``sum_k a[i, k] * b[k, j]`` summed in the same order as einsum's loop, rounded the same way
(multiply, then add: no fused multiply-add); the last ``N % 4`` columns of a row are summed
one at a time in scalar float32, in the same order.

In Pyodide 0.27.7 under Node (Intel Xeon): (64, 64) @ (64, 64) takes 22 us against 85 us for
einsum's best loop order, (512, 128) @ (128, 16) 64 against 360 us; a call costs about 6 us
with the operands' addresses (an ``__array_interface__`` look-up each), well under 1 us with
the array objects (``gk_matmul_f32_obj``, below), so ``gradkit._noblas`` keeps NumPy for small
products. The same module holds Adam's flat update, ReLU's forward and backward and the
product with a Linear layer's bias added (``gk_adam_f32_*``, ``gk_relu_*``,
``gk_matmul_bias_f32_obj``), each the NumPy path's operations in its order.

``load()`` returns the kernel as a callable, or None where anything is missing (not Pyodide,
no SIMD in the engine, a Pyodide without its dynamic linker): the caller then keeps NumPy's
loops. It checks the kernel on a small product before handing it out.
"""

from __future__ import annotations

import os
import sys

import numpy as np

__all__ = ["load", "load_adam", "load_bias", "load_by_object", "load_relu",
           "module_bytes"]


# ------------------------------------------------------------------------- a tiny encoder
def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _vec(items) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def _name(s: str) -> bytes:
    return _uleb(len(s)) + s.encode()


def _section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + _uleb(len(payload)) + payload


_I32, _F32, _V128 = 0x7F, 0x7D, 0x7B


def _get(i):
    return b"\x20" + _uleb(i)


def _set(i):
    return b"\x21" + _uleb(i)


def _const(v):
    return b"\x41" + _sleb(v)


_ADD, _SUB, _MUL, _EQZ, _GT_U, _GE_U = b"\x6a", b"\x6b", b"\x6c", b"\x45", b"\x4b", b"\x4f"
_BLOCK, _LOOP, _END = b"\x02\x40", b"\x03\x40", b"\x0b"


def _br(depth):
    return b"\x0c" + _uleb(depth)


def _br_if(depth):
    return b"\x0d" + _uleb(depth)


def _simd(op):
    return b"\xfd" + _uleb(op)


def _f32_load():
    return b"\x2a" + _uleb(2) + _uleb(0)  # align 4 bytes, offset 0


def _v_load(offset):
    return _simd(0x00) + _uleb(4) + _uleb(offset)  # v128.load, align 16 (a hint only)


def _v_store(offset):
    return _simd(0x0B) + _uleb(4) + _uleb(offset)


_F32_MUL, _F32_ADD, _F32_STORE = b"\x94", b"\x92", b"\x38" + _uleb(2) + _uleb(0)
_V_ZERO = _simd(0x0C) + bytes(16)  # v128.const 0
_SPLAT, _F_ADD, _F_MUL = _simd(0x13), _simd(0xE4), _simd(0xE6)  # f32x4.splat / add / mul

# parameters, then locals (i32 first, then v128)
# (every product function takes seven parameters; the seventh, a bias, is read by
# ``gk_matmul_bias_f32_obj`` alone and ignored by the others)
_A, _B, _C, _M, _K, _N, _BIAS = range(7)
_J, _KK, _PA, _PB, _NB, _ROWA, _PC, _SAR, _SAK, _SBK = range(7, 17)
_S, _ACC, _ONE = 17, (18, 19, 20, 21), 22

# NumPy's array object as Emscripten (wasm32) lays it out: the object header (reference count,
# type: 4 bytes each), then the data pointer, ndim, the dims pointer, the strides pointer
# (``PyArrayObject_fields``). ``gk_matmul_f32_obj`` reads the operands' data and strides there,
# so that Python passes ``id(array)`` (free) instead of the data address (an
# ``__array_interface__`` dict per operand: 3-12 us in Pyodide, a third of a small product's
# time). ``load_by_object`` checks these offsets against NumPy's own answers before use.
_OBJ_DATA, _OBJ_STRIDES = 8, 20


def _k_loop(naccs):
    """acc[t] += splat(a[i, k]) * b[k, j + 4t : j + 4t + 4] for k = 0 .. K-1."""
    body = _BLOCK + _LOOP + _get(_KK) + _EQZ + _br_if(1)
    body += _get(_PA) + _f32_load() + _SPLAT + _set(_S)
    for t in range(naccs):
        body += _get(_ACC[t]) + _get(_S) + _get(_PB) + _v_load(16 * t) + _F_MUL + _F_ADD
        body += _set(_ACC[t])
    body += _get(_PA) + _get(_SAK) + _ADD + _set(_PA)
    body += _get(_PB) + _get(_SBK) + _ADD + _set(_PB)
    body += _get(_KK) + _const(1) + _SUB + _set(_KK)
    return body + _br(0) + _END + _END


def _j_loop(naccs, bias=False):
    """Columns ``4 * naccs`` at a time while they fit in the row (``_J`` counts bytes); with
    ``bias`` each finished sum then has ``bias[j]`` added (one float32 add: ``c += bias``'s)."""
    width = 16 * naccs
    body = _BLOCK + _LOOP + _get(_J) + _const(width) + _ADD + _get(_NB) + _GT_U + _br_if(1)
    for t in range(naccs):
        body += _V_ZERO + _set(_ACC[t])
    body += _get(_ROWA) + _set(_PA) + _get(_B) + _get(_J) + _ADD + _set(_PB)
    body += _get(_K) + _set(_KK) + _k_loop(naccs)
    for t in range(naccs):
        body += _get(_PC) + _get(_J) + _ADD + _get(_ACC[t])
        if bias:
            body += _get(_BIAS) + _get(_J) + _ADD + _v_load(16 * t) + _F_ADD
        body += _v_store(16 * t)
    body += _get(_J) + _const(width) + _ADD + _set(_J)
    return body + _br(0) + _END + _END


def _j_tail(bias=False):
    """The last ``N % 4`` columns one at a time, in scalar float32 (the same order and
    rounding: multiply, then add)."""
    body = _BLOCK + _LOOP + _get(_J) + _const(4) + _ADD + _get(_NB) + _GT_U + _br_if(1)
    body += b"\x43" + bytes(4) + _set(_ONE)  # f32.const 0
    body += _get(_ROWA) + _set(_PA) + _get(_B) + _get(_J) + _ADD + _set(_PB) + _get(_K) + _set(_KK)
    body += _BLOCK + _LOOP + _get(_KK) + _EQZ + _br_if(1)
    body += _get(_ONE) + _get(_PA) + _f32_load() + _get(_PB) + _f32_load() + _F32_MUL + _F32_ADD
    body += _set(_ONE)
    body += _get(_PA) + _get(_SAK) + _ADD + _set(_PA)
    body += _get(_PB) + _get(_SBK) + _ADD + _set(_PB)
    body += _get(_KK) + _const(1) + _SUB + _set(_KK) + _br(0) + _END + _END
    body += _get(_PC) + _get(_J) + _ADD + _get(_ONE)
    if bias:
        body += _get(_BIAS) + _get(_J) + _ADD + _f32_load() + _F32_ADD
    body += _F32_STORE
    body += _get(_J) + _const(4) + _ADD + _set(_J)
    return body + _br(0) + _END + _END


def _i32_load(offset):
    return b"\x28" + _uleb(2) + _uleb(offset)  # i32.load, align 4


def _matmul_body(objects=False, bias=False):
    """``c = a @ b``; with ``objects`` the parameters ``a``, ``b``, ``c`` are array objects and
    ``a`` may have any strides, ``b`` any row stride (its rows contiguous)."""
    if objects:  # strides first (they are read through the objects), then the data pointers
        body = _get(_A) + _i32_load(_OBJ_STRIDES) + _set(_SAK)
        body += _get(_SAK) + _i32_load(0) + _set(_SAR) + _get(_SAK) + _i32_load(4) + _set(_SAK)
        body += _get(_B) + _i32_load(_OBJ_STRIDES) + _i32_load(0) + _set(_SBK)
        for p in (_A, _B, _C) + ((_BIAS,) if bias else ()):
            body += _get(p) + _i32_load(_OBJ_DATA) + _set(p)
    else:  # row-major a and b
        body = _get(_K) + _const(4) + _MUL + _set(_SAR) + _const(4) + _set(_SAK)
        body += _get(_N) + _const(4) + _MUL + _set(_SBK)
    body += _get(_N) + _const(4) + _MUL + _set(_NB)
    body += _get(_A) + _set(_ROWA) + _get(_C) + _set(_PC)
    body += _BLOCK + _get(_M) + _EQZ + _br_if(0) + _LOOP
    body += _const(0) + _set(_J) + _j_loop(4, bias) + _j_loop(1, bias) + _j_tail(bias)
    body += _get(_ROWA) + _get(_SAR) + _ADD + _set(_ROWA)
    body += _get(_PC) + _get(_NB) + _ADD + _set(_PC)
    body += _get(_M) + _const(1) + _SUB + _set(_M) + _get(_M) + _br_if(0)
    body += _END + _END
    code = _vec([_uleb(10) + bytes([_I32]), _uleb(5) + bytes([_V128]), _uleb(1) + bytes([_F32])])
    code += body + _END
    return _uleb(len(code)) + code


# Adam's update of a flat float32 group (gradkit/optim/_flat.py): _adam_kernel's twelve passes in
# one, each operation of its sequence in the same order on float32 (IEEE: correctly rounded in
# WebAssembly as in NumPy), so the values are the same bit for bit. Parameters: g, m, v, upd
# (addresses), n; then the float32 constants lerp (lerp_keep or lerp_weight), beta2,
# 1 - beta2, eps_scaled, neg_scaled_step. One function per (maximize, lerp_high).
_AG, _AM, _AV, _AU, _AN = range(5)
_CL, _CB2, _CO, _CE, _CN = range(5, 10)
_VG, _VT1, _VT2, _VM, _VV = range(10, 15)          # v128 working values
_VCONST = (15, 16, 17, 18, 19)                     # the constants splatted
_SG, _ST1, _ST2, _SM, _SV = range(20, 25)          # f32 working values (the last n % 4)
_VEC_OPS = {"load": _v_load(0), "store": _v_store(0), "add": _F_ADD, "sub": _simd(0xE5),
            "mul": _F_MUL, "div": _simd(0xE7), "sqrt": _simd(0xE3), "neg": _simd(0xE1)}
_SCALAR_OPS = {"load": _f32_load(), "store": b"\x38" + _uleb(2) + _uleb(0), "add": b"\x92",
               "sub": b"\x93", "mul": b"\x94", "div": b"\x95", "sqrt": b"\x91", "neg": b"\x8c"}


def _adam_step(ops, loc, const, maximize, lerp_high):
    """One element (f32) or four (f32x4) of the update; ``loc``: G, T1, T2, M, V locals."""
    G, T1, T2, M, V = loc
    cl, cb2, co, ce, cn = const
    b = _get(_AG) + ops["load"] + (ops["neg"] if maximize else b"") + _set(G)
    b += _get(G) + _get(_AM) + ops["load"] + ops["sub"] + _get(cl) + ops["mul"] + _set(T1)
    if lerp_high:  # m = g - (g - m) * lerp_keep
        b += _get(G) + _get(T1) + ops["sub"] + _set(M)
    else:  # m = m + (g - m) * lerp_weight
        b += _get(_AM) + ops["load"] + _get(T1) + ops["add"] + _set(M)
    b += _get(_AM) + _get(M) + ops["store"]
    b += _get(_AV) + ops["load"] + _get(cb2) + ops["mul"]             # v * beta2
    b += _get(G) + _get(co) + ops["mul"] + _get(G) + ops["mul"] + ops["add"] + _set(V)
    b += _get(_AV) + _get(V) + ops["store"]
    b += _get(V) + ops["sqrt"] + _get(ce) + ops["add"] + _set(T2)
    b += _get(_AU) + _get(M) + _get(T2) + ops["div"] + _get(cn) + ops["mul"] + ops["store"]
    return b


def _adam_body(maximize, lerp_high):
    body = b"".join(_get(c) + _SPLAT + _set(vc) for c, vc in zip(range(5, 10), _VCONST))
    for width, ops, loc, const in (
            (4, _VEC_OPS, (_VG, _VT1, _VT2, _VM, _VV), _VCONST),
            (1, _SCALAR_OPS, (_SG, _ST1, _ST2, _SM, _SV), (_CL, _CB2, _CO, _CE, _CN))):
        body += _BLOCK + _LOOP + _get(_AN) + _const(width) + b"\x49" + _br_if(1)  # n < width
        body += _adam_step(ops, loc, const, maximize, lerp_high)
        for ptr in (_AG, _AM, _AV, _AU):
            body += _get(ptr) + _const(4 * width) + _ADD + _set(ptr)
        body += _get(_AN) + _const(width) + _SUB + _set(_AN) + _br(0) + _END + _END
    code = _vec([_uleb(10) + bytes([_V128]), _uleb(5) + bytes([_F32])]) + body + _END
    return _uleb(len(code)) + code


# ReLU's forward and backward on contiguous float32 arrays (gradkit/ops/elementwise.py), given
# the array objects (data pointers read as gk_matmul_f32_obj reads them) and the element count:
#   gk_relu_f32(x, r, n):        r = where(x <= 0, +0.0, x)    (NaN kept, -0.0 -> +0.0)
#   gk_relu_bwd_f32(o, g, r, n): r = where(o != 0, g, +0.0)    (NumPy's path: keep(out != 0, g))
# Each lane is a comparison and a bit mask (the kept lanes' bits, +0.0 elsewhere): the values
# of NumPy's where bit for bit. Four lanes at a time, then the last n % 4 in scalar code.
_F32_CONST0 = b"\x43" + bytes(4)
_SELECT, _TEE = b"\x1b", b"\x22"


def _tee(i):
    return _TEE + _uleb(i)


def _relu_lanes(vec, args):
    """One step's value: ``args`` are the pointer locals (inputs); vector or scalar."""
    if vec:
        if len(args) == 1:  # x & ~(x <= 0)
            return (_get(args[0]) + _v_load(0) + _tee(4) + _get(4) + _V_ZERO + _simd(0x45)
                    + _simd(0x4F))
        return (_get(args[1]) + _v_load(0) + _get(args[0]) + _v_load(0) + _V_ZERO
                + _simd(0x42) + _simd(0x4E))  # g & (o != 0)
    if len(args) == 1:  # select(0, x, x <= 0)
        return (_F32_CONST0 + _get(args[0]) + _f32_load() + _tee(5) + _get(5) + _F32_CONST0
                + b"\x5f" + _SELECT)
    return (_get(args[1]) + _f32_load() + _F32_CONST0 + _get(args[0]) + _f32_load()
            + _F32_CONST0 + b"\x5c" + _SELECT)  # select(g, 0, o != 0)


def _relu_body(backward):
    """Parameters: the input array objects (x; or o, g), the result's, n; locals: a v128 and
    an f32 scratch (indices 4 and 5: the forward's one input leaves parameter 3 free)."""
    ins = (0, 1) if backward else (0,)
    out, n = (2, 3) if backward else (1, 2)
    vloc, floc = (4, 5)
    body = b"".join(_get(p) + _i32_load(_OBJ_DATA) + _set(p) for p in (*ins, out))
    for width, vec in ((4, True), (1, False)):
        body += _BLOCK + _LOOP + _get(n) + _const(width) + b"\x49" + _br_if(1)  # n < width
        body += _get(out) + _relu_lanes(vec, ins) + (_v_store(0) if vec else _F32_STORE)
        for p in (*ins, out):
            body += _get(p) + _const(4 * width) + _ADD + _set(p)
        body += _get(n) + _const(width) + _SUB + _set(n) + _br(0) + _END + _END
    locals_ = [_uleb(1) + bytes([_I32])] if not backward else []  # pad to index 4
    code = _vec(locals_ + [_uleb(1) + bytes([_V128]), _uleb(1) + bytes([_F32])]) + body + _END
    assert vloc == 4 and floc == 5
    return _uleb(len(code)) + code


_ADAM_VARIANTS = [(mx, lh) for mx in (False, True) for lh in (False, True)]


def adam_name(maximize, lerp_high) -> str:
    return f"gk_adam_f32_{int(maximize)}{int(lerp_high)}"


def module_bytes(side_module: bool = True) -> bytes:
    """The WebAssembly module: imports ``env.memory``, exports ``gk_matmul_f32``. As a side
    module it carries the ``dylink.0`` section (no memory or table of its own) that Emscripten's
    dynamic linker reads; without it, any WebAssembly host can instantiate it with a memory."""
    out = b"\x00asm\x01\x00\x00\x00"
    if side_module:  # WASM_DYLINK_MEM_INFO: memory size, alignment, table size, alignment: 0
        out += _section(0, _name("dylink.0") + bytes([1]) + _uleb(4) + bytes(4))
    out += _section(1, _vec([b"\x60" + _vec([bytes([_I32])] * 7) + _vec([]),
                             b"\x60" + _vec([bytes([_I32])] * 5 + [bytes([_F32])] * 5)
                             + _vec([]),
                             b"\x60" + _vec([bytes([_I32])] * 2) + _vec([bytes([_I32])]),
                             b"\x60" + _vec([bytes([_I32])] * 3) + _vec([]),
                             b"\x60" + _vec([bytes([_I32])] * 4) + _vec([])]))
    out += _section(2, _vec([_name("env") + _name("memory") + b"\x02\x00" + _uleb(0)]))
    nadam = len(_ADAM_VARIANTS)
    out += _section(3, _vec([_uleb(0)] + [_uleb(1)] * nadam
                            + [_uleb(0), _uleb(2), _uleb(3), _uleb(4), _uleb(0)]))
    exports = [_name("gk_matmul_f32") + b"\x00" + _uleb(0)]
    exports += [_name(adam_name(*v)) + b"\x00" + _uleb(i + 1)
                for i, v in enumerate(_ADAM_VARIANTS)]
    exports += [_name("gk_matmul_f32_obj") + b"\x00" + _uleb(nadam + 1),
                _name("gk_obj_field") + b"\x00" + _uleb(nadam + 2),
                _name("gk_relu_f32") + b"\x00" + _uleb(nadam + 3),
                _name("gk_relu_bwd_f32") + b"\x00" + _uleb(nadam + 4),
                _name("gk_matmul_bias_f32_obj") + b"\x00" + _uleb(nadam + 5)]
    out += _section(7, _vec(exports))
    return out + _section(10, _vec([_matmul_body()] + [_adam_body(*v) for v in _ADAM_VARIANTS]
                                   + [_matmul_body(objects=True), _obj_field_body(),
                                      _relu_body(False), _relu_body(True),
                                      _matmul_body(objects=True, bias=True)]))


def _obj_field_body():
    """``gk_obj_field(obj, i)``: what ``gk_matmul_f32_obj`` reads from an array object: its
    data pointer (``i = 0``) or its stride ``i - 1`` in bytes (checked against NumPy's own
    answers before the kernel is used)."""
    o, i = 0, 1
    body = _get(o) + _i32_load(_OBJ_DATA)
    body += _get(o) + _i32_load(_OBJ_STRIDES) + _get(i) + _const(1) + _SUB + _const(4) + _MUL
    body += _ADD + _i32_load(0)
    body += _get(i) + _EQZ + b"\x1b"  # select: the data pointer where i == 0
    code = _vec([]) + body + _END
    return _uleb(len(code)) + code


# ------------------------------------------------------------------------------ loading
def address(a) -> int:
    """The address of an array's first element in WebAssembly memory."""
    return a.__array_interface__["data"][0]


_LOADED: list = []  # [the loaded module's exports, or None], filled on first use


def _exports():
    if not _LOADED:
        use = sys.platform == "emscripten" and os.environ.get("GRADKIT_WASM_SIMD") != "0"
        _LOADED.append(_load_module() if use else None)
    return _LOADED[0]


def load():
    """The product kernel ``f(a_addr, b_addr, c_addr, M, K, N)`` loaded into Pyodide, or None
    (natively, with ``GRADKIT_WASM_SIMD=0``, or where the module cannot be loaded)."""
    exports = _exports()
    return None if exports is None else exports.gk_matmul_f32


def load_by_object():
    """The product kernel ``f(id(a), id(b), id(c), M, K, N)`` taking the array objects (any
    strides for ``a``, contiguous rows for ``b``, a row-major ``c``), or None where ``load()``
    gives None or NumPy's array objects are not laid out as ``_OBJ_DATA`` / ``_OBJ_STRIDES``
    say (checked here on arrays of several layouts, before the kernel is ever called)."""
    exports = _exports()
    if exports is None:
        return None
    try:
        field = exports.gk_obj_field
        base = np.arange(7 * 40, dtype=np.float32).reshape(7, 40)
        for x in (base, base.T, base[2:, 3::2], base[::-1, 5:], base[4:5].T):
            want = (address(x),) + tuple(x.strides)
            if tuple(field(id(x), i) for i in range(3)) != want:
                return None
        kernel = exports.gk_matmul_f32_obj
        a = base[1:6, ::3]                       # strided rows and columns
        b = np.linspace(-2, 3, 14 * 11, dtype=np.float32).reshape(14, 11)
        c = np.empty((5, 11), np.float32)
        kernel(id(a), id(b), id(c), 5, 14, 11)
        ref = np.empty((5, 11), np.float32)
        ac = np.ascontiguousarray(a)
        exports.gk_matmul_f32(address(ac), address(b), address(ref), 5, 14, 11)
        return kernel if np.array_equal(c, ref) else None
    except Exception:  # an engine or NumPy other than the checked ones: addresses stay
        return None


def load_relu():
    """``(forward, backward)``: ReLU's kernels on contiguous float32 arrays, taking the array
    objects (``id``) and the element count (see ``_relu_body``), or None where
    ``load_by_object()`` gives None."""
    if load_by_object() is None:
        return None
    exports = _exports()
    return exports.gk_relu_f32, exports.gk_relu_bwd_f32


def load_bias():
    """``f(id(a), id(b), id(c), M, K, N, id(bias))``: ``load_by_object()``'s product with a
    contiguous float32 bias of ``N`` added to each finished row (``c = a @ b; c += bias`` in
    one pass, the same values), or None where ``load_by_object()`` gives None."""
    return None if load_by_object() is None else _exports().gk_matmul_bias_f32_obj


def load_adam():
    """Adam's flat float32 update ``{(maximize, lerp_high): f(g, m, v, upd, n, lerp, beta2,
    one_minus_beta2, eps_scaled, neg_scaled_step)}`` (addresses, count, float32 constants),
    or None where ``load()`` gives None."""
    exports = _exports()
    if exports is None:
        return None
    return {v: getattr(exports, adam_name(*v)) for v in _ADAM_VARIANTS}


def _load_module():
    try:
        import js  # Pyodide's modules: present only there
        import pyodide_js
        from pyodide.ffi import to_js
    except ImportError:
        return None
    path = f"/tmp/gradkit_simd_{os.getpid()}.so"
    try:
        mod = pyodide_js._module
        with open(path, "wb") as f:
            f.write(module_bytes())
        flags = to_js({"loadAsync": False, "global": False, "nodelete": True},
                      dict_converter=js.Object.fromEntries)
        flags.fs = mod.FS
        scope = js.Object.new()
        mod.loadDynamicLibrary(path, flags, scope)
        kernel = scope.gk_matmul_f32
        a = np.arange(24, dtype=np.float32).reshape(3, 8) - 5
        b = np.linspace(-2, 3, 8 * 20, dtype=np.float32).reshape(8, 20)
        c = np.full((3, 20), np.nan, np.float32)
        kernel(address(a), address(b), address(c), 3, 8, 20)
        if not np.allclose(c, a.astype(np.float64) @ b, rtol=1e-5, atol=1e-4):
            return None
        return scope
    except Exception:  # no SIMD in this engine, no dynamic linker: NumPy's loops stay
        return None
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
