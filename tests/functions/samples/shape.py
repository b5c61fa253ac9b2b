"""Registry samples of the shape ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("reshape", N(2, 3, 4), (4, 6)),
    S("reshape", N(2, 3, 4), (-1, 2)),
    S("view", N(2, 3, 4), 4, 6),
    S("permute", N(2, 3, 4), (2, 0, 1)),
    S("transpose", N(2, 3, 4), 0, 2),
    S("t", N(3, 4)),
    S("flatten", N(2, 3, 4), 1),
    S("unflatten", N(2, 6), 1, (2, 3)),
    S("squeeze", N(2, 1, 3, 1)),
    S("squeeze", N(2, 1, 3), 1),
    S("unsqueeze", N(2, 3), 1),
    S("broadcast_to", N(3, 1), (2, 3, 4)),
    S("expand", N(3, 1), 2, 3, 4),
    S("expand_as", N(3, 1), N(2, 3, 4), nograd=(1,)),
    S("repeat", N(2, 3), 2, 1, 2),
    S("cat", [N(2, 3), N(2, 1)], dim=1),
    S("stack", [N(2, 3), N(2, 3)], 1),
    S("split", N(5, 3), 2),
    S("split", N(2, 5), [1, 4], dim=1),
    S("chunk", N(2, 7), 3, 1),
    S("unbind", N(2, 3), 1),
    S("narrow", N(3, 5), 1, 1, 3),
    S("narrow_copy", N(3, 5), 1, 1, 3),
    S("narrow_copy", N(3, 5), 0, 1, 2),
    S("flip", N(2, 3, 4), (0, 2)),
    S("diag", N(4)),
    S("diag", N(3, 4), 1),
    S("tril", N(4, 4), -1),
    S("triu", N(2, 3, 4), 1),
    S("roll", N(3, 4), 2, 1),
    S("roll", N(3, 4), (1, -2), (0, 1)),
    S("roll", N(3, 4), 3),
    S("repeat_interleave", N(2, 3), 2, dim=1),
    S("repeat_interleave", N(3, 2), np.array([1, 0, 2]), dim=0),
    S("tile", N(2, 3), (2, 1, 2)),
    S("movedim", N(2, 3, 4), 0, 2),
    S("diagonal", N(3, 4, 2), 1, 0, 1),
    S("meshgrid", N(3), N(2), indexing="ij"),
    S("meshgrid", N(3), N(2), indexing="xy"),
    S("rot90", N(3, 4), 1, (0, 1)),
    S("rot90", N(2, 3, 4), -1, (1, 2)),
]

# torch.vander's backward raises (its forward modifies a saved tensor in place): gradients are
# checked against finite differences only
_VANDER_TORCH = "PyTorch's vander backward fails: 'modified by an inplace operation'"

SAMPLES += [
    S("ravel", N(2, 3, 4)),
    S("ravel", N(3, 4)[:, ::2]),
    S("select", N(2, 3, 4), 1, -1),
    S("select", N(2, 3), 0, 1),
    S("fliplr", N(2, 3, 4)),
    S("flipud", N(3, 2)),
    S("unfold", N(3, 7), 1, 3, 2),
    S("unfold", N(6, 2), 0, 2, 1),
    S("unfold", N(5), 0, 5, 1),
    S("diag_embed", N(2, 3)),
    S("diag_embed", N(2, 3), 1, 0, 2),
    S("diag_embed", N(3), -2, 1, 0),
    S("diagflat", N(2, 2)),
    S("diagflat", N(3), -1),
    S("tril_indices", 3, 4, grad=False),
    S("tril_indices", 4, 3, -1, grad=False),
    S("triu_indices", 3, 4, 1, grad=False),
    S("triu_indices", 5, 2, grad=False),
    S("vander", N(4), xfail={"grad_torch": _VANDER_TORCH}),
    S("vander", N(3), 5, True, xfail={"grad_torch": _VANDER_TORCH}),
    S("vander", Idx(5, 4), 3, grad=False),
]

# the other splits and adjoint
SAMPLES += [
    S("split_with_sizes", N(5, 3), [2, 3]),
    S("split_with_sizes", N(2, 5), [1, 0, 4], dim=-1),
    S("unsafe_split", N(5, 3), 2),
    S("unsafe_split", N(2, 5), 3, dim=1),
    S("unsafe_split_with_sizes", N(2, 5), [3, 2], dim=1),
    S("unsafe_chunk", N(2, 7), 3, 1),
    S("adjoint", N(3, 4)),
    S("adjoint", N(2, 3, 4)),
]
