"""The primitives (one file per kind). Under ``gradkit run`` this package is also what a
program reaches as ``torch.ops``: its operator namespaces (``torch.ops.aten``) come from
:mod:`gradkit.compat.torch_ops`."""

_NAMESPACES = ("aten", "prims", "quantized", "_quantized", "torchvision")


def __getattr__(name):
    if name in _NAMESPACES:
        from ..compat import torch_ops

        return torch_ops.namespace(name)
    if name == "load_library":
        from ..compat.torch_ops import load_library

        return load_library
    raise AttributeError(f"module 'gradkit.ops' has no attribute {name!r}")
