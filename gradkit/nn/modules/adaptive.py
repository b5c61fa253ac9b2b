"""``AdaptiveLogSoftmaxWithLoss``: the adaptive softmax of Grave et al. (2016) for large
vocabularies, with PyTorch's parameter names (``head``, ``tail.<i>.0``, ``tail.<i>.1``)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from ... import functions as _F
from ..._backend import namespace_of, to_host
from ..._tensor import Tensor, apply1, wrap
from ...functions._args import _tensor_attr_arg
from ...ops import resample as RS
from ..functional import activation as FA
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: frequent classes (below ``cutoffs[0]``) in a head softmax that also
    scores one entry per tail cluster; rarer classes in cluster softmaxes behind smaller
    projections (``in_features // div_value ** (i + 1)`` wide).

    Args:
        in_features: input width.
        n_classes: number of classes.
        cutoffs: increasing cluster boundaries in ``[1, n_classes - 1]``.
        div_value: shrink factor of each tail projection. Default: 4.
        head_bias: bias in the head. Default: False.

    Shape:
        - input: :math:`(N, \\\\text{in\\\\_features})` or :math:`(\\\\text{in\\\\_features})`;
          target: :math:`(N)` or :math:`()`
        - forward returns ``(output, loss)``: each target's log-probability and the mean
          negative log-likelihood

    Examples:
        >>> asm = gradkit.nn.AdaptiveLogSoftmaxWithLoss(16, 100, cutoffs=[10, 40])
        >>> out, loss = asm(gradkit.randn(4, 16), gradkit.tensor([1, 12, 55, 99]))
        >>> out.shape
        gradkit.Size([4])
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of "
                             "length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError(f"AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of "
                             f"unique, positive integers sorted in an increasing order, where "
                             f"each value is between 1 and n_classes-1 ({n_classes - 1}), got "
                             f"{cutoffs}")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            if div_value ** (i + 1) == 0:  # (PyTorch's floor division fails the same way)
                raise ZeroDivisionError(f"AdaptiveLogSoftmaxWithLoss: div_value={div_value!r} "
                                        f"divides in_features={in_features}: float floor "
                                        f"division by zero; give a non-zero div_value")
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, dtype=dtype),
                                        Linear(hsz, osz, bias=False, dtype=dtype)))
        if device is not None:  # built on the host, then moved
            self.to(device)

    def reset_parameters(self) -> None:
        """Each Linear's default initialisation."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """Each target's log-probability and the mean negative log-likelihood."""
        who = f"AdaptiveLogSoftmaxWithLoss(in_features={self.in_features})"
        # PyTorch reads target_.dim() first: a list is its AttributeError (NotATensorError is
        # also a TypeError)
        t = to_host(_tensor_attr_arg(target_, "AdaptiveLogSoftmaxWithLoss", "target_")._data)
        if t.ndim == 1:
            if input_.ndim == 0:  # PyTorch reads input_.size(0) first
                raise IndexError(f"{who}: Dimension specified as 0 but the input has no "
                                 f"dimensions; expected input of shape ({t.shape[0]}, "
                                 f"{self.in_features}) for a target of shape {tuple(t.shape)}")
            if input_.ndim != 2 or input_.shape[0] != t.shape[0]:
                raise RuntimeError(f"{who} expects input of shape ({t.shape[0]}, "
                                   f"{self.in_features}) for a target of shape {tuple(t.shape)}, "
                                   f"got input of shape {tuple(input_.shape)}")
        elif t.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"{who} expects input of shape ({self.in_features},) for a "
                                   f"0-D target, got input of shape {tuple(input_.shape)}")
        else:
            raise RuntimeError(f"{who}: 0D or 1D target tensor expected, multi-target not "
                               f"supported (got target of shape {tuple(t.shape)})")
        if input_.shape[-1] != self.in_features:
            raise RuntimeError(f"{who} expects input with {self.in_features} features (last "
                               f"dimension), got input of shape {tuple(input_.shape)}")
        if t.dtype not in (np.int64, np.int32):  # (PyTorch's gather of the targets)
            raise RuntimeError(f"{who}: gather(): Expected dtype int32/int64 for index, got a "
                               f"target of {target_.dtype}; pass class indices as int64")
        batched = t.ndim == 1
        x = input_ if batched else input_.unsqueeze(0)
        t = t.reshape(-1).astype(np.int64)
        n = t.shape[0]
        if n and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"{who}: target values should be in [0, {self.n_classes - 1}], "
                               f"but values in range [{t.min()}, {t.max()}] were found")
        dev = namespace_of(x._data)
        head_logprob = FA.log_softmax(self.head(x), 1)
        gather_inds = t.copy()
        output = None
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            rows = np.flatnonzero((t >= low) & (t < high))
            if rows.size == 0:
                continue
            gather_inds[rows] = self.shortlist_size + i
            sub = x[wrap(dev.asarray(rows))]
            cluster_logprob = FA.log_softmax(self.tail[i](sub), 1)
            rel = wrap(dev.asarray((t[rows] - low).reshape(-1, 1)))
            local = _F.gather(cluster_logprob, 1, rel).reshape(-1)
            placed = apply1(RS.RESAMPLE_T, local, (0, n, (rows,), None))
            output = placed if output is None else output + placed
        head_part = _F.gather(head_logprob, 1, wrap(dev.asarray(gather_inds.reshape(-1, 1))))
        head_part = head_part.reshape(-1)
        output = head_part if output is None else head_part + output
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = FA.log_softmax(head_output, 1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = FA.log_softmax(self.tail[i](x), 1)
            k = self.shortlist_size + i
            parts.append(cluster_logprob + head_logprob[:, k:k + 1])
        return _F.cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all ``n_classes`` classes: ``(N, n_classes)``."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row: ``(N,)`` (``log_prob(input).argmax(1)``)."""
        return _F.argmax(self.log_prob(input), 1)
