"""``gradkit.nn.functional``: the functional form of every layer and loss (as torch's)."""

from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .loss_ctc import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from ._pool_fractional import *  # noqa: F401,F403,E402
from .recurrent import *  # noqa: F401,F403
from .resample import *  # noqa: F401,F403

from . import _toplevel  # noqa: E402,F401  (declares torch's top-level nn functions)
from ._toplevel import conv_tbc  # noqa: E402,F401  (torch.nn.functional.conv_tbc is torch's)


def _guard_tensor_arguments():
    """Every public function refuses a list or tuple where PyTorch takes a Tensor (its input,
    target, query/key/value, ...), as PyTorch does: a C++ binding with a TypeError, a Python
    function (``F.interpolate``, ``F.mse_loss``) with an AttributeError on ``.dim()``; gradkit's
    NotATensorError is both. Installed in each submodule, so the modules' calls are checked.
    Every function also hands its call to a Tensor subclass's or tensor-like's
    ``__torch_function__`` (see ``gradkit/_tensor/torch_function.py``)."""
    import functools
    import importlib
    import inspect

    from ..._tensor import torch_function as tf
    from ...functions._args import NotATensorError

    tensor_params = {"input", "target", "input1", "input2", "x1", "x2", "anchor", "positive",
                     "negative", "query", "key", "value", "theta", "grid", "log_probs",
                     "targets", "var"}
    seq = (list, tuple)
    numbers = (int, float, bool)
    scalar_ok = {"value", "var"}  # (F.pad's and F.threshold's fill value, a float variance)
    # PyTorch's Python code multiplies a number target into the loss
    number_ok = {("multilabel_soft_margin_loss", "target")}
    # arguments PyTorch's Python code first touches late, after its own checks of the others
    # (gaussian_nll_loss reads the input after var's sign and subtracts the target after the
    # reduction; grid_sample checks its strings first, embedding_bag the weight's rank,
    # embedding its padding_idx, triplet_margin_with_distance_loss its margin, lp_pool2d/3d
    # unpack their kernel, the deprecated upsample* and affine_grid warn): the function checks
    # them there itself
    late = {("gaussian_nll_loss", "target"), ("gaussian_nll_loss", "input"),
            ("upsample", "input"), ("upsample_bilinear", "input"),
            ("upsample_nearest", "input"), ("affine_grid", "theta"),
            ("grid_sample", "input"), ("grid_sample", "grid"), ("embedding_bag", "input"),
            ("embedding", "input"), ("lp_pool2d", "input"), ("lp_pool3d", "input"),
            ("triplet_margin_with_distance_loss", "anchor"),
            ("triplet_margin_with_distance_loss", "positive"),
            ("triplet_margin_with_distance_loss", "negative")}
    # the functions PyTorch writes in Python, which read an attribute of the input first (a
    # list fails there with an AttributeError); the others are C++ bindings (a TypeError)
    python_level = {
        "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool2d",
        "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d",
        "adaptive_max_pool3d_with_indices", "affine_grid", "batch_norm", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "dropout1d", "dropout2d", "dropout3d",
        "embedding_bag", "gaussian_nll_loss", "glu", "group_norm", "huber_loss", "instance_norm",
        "interpolate", "l1_loss", "local_response_norm", "log_softmax", "lp_pool1d",
        "lp_pool2d", "lp_pool3d", "margin_ranking_loss", "max_pool3d_with_indices",
        "max_unpool1d", "max_unpool2d", "max_unpool3d", "mse_loss",
        "multi_head_attention_forward", "normalize", "sigmoid", "smooth_l1_loss", "softmax",
        "softmin", "softsign", "tanh", "tanhshrink",
        "triplet_margin_with_distance_loss", "upsample", "upsample_bilinear",
        "upsample_nearest"}

    # Python functions of PyTorch that check the reduction string first, and losses that
    # compute before they read it
    early_reduction = {"triplet_margin_with_distance_loss", "poisson_nll_loss",
                       "margin_ranking_loss", "binary_cross_entropy",
                       "binary_cross_entropy_with_logits"}
    late_reduction = {"multilabel_soft_margin_loss", "gaussian_nll_loss"}

    def guard(f, name, checked, params):
        error = NotATensorError if name in python_level else TypeError
        # a loss bound to C++ reads its reduction string (_Reduction.get_enum: ValueError)
        # before the binding checks its arguments' types
        red = [(i, p) for i, p in enumerate(params)
               if p in ("reduction", "size_average", "reduce")] \
            if (error is TypeError or name in early_reduction) and name not in late_reduction \
            else []

        err3 = error
        # the dropouts' Python code checks p (ValueError) before the input is used
        # (and multi_margin_loss's p: ValueError unless 1 or 2)
        i_p = params.index("p") if name in ("dropout", "alpha_dropout", "feature_alpha_dropout",
                                            "dropout1d", "dropout2d", "dropout3d",
                                            "multi_margin_loss") else None
        if name == "max_pool3d":  # with return_indices, PyTorch's Python code reads .is_cuda
            i_ri = params.index("return_indices")

        @functools.wraps(f)
        def checked_call(*args, **kwargs):
            if tf.ACTIVE[0]:  # a Tensor subclass or tensor-like may take the call over
                r = tf.dispatch(checked_call, args, kwargs)
                if r is not tf.NOT_DISPATCHED:
                    return r
            error = err3
            if name == "max_pool3d" and (args[i_ri] if i_ri < len(args)
                                         else kwargs.get("return_indices")):
                error = NotATensorError
            if red:
                from .loss import _check_reduction, _legacy_reduction

                got = {p: args[i] if i < len(args) else kwargs.get(p) for i, p in red}
                if got.get("size_average") is None and got.get("reduce") is None:
                    r = got.get("reduction")
                    if isinstance(r, str) and r != "batchmean":
                        _check_reduction(_legacy_reduction(None, None, r), name)
            if i_p is not None and name == "multi_margin_loss":
                pv = args[i_p] if i_p < len(args) else kwargs.get("p", 1)
                if pv not in (1, 2):
                    raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, "
                                     f"got p={pv!r}")
            elif i_p is not None:
                from .dropout import _check_p

                pv = args[i_p] if i_p < len(args) else kwargs.get("p", 0.5)
                if isinstance(pv, (int, float)):
                    _check_p(pv)
            for i, p in checked:
                v = args[i] if i < len(args) else kwargs.get(p)
                if type(v) in seq or type(v) in numbers and p not in scalar_ok \
                        and (name, p) not in number_ok:
                    raise error(
                        f"{name}(): argument '{p}' (position {i + 1}) must be Tensor, not "
                        f"{type(v).__name__}; make one with gradkit.tensor(...)")
            try:
                return f(*args, **kwargs)
            except Exception as e:
                if not tf.face_failed(name, e, args, kwargs):
                    raise
            return tf.dispatch(checked_call, args, kwargs)  # a tensor-like's call
        checked_call.__torch_function_face__ = True
        return checked_call

    pkg = globals()
    for sub in ("activation", "attention", "conv", "dropout", "embedding", "linear", "loss",
                "loss_ctc", "normalization", "pooling", "_pool_fractional", "recurrent",
                "resample"):
        mod = importlib.import_module(f"{__name__}.{sub}")
        for name in mod.__all__:
            f = getattr(mod, name, None)
            if not inspect.isfunction(f):
                continue
            try:
                params = list(inspect.signature(f).parameters)
            except (TypeError, ValueError):
                continue
            checked = [(i, p) for i, p in enumerate(params)
                       if p in tensor_params and (name, p) not in late]
            g = guard(f, name, checked, params) if checked else tf.wrap_function(f)
            setattr(mod, name, g)
            if pkg.get(name) is f:
                pkg[name] = g


_guard_tensor_arguments()

# (PyTorch's C++ bindings of these take NumPy's ``axis=``/``keepdims=``: gradkit/_numpy_names.py)
from ..._numpy_names import numpy_names as _numpy_names  # noqa: E402

cosine_similarity = _numpy_names(cosine_similarity)  # noqa: F405
pairwise_distance = _numpy_names(pairwise_distance)  # noqa: F405

from . import _faces  # noqa: E402

_faces.snapshot()  # (the faces as installed: a program's replacement is called, as PyTorch's)
