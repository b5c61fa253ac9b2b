"""PyTorch's class names under ``gradkit run``: ``type(x)`` prints ``<class 'torch.Tensor'>``, a
layer ``<class 'torch.nn.modules.linear.Linear'>``, an optimizer ``torch.optim.sgd.SGD``, as the
program prints them under PyTorch.

:func:`activate` (called by the import hook's ``install``) renames, in place, each gradkit class
PyTorch has: ``gradkit.X.Y`` becomes ``torch.X.Y`` (``gradkit.vision`` becomes ``torchvision``),
with the files where PyTorch's path differs from gradkit's in :data:`_TORCH_HOME`. A class is
renamed only where pickle can find it by the new name through the hook (``torch.save(model)``
then writes PyTorch's names, which ``gradkit.load`` maps back); classes of modules imported later
are renamed as the hook serves them. :func:`deactivate` (the hook's ``uninstall``) restores every
name.
"""

from __future__ import annotations

import importlib
import sys

from .._typenames import is_private

__all__ = ["activate", "deactivate", "active", "refresh", "home_of", "torch_module"]

# gradkit's subpackages that are PyTorch's as well (gradkit.train, gradkit.datasets, ... are not)
_SHARED = frozenset((
    "nn", "optim", "utils", "distributions", "autograd", "amp", "cuda", "fx", "func", "linalg",
    "fft", "special", "random", "profiler", "multiprocessing", "distributed", "overrides",
    "types", "return_types", "sparse", "backends", "testing", "onnx", "serialization", "hub",
    "export",
    "signal", "cpu", "mps", "xpu", "accelerator", "functional", "vision",
))

# (gradkit module, class) -> PyTorch's module, where its file differs from gradkit's
_TORCH_HOME = {
    ("gradkit._file_reader", "PyTorchFileReader"): "torch",  # (torch._C's, shown as torch's)
    ("gradkit._C", "ScriptModule"): "torch",
    ("gradkit._C", "ScriptObject"): "torch",
    ("gradkit.nn.modules.pixelshuffle", "ChannelShuffle"): "torch.nn.modules.channelshuffle",
    ("gradkit.nn.modules.normalization", "CosineSimilarity"): "torch.nn.modules.distance",
    ("gradkit.nn.modules.normalization", "PairwiseDistance"): "torch.nn.modules.distance",
    ("gradkit.nn.modules.embedding_bag", "EmbeddingBag"): "torch.nn.modules.sparse",
    ("gradkit.nn.modules.linear", "Flatten"): "torch.nn.modules.flatten",
    ("gradkit.nn.modules.linear", "Unflatten"): "torch.nn.modules.flatten",
    ("gradkit.nn.modules.attention", "MultiheadAttention"): "torch.nn.modules.activation",
    ("gradkit.nn.modules.syncbatchnorm", "SyncBatchNorm"): "torch.nn.modules.batchnorm",
    ("gradkit.optim.adam", "AdamW"): "torch.optim.adamw",
    ("gradkit.optim.adafactor", "Adafactor"): "torch.optim",
    ("gradkit.optim.muon", "Muon"): "torch.optim",
    ("gradkit.amp", "GradScaler"): "torch.amp.grad_scaler",
    ("gradkit.amp", "autocast"): "torch.amp.autocast_mode",
    ("gradkit.multiprocessing", "ProcessExitedException"): "torch.multiprocessing.spawn",
    ("gradkit.multiprocessing", "ProcessRaisedException"): "torch.multiprocessing.spawn",
    ("gradkit.profiler", "profile"): "torch.profiler.profiler",
    ("gradkit.profiler", "ProfilerAction"): "torch.profiler.profiler",
    ("gradkit.compat._api", "Variable"): "torch.autograd.variable",
    ("gradkit", "TypedStorage"): "torch.storage",
    ("gradkit", "UntypedStorage"): "torch.storage",
    ("gradkit.profiler", "record_function"): "torch.autograd.profiler",
    ("gradkit._streams", "Stream"): "torch",
    ("gradkit._streams", "Event"): "torch",
}
for _name in ("CatTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform",
              "StackTransform"):
    _TORCH_HOME["gradkit.distributions.transforms_matrix", _name] = "torch.distributions.transforms"
for _rank in ("1d", "2d", "3d"):
    for _kind, _file in (("BatchNorm", "batchnorm"), ("InstanceNorm", "instancenorm"),
                         ("Conv", "conv"), ("ConvTranspose", "conv")):
        _TORCH_HOME["gradkit.nn.modules.lazy", f"Lazy{_kind}{_rank}"] = f"torch.nn.modules.{_file}"
_TORCH_HOME["gradkit.nn.modules.lazy", "LazyLinear"] = "torch.nn.modules.linear"
# the schedulers' private files (their plain-gradkit __module__ stays the file: the
# documentation's inspector follows __module__ and would see aliases going round)
for _file, _names in (("_base", ("LRScheduler",)), ("_plateau", ("ReduceLROnPlateau",)),
                      ("_composite", ("ChainedScheduler", "SequentialLR")),
                      ("_cyclic", ("CyclicLR", "OneCycleLR")),
                      ("_schedules", ("ConstantLR", "CosineAnnealingLR",
                                      "CosineAnnealingWarmRestarts", "ExponentialLR", "LambdaLR",
                                      "LinearLR", "MultiStepLR", "MultiplicativeLR",
                                      "PolynomialLR", "StepLR"))):
    for _name in _names:
        _TORCH_HOME["gradkit.optim.lr_scheduler." + _file, _name] = "torch.optim.lr_scheduler"

# (gradkit module, class) -> (PyTorch's module, PyTorch's name), where the name differs too:
# torch.linalg.LinAlgError is torch._C._LinAlgError (``type(e).__name__`` prints that)
_TORCH_NAME = {
    ("gradkit.ops.linalg", "LinAlgError"): ("torch._C", "_LinAlgError"),
}

_RENAMED: dict[type, str] = {}  # class -> the __module__ it had before activate()
_NAMES: dict[type, tuple] = {}  # class -> the (__name__, __qualname__) it had
_SEEN: set[str] = set()  # gradkit modules whose classes have been looked at
_ACTIVE: list[bool] = []


def active() -> bool:
    return bool(_ACTIVE)


def home_of(cls) -> str | None:
    """The gradkit module ``cls`` had before :func:`activate` renamed it (None: not renamed)."""
    try:
        return _RENAMED.get(cls)
    except TypeError:  # an unhashable object
        return None


def torch_module(cls: type) -> str | None:
    """The module PyTorch names ``cls`` under (None: a gradkit class PyTorch does not have)."""
    module = cls.__module__
    named = _TORCH_NAME.get((module, cls.__qualname__))
    if named is not None:
        return named[0]
    explicit = _TORCH_HOME.get((module, cls.__qualname__))
    if explicit is not None:
        return explicit
    if not module.startswith("gradkit"):
        return None
    parts = module.split(".")
    if is_private(module):  # only a class its public package exports (torch.fx's Tracer is
        # torch.fx._symbolic_trace.Tracer too); gradkit's own helpers keep their names
        public = ".".join(parts[:next(i for i, p in enumerate(parts) if p.startswith("_"))])
        if getattr(sys.modules.get(public), cls.__qualname__, None) is not cls:
            return None
    if len(parts) > 1 and parts[1] not in _SHARED:
        return None
    if parts[1:2] == ["vision"]:
        return ".".join(["torchvision", *parts[2:]])
    return ".".join(["torch", *parts[1:]])


def _findable(cls: type, module: str, name: str | None = None) -> bool:
    """Whether pickle, under the hook, finds ``cls`` as ``module.qualname``; a class PyTorch keeps
    in a file gradkit merges into another (``torch.nn.modules.conv.LazyConv2d``) is put there."""
    from . import hook

    target = hook.target_of(module)
    if target is None:
        return False
    home = sys.modules.get(target)
    if home is None:
        try:
            home = importlib.import_module(target)
        except ImportError:
            return False
    found = getattr(home, name or cls.__qualname__, None)
    if found is None and (cls.__module__, cls.__qualname__) in _TORCH_HOME:
        setattr(home, cls.__qualname__, cls)
        found = cls
    return found is cls


def refresh() -> None:
    """Rename the classes of gradkit modules imported since the last call."""
    if not _ACTIVE:
        return
    for name, mod in list(sys.modules.items()):
        if name in _SEEN or not name.startswith("gradkit") or mod is None:
            continue
        _SEEN.add(name)
        for cls in list(vars(mod).values()):
            if not isinstance(cls, type) or cls in _RENAMED or \
                    not (cls.__module__ or "").startswith("gradkit"):
                continue
            dest = torch_module(cls)
            named = _TORCH_NAME.get((cls.__module__, cls.__qualname__))
            if dest is not None and _findable(cls, dest, named and named[1]):
                _RENAMED[cls] = cls.__module__
                cls.__module__ = dest
                if named is not None:
                    _NAMES[cls] = (cls.__name__, cls.__qualname__)
                    cls.__name__ = cls.__qualname__ = named[1]


def activate() -> None:
    if not _ACTIVE:
        _ACTIVE.append(True)
        _SEEN.clear()
    refresh()


def deactivate() -> None:
    if not _ACTIVE:
        return
    _ACTIVE.clear()
    for cls, module in _RENAMED.items():
        cls.__module__ = module
    for cls, (name, qualname) in _NAMES.items():
        cls.__name__, cls.__qualname__ = name, qualname
    _RENAMED.clear()
    _NAMES.clear()
    _SEEN.clear()
