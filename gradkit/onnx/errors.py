"""The errors of ``gradkit.onnx`` (PyTorch's ``torch.onnx.errors``)."""

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """An export failed."""


class UnsupportedOperatorError(OnnxExporterError):
    """A layer or operation of the model has no ONNX translation in gradkit."""
