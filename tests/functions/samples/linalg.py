"""Registry samples of the linalg ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("det", N(3, 3)),
    S("det", N(2, 3, 3)),
    S("inverse", N(3, 3) + 3 * np.eye(3)),
    S("slogdet", N(3, 3)),
    S("matrix_power", N(3, 3) * 0.5, 3),
    S("matrix_power", N(3, 3) + 3 * np.eye(3), -2),
    S("matrix_exp", N(3, 3) * 0.5),
    S("logdet", N(3, 3), pre=spd),
    S("cholesky", N(3, 3), pre=spd),
    S("cholesky", N(3, 3), upper=True, pre=spd),
    S("cross", N(4, 3), N(4, 3), dim=1),
    S("pinverse", N(3, 4)),
    S("svd", N(4, 3), post=svd_gauge),
    S("svd", N(3, 5), post=svd_gauge),
    S("qr", N(4, 3)),
    S("cholesky_solve", N(3, 2), N(3, 3), pre=solve_lower),
    S("cholesky_inverse", N(3, 3), pre=lower),
]

def _torch_vander(torch):
    def vander(x, N=None, increasing=False):
        if not isinstance(x, torch.Tensor):
            return torch.vander(x, N, increasing)  # (TypeError, as torch.vander)
        n = (x.shape[-1] if x.dim() else 0) if N is None else N
        if x.dim() != 1 or x.dtype in (torch.bool, torch.float16, torch.bfloat16) \
                or not isinstance(n, int) or n <= 1:
            # linalg.vander refuses these (not 1-D, bool, half, N < 2), which torch.vander
            # takes or refuses with its own error; the fuzzer compares no gradient of a half
            # tensor, and torch.vander records no graph for the others, so its failing
            # backward is not reached
            return torch.vander(x, N, increasing)
        out = torch.linalg.vander(x, N=N)
        return out if increasing else out.flip(-1)

    return vander


_PIVOTS = np.array([2, 3, 3], dtype=np.int32)  # LAPACK's 1-based row swaps of a 3x3 LU
SAMPLES += [
    S("lu", N(3, 3)),
    S("lu", N(2, 4, 3)),
    S("lu", N(3, 3), get_infos=True),
    S("lu_unpack", N(3, 3) + 3 * np.eye(3), _PIVOTS, method=False),
    S("lu_unpack", N(4, 3), _PIVOTS, method=False),
    S("lu_solve", N(3, 2), N(3, 3) + 3 * np.eye(3), _PIVOTS),
    S("triangular_solve", N(3, 2), N(3, 3) + 3 * np.eye(3)),
    S("triangular_solve", N(2, 3, 2), N(3, 3) + 3 * np.eye(3), upper=False, transpose=True),
    S("geqrf", N(4, 3), grad=False),
    S("orgqr", N(4, 3), N(3)),
    S("ormqr", N(4, 3), N(3), N(4, 2)),
    S("ormqr", N(4, 3), N(3), N(2, 4), left=False, transpose=True),
    # torch.vander's own backward fails in 2.13 (an in-place error); the twin is linalg.vander
    S("vander", N(4), method=False, torch=_torch_vander),
    S("vander", N(3), 5, True, method=False, torch=_torch_vander),
]

# the legacy norms
SAMPLES += [
    S("frobenius_norm", N(2, 3, 4), (1, 2)),
    S("frobenius_norm", N(3, 4), 1, True),
    S("frobenius_norm", N(3, 4), []),
    S("nuclear_norm", N(3, 4)),
    S("nuclear_norm", N(2, 3, 4), True),
    S("nuclear_norm", N(3, 2, 4), (0, 2), keepdim=True),
]
