"""dtypes, the default floating dtype, and PyTorch's type-promotion rules.

gradkit's dtypes are instances of :class:`dtype` (PyTorch's ``torch.dtype``): they print as
``gradkit.float32`` (``torch.float32`` under ``gradkit run``) and carry PyTorch's attributes
(``is_floating_point``, ``is_complex``, ``is_signed``, ``itemsize``, ``to_real()``,
``to_complex()``). Each wraps one NumPy dtype and stands in for it wherever NumPy expects a dtype
(``np.dtype(d)``, ``arr.astype(d)``, ``np.zeros(n, dtype=d)``: NumPy reads the wrapped dtype from
the ``dtype`` attribute), compares and hashes equal to it (``gradkit.float32 == np.float32``,
``{np.dtype('float32'): v}[gradkit.float32]``) and forwards ``kind``, ``itemsize``, ``name``,
``char``, ``type``. There is one instance per NumPy dtype (``Tensor.dtype`` is a dict lookup), so
identity comparisons hold too. Every function that takes a dtype accepts gradkit dtypes, NumPy
dtypes and scalar types, names (``"float32"``, ``"torch.float32"``) and Python ``float``/``int``/
``bool``.

``bfloat16`` comes from the ``ml_dtypes`` NumPy extension (the ``bf16`` extra), imported on
first use of ``gradkit.bfloat16``; its NumPy kind is ``"V"``, but the gradkit dtype reports
``kind == "f"`` (it is a floating dtype to every rule here).

Promotion follows PyTorch, not NumPy: a Python float never turns float32 into float64, a 0-d
tensor of the same category as a dimensioned one does not widen it, and bfloat16 with float16
gives float32.
"""

from __future__ import annotations

import builtins

import numpy as np

_pyfloat, _pyint, _pybool = builtins.float, builtins.int, builtins.bool

__all__ = [
    "dtype", "float16", "float32", "float64", "complex64", "complex128", "int8",
    "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "half", "float",
    "double", "short", "int", "long", "cfloat", "cdouble", "get_default_dtype",
    "set_default_dtype", "promote_types", "result_type", "is_floating_dtype", "to_dtype",
    "np_dtype", "of_array", "bfloat16_np",
]

_NAMESPACE = ["gradkit"]  # the module name dtypes print with: "torch" under ``gradkit run``

# (is_floating_point, is_complex, is_signed) by NumPy kind
_TRAITS = {"f": (True, False, True), "c": (False, True, True), "i": (False, False, True),
           "u": (False, False, False), "b": (False, False, False)}


# PyTorch's 8-bit floats, ml_dtypes' types of the same names: storage formats (casts to and from
# them round as PyTorch's do; PyTorch itself computes little in them)
_FLOAT8 = ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu")


class dtype:  # noqa: N801 (PyTorch's name)
    """A tensor element type, as PyTorch's ``torch.dtype`` (``gradkit.float32``, ...).

    Wraps one NumPy dtype (the ``dtype`` attribute) and works wherever NumPy takes a dtype.
    """

    __slots__ = ("dtype", "__numpy_dtype__", "_name", "kind", "itemsize", "name", "char", "type",
                 "is_floating_point", "is_complex", "is_signed", "_hash")

    def __init__(self, np_dtype, name=None):
        d = np.dtype(np_dtype)
        self.dtype = d
        self.__numpy_dtype__ = d
        self._name = name or d.name
        self.kind = "f" if self._name == "bfloat16" or self._name in _FLOAT8 else d.kind
        self.itemsize = d.itemsize
        self.name = d.name
        self.char = d.char
        self.type = d.type
        self.is_floating_point, self.is_complex, self.is_signed = _TRAITS.get(
            self.kind, (False, False, False))
        self._hash = hash(d)

    def __repr__(self):
        return f"{_NAMESPACE[0]}.{self._name}"

    __str__ = __repr__

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        if other is self:
            return True
        if type(other) is dtype:
            return self.dtype == other.dtype
        if isinstance(other, np.dtype):
            return self.dtype == other
        if isinstance(other, (type, str)):
            try:
                return self.dtype == _as_np(other)
            except (TypeError, ValueError):  # not a dtype (e.g. the legacy torch.FloatTensor)
                return False
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __reduce__(self):
        if type(self).__module__ == "torch":  # gradkit run: PyTorch's form, torch.<name>
            return self._name
        return (_from_name, (self._name,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    @property
    def str(self):  # noqa: A003 (NumPy's attribute)
        return self.dtype.str

    @property
    def byteorder(self):
        return self.dtype.byteorder

    @property
    def num(self):
        return self.dtype.num

    @property
    def alignment(self):
        return self.dtype.alignment

    @property
    def is_signed_integer(self):  # NumPy-free helper for rules that test integers
        return self.kind == "i"

    def to_real(self) -> "dtype":
        """The real dtype of a complex one (complex64 -> float32); real dtypes return self."""
        if self.kind == "c":
            return of(np.dtype(f"float{self.itemsize * 4}"))
        return self

    def to_complex(self) -> "dtype":
        """The complex dtype of a floating one (float32 -> complex64), as PyTorch."""
        if self.kind == "c":
            return self
        if self.kind == "f" and self._name in ("float32", "float64"):
            return of(np.dtype(f"complex{self.itemsize * 16}"))
        raise RuntimeError(f"Unsupported dtype {self} for to_complex(); float32 and float64 have "
                           f"complex counterparts (complex64, complex128)")


_BY_NP: dict = {}  # np.dtype -> gradkit dtype (the lookup behind Tensor.dtype)


def of(np_dtype) -> dtype:
    """The gradkit dtype of a NumPy dtype (one instance per dtype, made on first use)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    d = np.dtype(np_dtype)
    got = _BY_NP.get(d)
    if got is None:
        if d.name == "bfloat16" and d.kind == "V" and not _BF16:
            return _load_bfloat16()  # ml_dtypes' dtype handed in: set up bfloat16 ops first
        if d.name in _FLOAT8 and d.kind == "V":
            return _load_float8(d.name)
        got = _BY_NP[d] = dtype(d, "bfloat16" if d.name == "bfloat16" else None)
    return got


of_array = of


def np_dtype(d) -> np.dtype:
    """The NumPy dtype of anything :func:`to_dtype` accepts (for hot internal code)."""
    if type(d) is dtype:
        return d.dtype
    return to_dtype(d).dtype


def _as_np(x):
    if type(x) is dtype:
        return x.dtype
    return np.dtype(x)


float16 = half = of(np.float16)
float32 = float = of(np.float32)  # noqa: A001 - PyTorch's alias
float64 = double = of(np.float64)
complex64 = cfloat = of(np.complex64)
complex128 = cdouble = of(np.complex128)
int8 = of(np.int8)
int16 = short = of(np.int16)
int32 = int = of(np.int32)  # noqa: A001
int64 = long = of(np.int64)
uint8 = of(np.uint8)
uint16 = of(np.uint16)
uint32 = of(np.uint32)
uint64 = of(np.uint64)
bool = of(np.bool_)  # noqa: A001

_BF16: list = []  # [gradkit.bfloat16] once ml_dtypes has been imported


class _NamedOnlyDtype(dtype):
    """One of PyTorch's dtypes that gradkit names but keeps no tensors of (sub-byte integers,
    bit packs, quantized integers, ComplexHalf, packed 4-bit floats): libraries list them in
    tables of supported types, compare and pickle them; asking for a tensor of one raises."""

    __slots__ = ()

    def __init__(self, name, itemsize, is_floating_point, is_complex, is_signed):
        self.dtype = self.__numpy_dtype__ = None  # no NumPy dtype: NumPy refuses it
        self._name = self.name = name
        self.kind = "c" if is_complex else ("f" if is_floating_point else "V")
        self.itemsize = itemsize
        self.char = self.type = None
        self.is_floating_point, self.is_complex = is_floating_point, is_complex
        self.is_signed = is_signed
        self._hash = hash(("gradkit.dtype", name))

    def __eq__(self, other):
        return other is self

    def __ne__(self, other):
        return other is not self

    def __hash__(self):
        return self._hash

    def __reduce__(self):
        return (_from_name, (self._name,))

    def to_real(self):
        raise RuntimeError(f"{self}: gradkit has no tensors of this dtype")

    to_complex = to_real


# name: (itemsize, is_floating_point, is_complex, is_signed), as PyTorch reports them
_NAMED_ONLY = {name: _NamedOnlyDtype(name, *traits) for name, traits in {
    **{f"uint{b}": (1, False, False, False) for b in range(1, 8)},
    **{f"int{b}": (1, False, False, True) for b in range(1, 8)},
    **{name: (size, False, False, False) for name, size in (
        ("bits1x8", 1), ("bits2x4", 1), ("bits4x2", 1), ("bits8", 1), ("bits16", 2),
        ("qint8", 1), ("quint8", 1), ("qint32", 4), ("quint4x2", 1), ("quint2x4", 1))},
    "complex32": (4, False, True, True), "float4_e2m1fn_x2": (1, True, False, True),
}.items()}
_NAMED_ONLY["bit"] = _NAMED_ONLY["uint1"]  # PyTorch's aliases
_NAMED_ONLY["chalf"] = _NAMED_ONLY["complex32"]


def _no_tensors_of(d) -> NotImplementedError:
    return NotImplementedError(
        f"gradkit has no tensors of dtype {d}: it names PyTorch's sub-byte, bit-packed, "
        f"quantized, complex32 and 4-bit float dtypes but does not store or compute in them; "
        f"use uint8/int8 (with your own packing), float16/float32 or complex64 instead")



def _load_bfloat16() -> dtype:
    if not _BF16:
        try:
            import ml_dtypes
        except ImportError:
            raise ImportError(
                "gradkit.bfloat16 needs the ml_dtypes package (NumPy has no bfloat16): "
                "pip install 'gradkit[bf16]' (or pip install ml_dtypes)") from None
        d = np.dtype(ml_dtypes.bfloat16)
        bf = _BY_NP.get(d)
        if bf is None:
            bf = _BY_NP[d] = dtype(d, "bfloat16")
        from . import _bf16  # every primitive computes bfloat16 in float32, as PyTorch

        _bf16.install(bf.dtype)
        _BF16.append(bf)
    return _BF16[0]


def _load_float8(name: str) -> dtype:
    try:
        import ml_dtypes
    except ImportError:
        raise ImportError(f"gradkit.{name} needs the ml_dtypes package (NumPy has no 8-bit "
                          f"floats): "
                          f"pip install 'gradkit[bf16]' (or pip install ml_dtypes)") from None
    d = np.dtype(getattr(ml_dtypes, name))
    got = _BY_NP.get(d)
    if got is None:
        got = _BY_NP[d] = dtype(d, name)
    return got


def bfloat16_np():
    """NumPy's bfloat16 dtype (ml_dtypes'), or None when ml_dtypes has not been loaded."""
    return _BF16[0].dtype if _BF16 else None


def __getattr__(name):  # ``gradkit._dtype.bfloat16``: ml_dtypes is imported on first use
    if name == "bfloat16":
        return _load_bfloat16()
    if name in _FLOAT8:
        return _load_float8(name)
    if name in _NAMED_ONLY:
        return _NAMED_ONLY[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _from_name(name):
    if name == "bfloat16":
        return _load_bfloat16()
    if name in _FLOAT8:
        return _load_float8(name)
    if name in _NAMED_ONLY:
        return _NAMED_ONLY[name]
    return _NAMES[name]


def _is_bf16(d) -> _pybool:
    return _pybool(_BF16) and d == _BF16[0]


def kind(np_dtype) -> builtins.str:
    """NumPy's kind of an array's dtype, with bfloat16 (kind "V" in NumPy) as "f"."""
    k = np_dtype.kind
    return "f" if k == "V" and _is_bf16(np_dtype) else k


_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d) -> None:
    """Set the default floating dtype (float16, float32 or float64), as in PyTorch."""
    d = to_dtype(d)
    if d not in (float16, float32, float64) and not _is_bf16(d):
        raise TypeError(
            f"set_default_dtype() only supports floating dtypes (float16, bfloat16, float32, "
            f"float64), got {d}"
        )
    _default[0] = d


def is_floating_dtype(d) -> _pybool:
    k = d.kind
    return k == "f" or (k == "V" and _is_bf16(d))


_NAMES = {
    "float16": float16, "half": float16, "float32": float32, "float": float32,
    "float64": float64, "double": float64, "int8": int8, "int16": int16, "short": int16,
    "int32": int32, "int": int32, "int64": int64, "long": int64, "uint8": uint8, "bool": bool,
    "uint16": uint16, "uint32": uint32, "uint64": uint64, "complex64": complex64,
    "cfloat": complex64, "complex128": complex128, "cdouble": complex128,
}


def to_dtype(d) -> dtype:
    """Accept a gradkit/NumPy dtype, a dtype name, a Python type, or a ``torch.dtype``."""
    if type(d) is dtype:
        return d
    if isinstance(d, np.dtype):
        return of(d)
    if type(d) is _NamedOnlyDtype:
        raise _no_tensors_of(d)
    if isinstance(d, builtins.str):
        name = d.replace("torch.", "").replace("gradkit.", "")
        if name in _NAMES:
            return _NAMES[name]
        if name in ("bfloat16", "bf16"):
            return _load_bfloat16()
        if name in _NAMED_ONLY:
            raise _no_tensors_of(_NAMED_ONLY[name])
        raise TypeError(f"unknown dtype {d!r}; use one of {sorted(_NAMES) + ['bfloat16']}")
    if d is _pyint:
        return int64
    if d is _pybool:
        return bool
    if d is _pyfloat:  # Python's float is a double: torch.float64 (not the default dtype)
        return float64
    text = builtins.str(d)
    if text.startswith("torch."):
        return to_dtype(text)
    if not isinstance(d, type):  # ({}, ('a', 1), a tensor: NumPy would make a dtype of them)
        raise TypeError(f"expected a dtype such as gradkit.float32, got {type(d).__name__} "
                        f"({d!r})")
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(f"expected a dtype such as gradkit.float32, got {d!r}") from None
    if npd.kind in "OUSMm":  # NumPy makes an object (or text, time) dtype of any class, e.g.
        # the Tensor class itself: no tensor dtype; PyTorch's TypeError, not an object array
        raise TypeError(f"expected a dtype such as gradkit.float32, got the class "
                        f"{getattr(d, '__qualname__', d)!s}, which is not a dtype")
    return of(npd)


def _category(d) -> _pyint:
    k = d.kind
    if k == "V" and _is_bf16(d):
        return 2
    return 2 if k == "f" else (0 if k == "b" else (3 if k == "c" else 1))


def promote_types(a, b) -> dtype:
    """PyTorch's ``promote_types``: across categories (bool < integer < floating) the higher
    category's dtype wins as it is (int32 with float16 gives float16, unlike NumPy's float64);
    within a category, the smallest dtype that holds both (bfloat16 with float16: float32)."""
    a, b = to_dtype(a), to_dtype(b)
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        if ca == 3 and cb == 2:  # complex with a wider float (complex64 + float64: complex128)
            return of(np.promote_types(a.dtype, b.dtype))
        if cb == 3 and ca == 2:
            return of(np.promote_types(a.dtype, b.dtype))
        return a if ca > cb else b
    return of(np.promote_types(a.dtype, b.dtype))


_RESULT_TYPES: dict = {}  # (dtype, is 0-d, dtype, is 0-d) -> result: promotion is on hot paths


def result_type(a_dtype, a_ndim, b_dtype, b_ndim) -> dtype:
    """PyTorch's promotion for two tensor operands: dimensioned tensors outrank 0-d ones
    unless the 0-d one is of a higher category (bool < integer < floating)."""
    key = (a_dtype, a_ndim == 0, b_dtype, b_ndim == 0)
    try:
        return _RESULT_TYPES[key]
    except KeyError:
        pass
    got = _RESULT_TYPES[key] = _result_type(a_dtype, a_ndim, b_dtype, b_ndim)
    return got


def _result_type(a_dtype, a_ndim, b_dtype, b_ndim) -> dtype:
    if a_dtype == b_dtype:
        return to_dtype(a_dtype)
    ca, cb = _category(a_dtype), _category(b_dtype)
    if (a_ndim == 0) == (b_ndim == 0):
        return promote_types(a_dtype, b_dtype)
    # exactly one is 0-d: it only counts when it is of a higher category
    if a_ndim == 0:
        return to_dtype(a_dtype if ca > cb else b_dtype)
    return to_dtype(b_dtype if cb > ca else a_dtype)


def scalar_result_dtype(tensor_dtype, scalar) -> dtype:
    """dtype of ``tensor op python_scalar``: the tensor's, unless the scalar is of a higher
    category (a float with an integer tensor gives the default dtype)."""
    k = tensor_dtype.kind
    if k == "f" or k == "c" or (k == "V" and _is_bf16(tensor_dtype)):
        if k != "c" and type(scalar) is complex:  # a complex number: the complex dtype
            return _complex_for(to_dtype(tensor_dtype))
        return to_dtype(tensor_dtype)
    t = type(scalar)
    if t is _pyfloat:
        return get_default_dtype()
    if t is complex:
        return get_default_dtype().to_complex()
    if k == "b" and t is _pyint:
        return int64
    return to_dtype(tensor_dtype)


def _complex_for(d):
    if _is_bf16(d):  # (PyTorch: bfloat16 with a complex number is complex64)
        return complex64
    if d.itemsize < 4:
        raise RuntimeError(f"{d} with a complex number gives complex32 (ComplexHalf), which "
                           f"gradkit does not have; convert to float32 first (x.float())")
    return d.to_complex()


def operands_result_type(a, b) -> dtype:
    """``torch.result_type`` for two operands, each a Tensor (anything with ``dtype`` and
    ``ndim``) or a Python number (weaker than any tensor of the same category)."""
    a_num = isinstance(a, (_pybool, _pyint, _pyfloat))
    b_num = isinstance(b, (_pybool, _pyint, _pyfloat))
    if not a_num and not b_num:
        return result_type(to_dtype(a.dtype), a.ndim, to_dtype(b.dtype), b.ndim)
    if a_num and b_num:
        return _python_scalar_dtype(a) if _category(_python_scalar_dtype(a)) >= \
            _category(_python_scalar_dtype(b)) else _python_scalar_dtype(b)
    t, num = (b, a) if a_num else (a, b)
    return scalar_result_dtype(to_dtype(t.dtype), num)


def _python_scalar_dtype(x) -> dtype:
    if isinstance(x, _pybool):
        return bool
    return int64 if isinstance(x, _pyint) else get_default_dtype()
