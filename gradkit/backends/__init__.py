"""``gradkit.backends`` (PyTorch's ``torch.backends``): the backend flags programs set.

gradkit computes with NumPy (and CuPy on a GPU); it calls neither cuDNN, oneDNN, MPS nor
opt_einsum, so their ``is_available()`` say False. The flags (``cudnn.benchmark``,
``cudnn.deterministic``, ``cuda.matmul.allow_tf32``, ...) are accepted and read back with PyTorch's
defaults; they change nothing: gradkit's CPU results are deterministic, and it never uses TF32.
"""

from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
