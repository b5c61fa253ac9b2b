"""``gradkit.onnx`` (PyTorch's ``torch.onnx``): export a model to an ONNX file.

``export(model, args, f, input_names=..., output_names=..., dynamic_axes=...)`` runs the model
once on ``args`` in eval mode and records it: the known layers (Linear, Conv1d/2d, BatchNorm,
LayerNorm, the activations, pooling, Flatten, Dropout, Embedding, LSTM/GRU/RNN,
MultiheadAttention and so the Transformer encoder/decoder layers) each as their ONNX nodes, and
the operations of custom ``forward`` methods (``+ - * / @``, reshape/view/flatten,
permute/transpose, cat/stack, mean/sum, indexing with ints and slices, softmax, ...) one by one.
Weights become initializers named by the ``state_dict``. A layer or operation without a
translation raises :class:`~gradkit.onnx.errors.UnsupportedOperatorError` naming it and the
module it is in. The file is written with the ``onnx`` package (``pip install
'gradkit[onnx]'``); this module imports it only when exporting.

Examples:
    >>> gradkit.onnx.export(model, gradkit.randn(1, 3, 32, 32), "model.onnx",
    ...                     input_names=["image"], output_names=["logits"],
    ...                     dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
"""

from __future__ import annotations

import enum
import io
import os

from . import errors
from .errors import OnnxExporterError, UnsupportedOperatorError

__all__ = ["OnnxExporterError", "TrainingMode", "UnsupportedOperatorError", "errors", "export",
           "is_in_onnx_export", "DEFAULT_OPSET"]

DEFAULT_OPSET = 18
_MIN_OPSET, _MAX_OPSET = 14, 21


class TrainingMode(enum.IntEnum):
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


def is_in_onnx_export() -> bool:
    """True while :func:`export` is running the model (``forward`` may branch on it)."""
    from ._trace import is_tracing

    return is_tracing()






def _dynamic(dynamic_axes, known: set) -> dict:
    out = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in known:
            raise ValueError(f"gradkit.onnx.export: dynamic_axes names {name!r}, which is not an "
                             f"input or output name (they are {sorted(known)})")
        if isinstance(axes, dict):
            out[name] = {int(k): str(v) for k, v in axes.items()}
        elif isinstance(axes, (list, tuple)):
            out[name] = {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(axes)}
        else:
            raise TypeError(f"gradkit.onnx.export: dynamic_axes[{name!r}] must be a dict "
                            f"{{axis: name}} or a list of axes, got {type(axes).__name__}")
    return out


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None,
           output_names=None, opset_version=None, dynamo=True, external_data=True,
           dynamic_shapes=None, export_params=True, keep_initializers_as_inputs=False,
           dynamic_axes=None, training=TrainingMode.EVAL, do_constant_folding=True,
           custom_opsets=None, verify=False, custom_translation_table=None, report=False,
           optimize=True, profile=False, dump_exported_program=False, artifacts_dir=".",
           operator_export_type=None, export_modules_as_functions=False,
           autograd_inlining=True):
    """Export ``model`` run on ``args`` to the ONNX file ``f`` (PyTorch's ``torch.onnx.export``).

    Args:
        model: a ``gradkit.nn.Module``.
        args: the example input: a Tensor or a tuple of positional inputs (a trailing dict holds
            keyword inputs, as in PyTorch).
        f: a path or a binary file object; ``None`` writes nothing.
        kwargs: keyword inputs.
        input_names, output_names: names of the graph's inputs and outputs (default: the
            ``forward`` parameter names; ``output`` or ``output_0, output_1, ...``).
        opset_version: the ONNX opset (default 18; 14 to 21).
        dynamic_axes: ``{name: {axis: "label"}}`` or ``{name: [axes]}``: which input/output
            dimensions may vary (e.g. ``{"input": {0: "batch"}}``). Reshapes keep leading
            dimensions that equal the input's dynamic; other Python numbers the forward computes
            from tensor sizes are fixed at their traced values.
        dynamic_shapes: accepted in the ``dynamic_axes`` form ``{name: {axis: "label"}}``.
        keep_initializers_as_inputs: also list the weights as graph inputs.
        training: only ``TrainingMode.EVAL`` (the default) and ``PRESERVE`` of a model in eval
            mode; the model is exported in eval mode and its mode restored.
        verbose: print the exported graph.
        verify: run the exported model with onnxruntime on ``args`` and raise
            ``OnnxExporterError`` unless its outputs equal gradkit's (rtol 1e-4, atol 1e-5).
        dynamo, external_data, do_constant_folding, custom_opsets, report, optimize,
            profile, dump_exported_program, artifacts_dir, operator_export_type,
            export_modules_as_functions, autograd_inlining: accepted for PyTorch's signature;
            gradkit's exporter has one path and writes one file.
        custom_translation_table: not supported (a non-empty table raises
            ``NotImplementedError``).

    Returns:
        The ``onnx.ModelProto`` (also written to ``f`` when given).

    Raises:
        UnsupportedOperatorError: a layer or operation with no ONNX translation (named, with
            the module path and type it is in).
        ImportError: the ``onnx`` package is missing.
    """
    import gradkit
    from gradkit import Tensor
    from gradkit.nn import Module

    from ._emit import build_model, import_onnx
    from ._run import trace_model

    onnx = import_onnx()
    if not isinstance(model, Module):
        raise TypeError(f"gradkit.onnx.export: model must be a gradkit.nn.Module, got "
                        f"{type(model).__name__}")
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not _MIN_OPSET <= opset <= _MAX_OPSET:
        raise ValueError(f"gradkit.onnx.export: opset_version {opset_version} is not supported; "
                         f"use {_MIN_OPSET} to {_MAX_OPSET} (default {DEFAULT_OPSET})")
    if training == TrainingMode.TRAINING or (training == TrainingMode.PRESERVE and model.training):
        raise OnnxExporterError("gradkit.onnx.export: gradkit exports the model in eval mode "
                                "only (training=TrainingMode.EVAL)")
    if custom_translation_table:
        raise NotImplementedError("gradkit.onnx.export: custom_translation_table is not "
                                  "supported; gradkit's translations are in gradkit/onnx/")
    if not export_params:
        raise NotImplementedError("gradkit.onnx.export: export_params=False is not supported; "
                                  "the weights are always stored in the file")
    if dynamic_axes is None and isinstance(dynamic_shapes, dict):
        dynamic_axes = dynamic_shapes
    traced = trace_model(model, args, kwargs, input_names, output_names, opset)
    g, in_names, in_tensors = traced.graph, traced.input_names, traced.input_tensors
    out_names, out_tensors = traced.output_names, traced.output_tensors

    known = set(in_names) | set(out_names)
    dynamic = _dynamic(dynamic_axes, known)
    for name, axes in dynamic.items():
        ref = in_tensors[in_names.index(name)] if name in in_names else \
            out_tensors[out_names.index(name)]
        for ax in axes:
            if not 0 <= ax < ref.ndim:
                raise ValueError(f"gradkit.onnx.export: dynamic_axes[{name!r}] names axis {ax}, "
                                 f"but {name!r} has {ref.ndim} dimensions")
    np_dtype = lambda t: t.detach().cpu().numpy().dtype  # noqa: E731
    model_proto = build_model(
        g, [(n, np_dtype(t), tuple(t.shape)) for n, t in zip(in_names, in_tensors)],
        [(n, np_dtype(t), tuple(t.shape)) for n, t in zip(out_names, out_tensors)],
        dynamic, f"gradkit {getattr(gradkit, '__version__', '')}".strip(),
        keep_initializers_as_inputs)
    if verbose:
        print(onnx.printer.to_text(model_proto.graph))
    if verify:
        _verify(model_proto, in_names, in_tensors, out_names, out_tensors)
    if f is not None:
        data = model_proto.SerializeToString()
        if isinstance(f, (str, os.PathLike)):
            with open(f, "wb") as fh:
                fh.write(data)
        elif isinstance(f, io.IOBase) or hasattr(f, "write"):
            f.write(data)
        else:
            raise TypeError(f"gradkit.onnx.export: f must be a path or a binary file object, "
                            f"got {type(f).__name__}")
    return model_proto



def _verify(model_proto, in_names, in_tensors, out_names, out_tensors) -> None:
    import numpy as np

    try:
        import onnxruntime
    except ImportError:
        raise ImportError("gradkit.onnx.export(verify=True) runs the model with onnxruntime, "
                          "which is not installed: pip install onnxruntime") from None
    session = onnxruntime.InferenceSession(model_proto.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    feeds = {n: t.detach().cpu().numpy() for n, t in zip(in_names, in_tensors)}
    for name, got, ref in zip(out_names, session.run(out_names, feeds), out_tensors):
        want = ref.detach().cpu().numpy()
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-5,
                                                      equal_nan=True):
            worst = float(np.max(np.abs(got - want))) if got.shape == want.shape else None
            raise OnnxExporterError(
                f"gradkit.onnx.export(verify=True): output {name!r} of the ONNX model differs "
                f"from gradkit's (shape {got.shape} vs {want.shape}, largest difference "
                f"{worst}); please report this model")
