"""PyTorch's ``grad_fn`` name for the result of a declared op that gradkit composes of others.

A printed result shows its node (``tensor([...], grad_fn=<SortBackward0>)``), and so does
``type(t.grad_fn).__name__``; where gradkit builds an op from other ops (``sort`` is an argsort
and a ``gather``; ``tril`` a ``where``) or shares one primitive among several (``floor``,
``ceil`` and ``sign`` have zero gradient), the node just recorded would read as the last step.
``GRAD_NAMES`` gives each such op PyTorch's name, a string or a rule ``rule(**arguments) ->
name or None`` for ops whose PyTorch overload depends on the arguments (``median`` with a dim is
``MedianBackward1``; ``lerp`` with a tensor weight ``LerpBackward1``). The registry wraps the
faces of these ops (never the implementations gradkit calls internally) with :func:`face`,
which renames the result's node (every Tensor of a tuple result) once the op has run; the
recorded graph and its rules are unchanged. ``tests/functions/test_grad_names.py``
checks every entry against torch over the op's registry samples.

``GRAD_INPUTS`` gives, for the composed ops whose PyTorch node is one node over the call's
tensors, the inputs that node lists in ``next_functions`` (``rule(**arguments) -> tuple``: a
Tensor, or None for an absent optional tensor; numbers and integer indices are not listed, as
in PyTorch): ``tril(x).grad_fn.next_functions`` then reads ``((AccumulateGrad, 0),)`` rather
than the ``where`` it is made of. ``tests/autograd/test_grad_fn_names.py`` walks such graphs
against torch's.
"""

from __future__ import annotations

from .._tensor.tensor import Tensor
from ..autograd.graph import present, rename

__all__ = ["GRAD_INPUTS", "GRAD_NAMES", "face"]


def _tensor(x) -> bool:
    return isinstance(x, Tensor)


def _by_dim(base):
    # (an unset dim is None or the reductions' NO_DIM sentinel, whose value is None)
    return lambda input, dim=None, **_: \
        f"{base}Backward{0 if getattr(dim, 'value', dim) is None else 1}"


def _second_tensor(tensor_name, number_name):
    """The name by whether the second operand (``other``/``weight``/...) is a Tensor."""

    def rule(input, *rest, **kwargs):
        other = rest[0] if rest else next(iter(kwargs.values()))
        return tensor_name if _tensor(other) else number_name

    return rule


def _xlogy(input, other):
    if _tensor(input) and _tensor(other):
        return "XlogyBackward0"
    return "XlogyBackward2" if _tensor(input) else "XlogyBackward1"


def _scatter(input, dim, index, src=None, *, value=None, reduce=None):
    if isinstance(reduce, str):  # (left out, reduce is scatter's own marker)
        return None  # PyTorch: not differentiable (NotImplemented)
    return "ScatterBackward0" if _tensor(src) else "ScatterBackward1"


def _diag(input, diagonal=0):
    return "DiagEmbedBackward0" if input.ndim == 1 else "DiagonalBackward0_copy"


def _rot90(input, k=1, dims=(0, 1)):
    return "Rot90Backward0" if k % 4 else None


def _repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    return "IndexSelectBackward0" if _tensor(repeats) and repeats.ndim > 0 else "ViewBackward0"


def _cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    # PyTorch computes p = 2 by matrix products (another graph) past 25 rows, or when asked
    mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary"
        and (x1.shape[-2] > 25 or x2.shape[-2] > 25)))
    return None if mm else "CdistBackward0"


def _norm_except_dim(v, pow=2, dim=0):
    # ATen: the whole norm for dim -1; a view for the first or last dim; else transposes
    if dim == -1:
        return "NormBackward0"
    return "ViewBackward0" if dim in (0, v.ndim - 1) else "TransposeBackward0"


def _sort(input, dim=-1, descending=False, stable=False):
    return "SortBackward1" if stable else "SortBackward0"


def _round(input, *, decimals=0):
    return "RoundBackward1" if decimals else "RoundBackward0"


def _div(input, other, *, rounding_mode=None):
    return None if rounding_mode is None else "DivBackward2"


def _split(tensor, split_size_or_sections, dim=0):
    return "SplitWithSizesBackward0" if isinstance(split_size_or_sections, (list, tuple)) \
        else "SplitBackward0"


GRAD_NAMES = {
    # elementwise
    "floor": "FloorBackward0", "ceil": "CeilBackward0", "trunc": "TruncBackward0",
    "sign": "SignBackward0", "sgn": "SgnBackward0", "frac": "FracBackward0", "round": _round,
    "tan": "TanBackward0", "log2": "Log2Backward0", "log10": "Log10Backward0",
    "deg2rad": "Deg2RadBackward0", "rad2deg": "Rad2DegBackward0",
    "nan_to_num": "NanToNumBackward0", "logit": "LogitBackward0", "sinc": "SincBackward0",
    "ldexp": "LdexpBackward0", "logaddexp2": "Logaddexp2Backward0",
    "i0e": "SpecialI0EBackward0", "i1e": "SpecialI1EBackward0",
    "xlog1py": lambda input, other: "SpecialXlog1PyBackward0"
    if _tensor(input) and _tensor(other) else None,
    "xlogy": _xlogy, "div": _div,
    "lerp": lambda input, end, weight: "LerpBackward1" if _tensor(weight) else "LerpBackward0",
    "fmod": _second_tensor("FmodBackward1", "FmodBackward0"),
    "remainder": _second_tensor("RemainderBackward1", "RemainderBackward0"),
    "copysign": _second_tensor("CopysignBackward0", "CopysignBackward1"),
    "rsub": _second_tensor("RsubBackward0", "RsubBackward1"),
    "mvlgamma": "MvlgammaBackward0", "hardshrink": "HardshrinkBackward0",
    # products
    "addbmm": "AddbmmBackward0", "addcdiv": "AddcdivBackward0", "addcmul": "AddcmulBackward0",
    "addmm": "AddmmBackward0", "addmv": "AddmvBackward0", "addr": "AddrBackward0",
    "baddbmm": "BaddbmmBackward0", "vdot": "VdotBackward0", "cdist": _cdist,
    "dist": "DistBackward0", "cross": "LinalgCrossBackward0",
    # reductions and sorting
    "median": _by_dim("Median"), "nanmedian": _by_dim("Nanmedian"),
    "nansum": "NansumBackward0", "aminmax": "AminmaxBackward0",
    "std_mean": "StdMeanBackward0", "var_mean": "VarMeanBackward0", "trace": "TraceBackward0",
    "sort": _sort, "msort": "SortBackward0", "topk": "TopkBackward0",
    "kthvalue": "KthvalueBackward0", "mode": "ModeBackward0", "cummax": "CummaxBackward0",
    "cummin": "CumminBackward0",
    # shape
    "tril": "TrilBackward0", "triu": "TriuBackward0", "diag": _diag,
    "diagonal": "DiagonalBackward0", "diag_embed": "DiagEmbedBackward0",
    "diagflat": "DiagEmbedBackward0", "roll": "RollBackward0", "rot90": _rot90,
    "repeat_interleave": _repeat_interleave, "block_diag": "BlockDiagBackward0",
    "split": _split, "pixel_shuffle": "PixelShuffleBackward0",
    "pixel_unshuffle": "PixelUnshuffleBackward0", "channel_shuffle": "ChannelShuffleBackward0",
    # indexing and scattering
    "scatter": _scatter, "scatter_reduce": "ScatterReduceBackward0",
    "index_add": "IndexAddBackward0", "index_copy": "IndexCopyBackward0",
    "index_fill": lambda input, dim, index, value: "IndexFillBackward1" if _tensor(value)
    else "IndexFillBackward0",
    "index_put": "IndexPutBackward0", "index_reduce": "IndexReduceBackward0",
    "masked_select": "MaskedSelectBackward0", "masked_scatter": "MaskedScatterBackward0",
    "take": "TakeBackward0", "put": "PutBackward0",
    "select_scatter": "SelectScatterBackward0", "slice_scatter": "SliceScatterBackward0",
    "diagonal_scatter": "DiagonalScatterBackward0",
    # nn and linear algebra faces of the registry
    "prelu": "PreluKernelBackward0", "renorm": "RenormBackward0", "pdist": "PdistBackward0",
    "cholesky": "CholeskyBackward0",
    "matrix_exp": "LinalgMatrixExpBackward0", "lu": "LinalgLuFactorExBackward0",
    "lu_solve": "LinalgLuSolveBackward0", "lu_unpack": "LuUnpackBackward0",
    "qr": "LinalgQrBackward0", "svd": "LinalgSvdBackward0",
    "triangular_solve": "TriangularSolveBackward0", "orgqr": "LinalgHouseholderProductBackward0",
    "ormqr": "OrmqrBackward0",
    "norm": lambda input, p="fro", dim=None, keepdim=False, dtype=None: None if p == "nuc"
    else "LinalgVectorNormBackward0",
    "grid_sampler": lambda input, **_: f"GridSampler{input.ndim - 2}DBackward0",
    "affine_grid_generator": "AffineGridGeneratorBackward0", "conv_tbc": "ConvTbcBackward0",
    "max_pool3d": "MaxPool3DWithIndicesBackward0", "rrelu": "RreluWithNoiseBackward0",
    "pairwise_distance": "NormBackward1",
    "inverse": "LinalgInvExBackward0", "frobenius_norm": "NormBackward1",
    # (``nuclear_norm(x, True)`` is PyTorch's ``keepdim`` overload)
    "nuclear_norm": lambda *args, input=None, dim=None, keepdim=False: "PermuteBackward0"
    if keepdim is True or (args and args[-1] is True) else None,
    "norm_except_dim": _norm_except_dim,
    "cumulative_trapezoid": lambda y, x=None, **_: "DivBackward1" if _tensor(x) else None,
}


def _first(input, *args, **kwargs):
    return (input,)


def _with_tensor(name):
    """(input, <name>) where the argument ``name`` is a Tensor, else (input,)."""
    def rule(input, *args, **kwargs):
        other = kwargs.get(name, args[0] if args else None)
        return (input, other) if _tensor(other) else (input,)
    return rule


def _three(*args, **kwargs):
    """The first three arguments (``addmm``'s input, mat1, mat2) in signature order."""
    return tuple([*args, *kwargs.values()][:3])


GRAD_INPUTS = {
    **{name: _first for name in (
        "tril", "triu", "roll", "diag", "diagonal", "diag_embed", "diagflat", "trace",
        "kthvalue", "median", "nanmedian", "mode", "masked_select", "pixel_shuffle",
        "pixel_unshuffle", "channel_shuffle", "renorm", "sort", "msort", "topk", "cummax",
        "cummin", "rot90")},
    "fmod": _with_tensor("other"), "remainder": _with_tensor("other"),
    "addcmul": _three, "addcdiv": _three, "addmm": _three, "addmv": _three, "addbmm": _three,
    "baddbmm": _three, "addr": _three,
    "cdist": lambda x1, x2, *args, **kwargs: (x1, x2),
    "xlogy": lambda input, other: (input, other) if _tensor(input) and _tensor(other) else None,
    "scatter": lambda input, dim, index, src=None, **kwargs: (input, src) if _tensor(src)
    else (input,),
    "index_add": lambda input, dim, index, source, **kwargs: (input, source),
    "prelu": lambda input, weight: (input, weight),
}


def _named(res, source, name, inputs=None):
    if inputs is not None and name is not None:
        if isinstance(res, Tensor):
            return present(res, name, inputs, source)
        if isinstance(res, (tuple, list)) and res and isinstance(res[0], Tensor):
            present(res[0], name, inputs, source)  # (values; indices have no node)
            return res
    if name is None:
        return res
    if isinstance(res, Tensor):
        return rename(res, name, source)
    if isinstance(res, (tuple, list)):
        for t in res:
            if isinstance(t, Tensor) and t._grad_fn is not None:
                rename(t, name, source)
    return res


def _plain(res) -> bool:
    """No node to name (the common no-grad path costs one check)."""
    if isinstance(res, Tensor):
        return res._grad_fn is None
    if isinstance(res, (tuple, list)):
        return all(not isinstance(t, Tensor) or t._grad_fn is None for t in res)
    return True


def face(op_name, impl, compile_face, signature_source):
    """``impl`` with the result's node renamed to ``GRAD_NAMES[op_name]`` (same signature)."""
    rule = GRAD_NAMES[op_name]
    params, call, defaults, _ = signature_source(impl)
    first = call[0] if call and not call[0].startswith("*") else "None"
    by_name = ", ".join(c if c.startswith("*") or "=" in c else f"{c}={c}" for c in call)
    ns = dict(defaults, _impl=impl, _plain=_plain, _named=_named,
              _rule=rule if callable(rule) else (lambda *a, **k: rule),
              _inputs=GRAD_INPUTS.get(op_name, lambda *a, **k: None))
    body = (f"r = _impl({', '.join(call)})\n"
            f"    return r if _plain(r) else _named(r, {first}, _rule({by_name}), "
            f"_inputs({by_name}))")
    return compile_face(op_name, params, body, ns, impl)
