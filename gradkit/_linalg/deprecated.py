"""PyTorch's deprecation warnings for its legacy top-level linear-algebra functions (given once
per process, as its ``TORCH_WARN_ONCE``), word for word: programs filter warnings by their
text."""

from __future__ import annotations

from .._warnings import through_out_face, warn_once

_MESSAGES = {
    "lu": (
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / "
        "torch.linalg.lu_factor_ex and will be removed in a future PyTorch release.\n"
        "LU, pivots = torch.lu(A, compute_pivots)\n"
        "should be replaced with\n"
        "LU, pivots = torch.linalg.lu_factor(A, compute_pivots)\n"
        "and\n"
        "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\n"
        "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)"
    ),
    "cholesky": (
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
        "removed in a future PyTorch release.\n"
        "L = torch.cholesky(A)\n"
        "should be replaced with\n"
        "L = torch.linalg.cholesky(A)\n"
        "and\n"
        "U = torch.cholesky(A, upper=True)\n"
        "should be replaced with\n"
        "U = torch.linalg.cholesky(A).mH\n"
        "This transform will produce equivalent results for all valid (symmetric "
        "positive definite) inputs."
    ),
    "qr": (
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
        "future PyTorch release.\n"
        "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
        "Q, R = torch.qr(A, some)\n"
        "should be replaced with\n"
        "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')"
    ),
    "chain_matmul": (
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch "
        "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
        "more tensors rather than multiple parameters."
    ),
    "lu_solve": (
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be "
        "removed in a future PyTorch release.\n"
        "Note that torch.linalg.lu_solve has its arguments reversed.\n"
        "X = torch.lu_solve(B, LU, pivots)\n"
        "should be replaced with\n"
        "X = torch.linalg.lu_solve(LU, pivots, B)"
    ),
    "triangular_solve": (
        "torch.triangular_solve is deprecated in favor of "
        "torch.linalg.solve_triangularand will be removed in a future PyTorch release.\n"
        "torch.linalg.solve_triangular has its arguments reversed and does not return a "
        "copy of one of the inputs.\n"
        "X = torch.triangular_solve(B, A).solution\n"
        "should be replaced with\n"
        "X = torch.linalg.solve_triangular(A, B)."
    ),
    "cross": (
        "Using torch.cross without specifying the dim arg is deprecated.\n"
        "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
        "The default value of dim will change to agree with that of linalg.cross in a future "
        "release."
    ),
}


# how a function's out= face warns, measured against PyTorch 2.13 (default "own": its ``_out``
# kernel has a once-per-process flag of its own): "shared" (the function's flag), "both"
# (``cholesky_out`` warns on its own flag, then through the function's), "none"
_OUT_FACE = {"cholesky": "both", "triangular_solve": "shared", "cross": "none"}


def deprecated(name: str) -> None:
    """Warn, once per process, that the legacy ``torch.<name>`` is deprecated (its ``out=`` face
    as PyTorch's ``_out`` kernel does: see ``_OUT_FACE``)."""
    key, how = f"deprecated {name}", _OUT_FACE.get(name, "own")
    if how != "shared" and through_out_face():
        if how == "none":
            return
        warn_once(key + " (out=)", _MESSAGES[name])
        if how == "own":
            return
    warn_once(key, _MESSAGES[name])
