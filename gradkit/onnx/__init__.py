"""``gradkit.onnx`` (PyTorch's ``torch.onnx``): importable; ``export`` is planned.

Programs that import ``torch.onnx`` at the top (to export after training) run; calling
``export`` raises ``NotImplementedError``.
"""

__all__ = ["export", "is_in_onnx_export"]


def export(model, args=(), f=None, *unused, **kwargs):
    raise NotImplementedError(
        "torch.onnx.export: gradkit does not export ONNX yet (planned); save the weights with "
        "torch.save(model.state_dict(), path) for now")


def is_in_onnx_export() -> bool:
    return False
