"""gradkit's public functions and Tensor methods, one declaration per op, grouped by kind.

Where to find an op (``gradkit.X``, ``Tensor.X``, ``Tensor.X_``, ``gradkit.X(..., out=)``):

==============  ===================================================================
file            what it declares
==============  ===================================================================
elementwise     arithmetic (and its in-place operators), exp/log, trigonometry,
                rounding, clamp, where, lerp, ...
operators       the Tensor arithmetic operators (x + y, x ** y, x % y, -x, ...)
comparison      eq/lt/..., isnan/isfinite, isclose, logical and bitwise ops
reduction       sum, mean, prod, max/min, var/std, norm, logsumexp, softmax, scans
products        matmul, mm, bmm, dot, outer, einsum, tensordot, kron, cdist
shape           reshape/view, permute/transpose, squeeze, expand, cat/stack, split,
                flip, roll, tril/triu, diagonal, unfold, ...
joining         hstack/vstack/dstack, tensor_split/hsplit, block_diag, atleast_*d,
                cartesian_prod, combinations, broadcast_tensors
indexing        x[i], x[i] = v, gather/scatter, index_select, masked_fill, nonzero
scattering      index_copy/index_fill/index_put/index_reduce, put/take, masked_select/
                masked_scatter, select/slice/diagonal_scatter, fill_diagonal_
sorting         sort, topk, median, kthvalue, quantile, unique, searchsorted
histograms      histc, histogram, histogramdd
memory          clone, copy_, to/float()/..., fill_/zero_, detach, new_* factories
strided         as_strided, as_strided_, as_strided_scatter (views of the storage)
sparse          to_sparse/to_dense, coalesce, indices/values (gradkit/sparse/ has the rest)
random          uniform_, normal_
==============  ===================================================================

``gradkit/linalg.py`` declares PyTorch's top-level linear-algebra faces (``det``, ``inverse``,
...). The primitives (forward and backward rules) are in ``gradkit/ops/``; ``_registry.py``
generates the faces; ``_args.py`` holds the shared argument handling. Names exported here are
the implementations (no ``out=``), for gradkit's own use; ``gradkit.X`` is the public face.
"""

from . import comparison, elementwise, indexing, memory, products, random, reduction, shape
from . import bitwise, covariance, histograms, joining, operators, scattering, sorting
from . import sparse, special
from . import special_bessel, strided
from . import complex, spectral  # noqa: F401 (complex data: its ops, which primitives take it)
from ._registry import REGISTRY, install, public_functions, special_functions, tensor_method
from .bitwise import *  # noqa: F403
from .comparison import *  # noqa: F403
from .complex import *  # noqa: F403
from .covariance import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .histograms import *  # noqa: F403
from .indexing import *  # noqa: F403
from .joining import *  # noqa: F403
from .memory import *  # noqa: F403
from .products import *  # noqa: F403
from .reduction import *  # noqa: F403
from .scattering import *  # noqa: F403
from .shape import *  # noqa: F403
from .sorting import *  # noqa: F403
from .special import *  # noqa: F403
from .strided import *  # noqa: F403

__all__ = ["REGISTRY", "install", "public_functions", "special_functions", "tensor_method"] + [
    n for m in (bitwise, comparison, covariance, elementwise, histograms, indexing, joining,
                memory, products, reduction, scattering, shape, sorting, special, strided)
    for n in m.__all__]

# aliases (``clip``, ``concat``, ``arctan2``, ...) as attributes too, for gradkit's own callers
for _decl in REGISTRY.values():
    for _alias in _decl.aliases:
        if ":" not in _alias:
            globals()[_alias] = _decl.impl
            __all__.append(_alias)
del _decl, _alias

