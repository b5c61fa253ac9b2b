"""gradkit's twin of a class or function that PyTorch pickled by its path: what
``gradkit.load(weights_only=False)`` of a model, optimizer or scheduler that PyTorch saved whole
rebuilds it from."""

from __future__ import annotations

import importlib

__all__ = ["gradkit_twin"]

# PyTorch's C namespaces, as pickled functions name them: where gradkit keeps each, and the
# prefix PyTorch's name carries there (``torch._C._linalg.linalg_norm`` is ``torch.linalg.norm``)
_C_NAMESPACES = {
    "torch._C._nn": ("gradkit.nn.functional", ""),
    "torch._C._linalg": ("gradkit.linalg", "linalg_"),
    "torch._C._special": ("gradkit.special", "special_"),
    "torch._C._fft": ("gradkit.fft", "fft_"),
}
_C_CLASSES = {"_VariableFunctionsClass": "gradkit", "_VariableFunctions": "gradkit",
              "TensorBase": "Tensor", "_TensorBase": "Tensor"}


def gradkit_twin(module: str, name: str):
    """gradkit's class or function at PyTorch's path (``torch.nn.modules.linear.Linear`` is
    ``gradkit.nn.modules.linear.Linear``, ``torch._C._nn.gelu`` is ``gradkit.nn.functional.gelu``),
    or None: so that ``torch.load(weights_only=False)`` of a model PyTorch pickled whole rebuilds
    it from gradkit's classes (their attributes are PyTorch's, so its pickled state fits)."""
    import gradkit

    if module == "torch._C" and name in _C_CLASSES:
        target = _C_CLASSES[name]
        return gradkit if target == "gradkit" else getattr(gradkit, target)
    if module in _C_NAMESPACES:
        module, prefix = _C_NAMESPACES[module]
        name = name[len(prefix):] if name.startswith(prefix) else name
        parts = [module]
    else:  # the same path, else a package above it (gradkit.nn has torch's nn.modules.flatten)
        parts = ("gradkit" + module[len("torch"):]).split(".")
        parts = [".".join(parts[:n]) for n in range(len(parts), 1, -1)]
    for path in parts:
        try:
            found = getattr(importlib.import_module(path), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None
