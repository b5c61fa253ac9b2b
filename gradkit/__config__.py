"""``gradkit.__config__``: what this build is made of, as PyTorch's ``torch.__config__``.

``show()`` keeps PyTorch's layout (a ``Build settings:`` line of ``KEY=VALUE`` pairs) so programs
that search it find the answers that hold for gradkit: no CUDA, no MKL or MKL-DNN kernels, no
OpenMP (its matrix products run on the BLAS library NumPy was built with).
"""

from __future__ import annotations

__all__ = ["show", "parallel_info"]


def _blas_name() -> str:
    try:
        import numpy as np

        info = np.show_config(mode="dicts")
        return info["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001 - an older or unusual NumPy build: say so rather than fail
        return "unknown"


def show() -> str:
    """A description of this build, in the layout of ``torch.__config__.show()``."""
    import numpy as np

    from ._runtime import version

    return ("gradkit built with:\n"
            f"  - NumPy {np.__version__}\n"
            f"  - BLAS: {_blas_name()} (NumPy's)\n"
            f"  - Build settings: BLAS_INFO={_blas_name()}, TORCH_VERSION={version.__version__}, "
            "USE_CUDA=0, USE_CUDNN=OFF, USE_MKL=OFF, USE_MKLDNN=OFF, USE_MPI=OFF, USE_NCCL=OFF, "
            "USE_OPENMP=OFF, USE_ROCM=OFF, USE_XPU=OFF, \n")


def parallel_info() -> str:
    """The thread counts gradkit uses, in the layout of ``torch.__config__.parallel_info()``."""
    from ._runtime import get_num_interop_threads, get_num_threads

    return ("ATen/Parallel:\n"
            f"\tat::get_num_threads() : {get_num_threads()}\n"
            f"\tat::get_num_interop_threads() : {get_num_interop_threads()}\n"
            f"BLAS library: {_blas_name()} (NumPy's)\n"
            "ATen parallel backend: none (NumPy's BLAS threads)\n")


def _cxx_flags() -> str:
    return ""
