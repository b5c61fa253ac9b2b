"""``torch.utils.cpp_extension``: the names, and a clear refusal to build.

PyTorch compiles C++/CUDA extensions against its ATen headers and loads them as Python modules;
gradkit has no ATen to compile against, so :func:`load`, :func:`load_inline` and the setuptools
helpers raise ``RuntimeError`` saying so. Libraries that try an extension and fall back to Python
on failure (peft's BOFT, which imports ``load`` before its ``try``) then take their fallback.
"""

from __future__ import annotations

import shutil
import sys

__all__ = ["BuildExtension", "CUDA_HOME", "CppExtension", "CUDAExtension", "ROCM_HOME",
           "include_paths", "is_ninja_available", "library_paths", "load", "load_inline",
           "verify_ninja_availability"]

CUDA_HOME = None  # no toolkit that gradkit builds with
CUDNN_HOME = None
ROCM_HOME = None
HIP_HOME = None
SYCL_HOME = None
IS_HIP_EXTENSION = False
IS_LINUX, IS_MACOS, IS_WINDOWS = (sys.platform.startswith("linux"), sys.platform == "darwin",
                                  sys.platform == "win32")


def _refuse(what: str):
    raise RuntimeError(
        f"torch.utils.cpp_extension.{what}: gradkit cannot build C++/CUDA extensions (they "
        f"compile against PyTorch's ATen, which gradkit does not have); use the code's "
        f"pure-Python path, or run this program with PyTorch")


def load(name, sources, *args, **kwargs):
    """Refused: see the module docstring."""
    _refuse("load")


def load_inline(name, cpp_sources, *args, **kwargs):
    """Refused: see the module docstring."""
    _refuse("load_inline")


def CppExtension(name, sources, *args, **kwargs):  # noqa: N802 (PyTorch's name)
    """Refused: see the module docstring."""
    _refuse("CppExtension")


def CUDAExtension(name, sources, *args, **kwargs):  # noqa: N802 (PyTorch's name)
    """Refused: see the module docstring."""
    _refuse("CUDAExtension")


class BuildExtension:
    """setuptools' build command for extensions: refused when made."""

    def __init__(self, *args, **kwargs):
        _refuse("BuildExtension")

    @classmethod
    def with_options(cls, **options):
        _refuse("BuildExtension.with_options")


def include_paths(*args, **kwargs) -> list:
    """Refused: gradkit ships no ATen headers."""
    _refuse("include_paths")


def library_paths(*args, **kwargs) -> list:
    """Refused: gradkit ships no ATen libraries."""
    _refuse("library_paths")


def is_ninja_available() -> bool:
    """Whether the ``ninja`` build tool is on the PATH (as PyTorch's answer)."""
    return shutil.which("ninja") is not None


def verify_ninja_availability() -> None:
    if not is_ninja_available():
        raise RuntimeError("Ninja is required to load C++ extensions")
