"""``gradkit.nn.utils.fusion``: fold an evaluation-mode batch norm into the convolution or linear
layer before it (PyTorch's ``torch.nn.utils.fusion``): one layer computing what the two did."""

from __future__ import annotations

import copy

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]


def _eval_only(layer, bn, kind):
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError(f"fuse_{kind}_bn_eval: the batch norm keeps no running statistics "
                             f"(track_running_stats=False); nothing to fold")


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """The (weight, bias) Parameters of a convolution followed by batch norm with running mean
    ``bn_rm``, variance ``bn_rv``, ``bn_eps`` and affine ``bn_w``/``bn_b`` (either may be
    None); ``transpose`` for a transposed convolution (output channels in dimension 1)."""
    import gradkit as gk

    from ..parameter import Parameter

    w_dtype = conv_w.dtype
    b_dtype = conv_w.dtype if conv_b is None else conv_b.dtype
    conv_b = gk.zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = gk.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = gk.zeros_like(bn_rm) if bn_b is None else bn_b
    inv_std = gk.rsqrt(bn_rv + bn_eps)
    per_channel = [1, -1] if transpose else [-1, 1]
    per_channel += [1] * (conv_w.ndim - 2)
    weight = (conv_w * (bn_w * inv_std).reshape(per_channel)).to(dtype=w_dtype)
    bias = ((conv_b - bn_rm) * inv_std * bn_w + bn_b).to(dtype=b_dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, conv_b.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of ``conv`` that also applies the evaluation-mode ``bn`` after it."""
    _eval_only(conv, bn, "conv")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The (weight, bias) Parameters of a linear layer followed by batch norm."""
    import gradkit as gk

    from ..parameter import Parameter

    w_dtype = linear_w.dtype
    b_dtype = linear_w.dtype if linear_b is None else linear_b.dtype
    linear_b = gk.zeros_like(bn_rm) if linear_b is None else linear_b
    scale = bn_w * gk.rsqrt(bn_rv + bn_eps)
    weight = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
    bias = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, linear_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` that also applies the evaluation-mode ``bn`` after it."""
    _eval_only(linear, bn, "linear")
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features or "
                             "bn.num_features must be 1")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused
