"""``gradkit info``: versions, the BLAS kernel, the optimizer threads, which extras are
installed."""

from __future__ import annotations

import os
import platform
from pathlib import Path

NAME = "info"
MPI = False

__all__ = ["add_parser", "run", "version_of"]


def add_parser(sub):
    return sub.add_parser("info", help="versions, BLAS kernel, optional extras")


def version_of(module_name: str) -> str | None:
    from importlib import metadata

    dist = {"sklearn": "scikit-learn"}.get(module_name, module_name)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        pass
    try:
        import importlib.util

        if importlib.util.find_spec(module_name) is None:
            return None
    except (ImportError, ValueError):
        return None
    return "installed"



def run(args) -> int:
    import numpy as np

    from .. import __version__

    print(f"gradkit {__version__} ({Path(__file__).resolve().parent.parent})")
    print(f"Python {platform.python_version()} ({platform.python_implementation()}, "
          f"{platform.system()} {platform.machine()})")
    print(f"NumPy {np.__version__}")
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        for info in blas:
            print(f"  BLAS: {info.get('internal_api')} {info.get('version')}, kernel "
                  f"{info.get('architecture')}, {info.get('num_threads')} threads")
        if not blas:
            print("  BLAS: none found by threadpoolctl")
    except ImportError:
        print("  BLAS: unknown (pip install threadpoolctl to see the kernel)")
    pinned = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS",
                                               "OMP_NUM_THREADS", "GRADKIT_OPTIM_THREADS",
                                               "GRADKIT_OPTIM_BLAS") if k in os.environ]
    if pinned:
        print(f"  environment: {' '.join(pinned)}")
    from ..optim import _blas, _runner, _threads

    usable = _threads.usable_cpus()
    print(f"CPU cores: {os.cpu_count()}"
          + (f" ({len(usable)} usable by this process)" if usable is not None else ""))
    n = _runner._THREADS
    fused = ("multiply-adds from NumPy's OpenBLAS"
             if _blas._blas_routines(np.dtype(np.float32)) is not None
             else "NumPy ufuncs only (GRADKIT_OPTIM_BLAS=0, or NumPy's OpenBLAS not found)")
    print(f"optimizer steps on large parameters: {n} thread{'s' if n > 1 else ''}, {fused}")
    print("optional extras:")
    for mod, use in (("sklearn", "digits data"), ("tqdm", "progress bars"),
                     ("matplotlib", "plots"), ("safetensors", ("interop (gradkit reads/writes the "
                                                              "format itself)")),
                     ("torch", "oracle tests, benchmarks"), ("threadpoolctl", "BLAS report"),
                     ("mpi4py", "distributed training"), ("cupy", "GPU backend")):
        version = version_of(mod)
        name = "scikit-learn" if mod == "sklearn" else mod
        print(f"  {name:<14} {version or 'not installed':<16} {use}")
    return 0
