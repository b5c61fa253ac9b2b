"""Loss modules (``torch.nn.modules.loss``): thin wrappers that store the options and call
``gradkit.nn.functional``."""

from __future__ import annotations

from ..._tensor import Tensor
from ..._warnings import warn
from .. import functional as F  # F.* at call time, as PyTorch's
from ..functional import loss as FL
from .module import Module

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CTCLoss", "CosineEmbeddingLoss", "CrossEntropyLoss",
    "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss", "MSELoss",
    "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
    "NLLLoss", "NLLLoss2d", "PoissonNLLLoss", "SmoothL1Loss", "SoftMarginLoss", "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        # (an invalid reduction is refused by the forward's functional, in its own order
        # among the input checks, as PyTorch's modules do)
        self.reduction = FL._legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy between logits and class indices (or class probabilities).

    Args:
        weight: ``(C,)`` class weights.
        ignore_index: target value ignored (and excluded from the mean). Default: -100.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        label_smoothing: in [0, 1]. Default: 0.

    Shape:
        - Input: ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)`` logits.
        - Target: ``(N,)``, ``()`` or ``(N, d1, ...)`` integer indices in [0, C), or a float
          tensor of the input's shape (probabilities).
        - Output: scalar, or the target's shape with ``reduction='none'``.

    Examples:
        >>> loss = gradkit.nn.CrossEntropyLoss()
        >>> loss(gradkit.randn(3, 5, requires_grad=True), gradkit.tensor([1, 0, 4])).backward()
    """

    def __init__(self, weight: Tensor | None = None, size_average=None,
                 ignore_index: int = -100, reduce=None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        # a label_smoothing above 1 is refused by the forward (PyTorch's RuntimeError; one below
        # 0 is no smoothing)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, self._buffers["weight"],
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities (use after ``LogSoftmax``).

    Args:
        weight: ``(C,)`` class weights; ``'mean'`` divides by the sum of the targets' weights.
        ignore_index: target value ignored. Default: -100.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.

    Shape:
        - Input: ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; Target: ``(N,)``, ``()`` or
          ``(N, d1, ...)``.
    """

    def __init__(self, weight: Tensor | None = None, size_average=None,
                 ignore_index: int = -100, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, self._buffers["weight"],
                          ignore_index=self.ignore_index, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` (which takes ``(N, C, H, W)`` input), kept as in
    PyTorch: each construction gives its FutureWarning."""

    def __init__(self, *args, **kwargs) -> None:
        warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in "
             "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for "
             "more details.", FutureWarning)
        super().__init__(*args, **kwargs)


class MSELoss(_Loss):
    """Mean squared error. Shape: input and target of the same (broadcastable) shape."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error. Shape: input and target of the same (broadcastable) shape."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic below ``beta``, linear above (``0.5 d^2 / beta`` / ``|d| - 0.5 beta``).

    Args:
        beta: the switch point (>= 0). Default: 1.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        # a negative beta is refused by the forward (F.smooth_l1_loss), as PyTorch
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic below ``delta``, linear above (``0.5 d^2`` / ``delta (|d| - 0.5 delta)``).

    Args:
        delta: the switch point (> 0). Default: 1.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        # a non-positive delta is refused by the forward (F.huber_loss), as PyTorch
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities (logs clamped at -100).

    Args:
        weight: rescales each element's loss (broadcast to the input's shape).

    Shape:
        - Input: ``(*)`` probabilities; Target: same shape.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self._buffers["weight"],
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy in one stable formula.

    Args:
        weight: rescales each element's loss.
        pos_weight: weight of positive examples, broadcast along the last dimension.

    Shape:
        - Input: ``(*)`` logits; Target: same shape.
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        b = self._buffers
        return F.binary_cross_entropy_with_logits(input, target, b["weight"],
                                                  reduction=self.reduction,
                                                  pos_weight=b["pos_weight"])


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence; ``input`` holds log-probabilities.

    Args:
        reduction: ``'none'``, ``'mean'`` (per element), ``'sum'`` or ``'batchmean'`` (sum / N,
            the true KL per sample).
        log_target: the target is given as log-probabilities too.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class _MarginLoss(_Loss):
    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class CosineEmbeddingLoss(_MarginLoss):
    """``1 - cos(x1, x2)`` for ``y = 1``; ``max(0, cos(x1, x2) - margin)`` for ``y = -1``."""

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_MarginLoss):
    """``max(0, -y (x1 - x2) + margin)``."""

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """``x`` for ``y = 1``; ``max(0, margin - x)`` for ``y = -1``."""

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-y x))``."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, margin + ||a - p + eps||_p - ||a - n + eps||_p)`` (see
    :func:`gradkit.nn.functional.triplet_margin_loss`).

    Args:
        margin: Default: 1.
        p: norm degree. Default: 2.
        eps: added inside the norm. Default: 1e-6.
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance. Default: False.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.

    Shape:
        - anchor, positive, negative: :math:`(N, D)` or :math:`(D)`
        - output: :math:`(N)` for ``reduction='none'``, else a scalar

    Examples:
        >>> loss = gradkit.nn.TripletMarginLoss(margin=0.5)
        >>> a, p, n = gradkit.randn(4, 8), gradkit.randn(4, 8), gradkit.randn(4, 8)
        >>> loss(a, p, n).shape
        gradkit.Size([])
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss over ``C`` labels (see
    :func:`gradkit.nn.functional.multilabel_soft_margin_loss`).

    Args:
        weight: optional ``(C,)`` per-class weights (a buffer, as in PyTorch).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.

    Shape:
        - input, target: :math:`(N, C)` or :math:`(C)`
        - output: :math:`(N)` for ``reduction='none'``, else a scalar
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood (see :func:`gradkit.nn.functional.poisson_nll_loss`).

    Args:
        log_input: the input is the log-rate. Default: True.
        full: add the Stirling approximation term. Default: False.
        eps: keeps ``log(input + eps)`` finite when ``log_input`` is False. Default: 1e-8.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.

    Shape:
        - input, target: any shape, the same
        - output: like the input for ``reduction='none'``, else a scalar
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with predicted variances (see
    :func:`gradkit.nn.functional.gaussian_nll_loss`).

    Args:
        full: add the constant ``log(2 pi) / 2``. Default: False.
        eps: lower bound of the variance. Default: 1e-6.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.

    Shape:
        - input, target: :math:`(N, *)` or :math:`(*)`
        - var: the input's shape, one dimension short, or one dimension of size 1
        - output: like the input for ``reduction='none'``, else a scalar
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (see :func:`gradkit.nn.functional.multi_margin_loss`).

    Args:
        p: 1 or 2. Default: 1.
        margin: Default: 1.
        weight: optional ``(C,)`` per-class weights (a buffer, as in PyTorch).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.

    Shape:
        - input: :math:`(N, C)` or :math:`(C)`; target: :math:`(N)` or :math:`()`
        - output: :math:`(N)` for ``reduction='none'``, else a scalar
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p!r}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: weight must be one-dimensional, got shape "
                             f"{tuple(weight.shape)}")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance function (see
    :func:`gradkit.nn.functional.triplet_margin_with_distance_loss`).

    Args:
        distance_function: maps two tensors to distances; default
            :class:`PairwiseDistance` (stored as a submodule, as in PyTorch).
        margin: must be positive. Default: 1.
        swap: use the distance swap. Default: False.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        from .normalization import PairwiseDistance

        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss (see :func:`gradkit.nn.functional.multilabel_margin_loss`).

    Shape:
        - input: :math:`(N, C)` or :math:`(C)`; target: the same shape, class indices padded
          with -1
        - output: :math:`(N)` for ``reduction='none'``, else a scalar
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (see
    :func:`gradkit.nn.functional.ctc_loss`).

    Args:
        blank: the blank class. Default: 0.
        reduction: ``'mean'`` (per-sample loss over its target length, then the batch mean),
            ``'sum'`` or ``'none'``.
        zero_infinity: impossible alignments give 0 loss and gradient. Default: False.

    Shape:
        - log_probs: :math:`(T, N, C)` or :math:`(T, C)`; targets: :math:`(N, S)` or the
          concatenated labels; input_lengths, target_lengths: :math:`(N)`
        - output: a scalar, or :math:`(N)` for ``reduction='none'``

    Examples:
        >>> ctc = gradkit.nn.CTCLoss()
        >>> lp = gradkit.randn(12, 2, 5).log_softmax(2)
        >>> targets = gradkit.tensor([[1, 2, 2], [3, 1, 0]])
        >>> ctc(lp, targets, [12, 10], [3, 2]).shape
        gradkit.Size([])
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(None, None, reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths,
                target_lengths) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)
