"""The import hook behind ``gradkit run``: ``torch`` -> gradkit, ``torchvision`` -> gradkit.vision.

A ``sys.meta_path`` finder maps each requested name to a gradkit module and hands back that very
module object (so ``torch.nn is gradkit.nn`` and ``isinstance`` checks hold across both names).
The rule is by name: ``torch.X.Y`` -> ``gradkit.X.Y``, with a few renames in ``_RENAMES``
(``torch.jit``, ``torch.cuda.amp``). A name gradkit lacks raises ``ImportError`` naming the module
and saying gradkit does not provide it.

While installed, gradkit's classes show PyTorch's dotted names (``<class 'torch.Tensor'>``,
``torch.nn.modules.linear.Linear``; :mod:`gradkit.compat.typenames`).

Opt-in only: nothing installs this on ``import gradkit``; :func:`install` does, and
:func:`uninstall` removes it (and the aliases it put in ``sys.modules``).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

from . import typenames

__all__ = ["install", "uninstall", "installed", "target_of"]

# torch/torchvision names whose gradkit module is not the same dotted path under ``gradkit``
_RENAMES = {
    "torch": "gradkit",
    "torchvision": "gradkit.vision",
    "torch.jit": "gradkit.compat.jit",
    "torch.jit.annotations": "gradkit.compat.jit_annotations",
    "torch._jit_internal": "gradkit.compat.jit",  # (the decorators libraries import from it)
    "torch._dynamo": "gradkit.compat.dynamo",
    "torch._dynamo.eval_frame": "gradkit.compat.dynamo",
    "torch._dynamo._trace_wrapped_higher_order_op": "gradkit.compat.dynamo",
    "torch.compiler": "gradkit.compat.dynamo",
    "torch.cuda.amp": "gradkit.amp.cuda",
    "torch.cpu.amp": "gradkit.amp.cpu",
    "torch.amp.autocast_mode": "gradkit.amp",
    "torch.amp.grad_scaler": "gradkit.amp",
    # PyTorch's private home of the collate functions, which programs import from
    "torch.utils.data._utils": "gradkit.utils.data",
    # files of PyTorch's that gradkit merges into another (the class names PyTorch's pickles
    # and gradkit run's printed types use: torch.nn.modules.flatten.Flatten)
    "torch.nn.modules.channelshuffle": "gradkit.nn.modules.pixelshuffle",
    "torch.nn.modules.distance": "gradkit.nn.modules.normalization",
    "torch.nn.modules.flatten": "gradkit.nn.modules.linear",
    "torch.optim.adamw": "gradkit.optim.adam",
    "torch.multiprocessing.spawn": "gradkit.multiprocessing",
    "torch.profiler.profiler": "gradkit.profiler",
    "torch.autograd.variable": "gradkit.compat._api",
    "torch.storage": "gradkit._storage",
    # the stand-alone package that preceded torch.func, still imported by older programs
    "functorch": "gradkit.compat.functorch",
}
_ROOTS = ("torch", "torchvision", "functorch")


def target_of(fullname: str) -> str | None:
    """The gradkit module that stands for ``fullname`` (None for a name the hook leaves alone)."""
    root = fullname.split(".", 1)[0]
    if root not in _ROOTS:
        return None
    # the longest renamed prefix wins: torchvision.models.resnet -> gradkit.vision.models.resnet
    parts = fullname.split(".")
    for cut in range(len(parts), 0, -1):
        head = ".".join(parts[:cut])
        if head in _RENAMES:
            return ".".join([_RENAMES[head], *parts[cut:]])
    return None  # pragma: no cover (both roots are renamed)


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system the already-imported gradkit module, and leaves its own
    ``__spec__`` in place (the import system overwrites it with the alias spec)."""

    def __init__(self, module, alias):
        self.module = module
        self.alias = alias
        self.spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        if self.spec is not None:
            module.__spec__ = self.spec
        _alias_shadowed_children(self.alias, module)


def _alias_shadowed_children(alias: str, module) -> None:
    """A package attribute named as one of its submodules (``torch.nn.parallel.data_parallel``,
    the function, beside the module ``data_parallel.py``): give the submodule its alias now, so
    that a later ``import torch.nn.parallel.data_parallel`` finds it in ``sys.modules`` and the
    import system does not set the package's attribute to the module (as it would for a module
    it loads anew), which would replace the function in gradkit's own package."""
    if not hasattr(module, "__path__"):
        return
    base = getattr(module.__spec__, "name", module.__name__) + "."  # gradkit's own dotted name
    modules = sys.modules
    for name, value in list(vars(module).items()):
        sub = modules.get(base + name)
        if sub is not None and value is not sub and alias + "." + name not in modules \
                and target_of(alias + "." + name) == base + name:
            modules[alias + "." + name] = sub


def _missing(fullname: str, target: str) -> ImportError:
    root = fullname.split(".", 1)[0]
    what = "torchvision" if root == "torchvision" else "PyTorch"
    return ModuleNotFoundError(
        f"No module named '{fullname}': gradkit does not provide {what}'s {fullname} (looked for "
        f"{target}); this program uses a part of {what} that gradkit has not implemented. Run it "
        f"with real PyTorch, or see README's 'Running PyTorch programs' for what is supported.",
        name=fullname)


class TorchFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch``, ``torch.*``, ``torchvision`` and ``torchvision.*`` to gradkit."""

    def find_spec(self, fullname, path=None, target=None):
        dest = target_of(fullname)
        if dest is None:
            return None
        try:
            module = importlib.import_module(dest)
        except ModuleNotFoundError as exc:
            # only the target (or a package above it) missing means "gradkit lacks it"; an
            # import error inside an existing gradkit module is a bug to show as it is
            if exc.name is not None and (dest == exc.name or dest.startswith(exc.name + ".")):
                raise _missing(fullname, dest) from None
            raise
        is_pkg = hasattr(module, "__path__")
        if not is_pkg and any(name.startswith(fullname + ".") for name in _RENAMES):
            # torch.cuda is a package in PyTorch (torch.cuda.amp); gradkit.cuda is one module
            # file, so give it an empty search path for the import system to look in
            module.__path__ = []
            is_pkg = True
        typenames.refresh()  # the classes of gradkit modules this import brought in
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module, fullname),
                                              is_package=is_pkg)


_FINDER: list[TorchFinder] = []


def installed() -> bool:
    return bool(_FINDER)


def install() -> None:
    """Put the finder first on ``sys.meta_path``. A real ``torch``/``torchvision`` already
    imported in this process is set aside from ``sys.modules`` (restored by :func:`uninstall`)."""
    if _FINDER:
        return
    finder = TorchFinder()
    _SAVED.clear()
    for name in list(sys.modules):
        if name.split(".", 1)[0] in _ROOTS:
            _SAVED[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, finder)
    _FINDER.append(finder)
    _torch_version(True)
    _torch_name(True)
    typenames.activate()
    from .. import _utils
    from .._tensor import tensor

    tensor.TORCH_REDUCE[:] = [_utils.torch_reduce]  # pickles PyTorch reads (torch._utils names)


def _torch_version(on: bool) -> None:
    """The program's ``torch.__version__`` (and ``torch.version.__version__``): the PyTorch
    release whose API gradkit follows, gradkit's own version as its local label
    (``2.13.0+gradkit.0.1.0``), so a program branching on the version takes the path for the
    API it gets; gradkit's own version again once uninstalled."""
    import gradkit

    from ..torch_version import API_VERSION, TorchVersion

    if on:
        _VERSION[:] = [gradkit.__version__]
        v = TorchVersion(f"{API_VERSION}+gradkit.{gradkit.__version__}")
    elif _VERSION:
        v = _VERSION.pop()
    else:
        return
    gradkit.__version__ = v
    gradkit.version.__version__ = v


_VERSION: list = []


def _torch_name(on: bool) -> None:
    """``torch.__name__`` reads ``"torch"`` while installed, as in PyTorch (libraries check it:
    Pyro patches ``torch.distributions`` through dotted paths it checks against
    ``torch.__name__``); ``"gradkit"`` again once uninstalled. gradkit's own relative imports go
    by ``__package__``/``__spec__``, which keep gradkit's name."""
    import gradkit

    gradkit.__name__ = "torch" if on else "gradkit"


_SAVED: dict = {}


def uninstall() -> None:
    """Remove the finder and the ``torch*`` aliases; put back a real torch set aside."""
    if not _FINDER:
        return
    finder = _FINDER.pop()
    _torch_version(False)
    _torch_name(False)
    typenames.deactivate()
    from .._tensor import tensor

    tensor.TORCH_REDUCE.clear()
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    for name in list(sys.modules):
        if name.split(".", 1)[0] in _ROOTS:
            del sys.modules[name]
    sys.modules.update(_SAVED)
    _SAVED.clear()
