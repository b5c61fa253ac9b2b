"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``.

A scheduler owns a schedule and writes ``group["lr"]`` of its optimizer's parameter groups each
time its ``step()`` is called (once per epoch or per batch, after ``optimizer.step()``). It
never wraps or patches ``optimizer.step``.

Each scheduler computes the same sequence as PyTorch's, step for step: ``step()`` uses
PyTorch's chainable (recursive) update, which reads the current ``group["lr"]`` so that
schedulers can be chained, and ``_get_closed_form_lr()`` gives the schedule as a pure function
of ``last_epoch`` (used when ``SequentialLR`` switches schedulers and when an explicit epoch is
given).

Beyond PyTorch:

* **One call for every scheduler.** ``step`` of every scheduler accepts ``metrics=`` as a
  keyword, so a training loop can call ``scheduler.step(metrics=val_loss)`` whatever the
  scheduler; the schedulers that do not use a metric ignore it. ``ReduceLROnPlateau`` keeps
  PyTorch's positional ``step(metrics)``.
* **Warm-up composes with ReduceLROnPlateau.** ``SequentialLR`` and ``ChainedScheduler`` accept
  a ``ReduceLROnPlateau`` (PyTorch refuses it) and pass ``metrics`` on to it::

      warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
      plateau = ReduceLROnPlateau(opt, factor=0.5, patience=2)
      sched = SequentialLR(opt, [warmup, plateau], milestones=[5])
      for epoch in range(epochs):
          train(...)
          sched.step(metrics=val_loss)     # the metric is ignored during warm-up

  At the milestone the plateau scheduler takes over from the base learning rate (as any
  scheduler starts its own step 0 inside ``SequentialLR``) and only looks at metrics from then
  on. Alternatively
  ``ChainedScheduler([warmup, plateau])`` runs both every step: the warm-up's multiplicative
  updates and the plateau's reductions compose.

As in PyTorch, the deprecated ``step(epoch)`` warns and uses the closed form where the schedule
has one, a first ``step()`` before any ``optimizer.step()`` warns that the first learning rate
is skipped, and the built-in schedulers' ``get_lr()`` called outside ``step()`` warns to use
``get_last_lr()``.

The schedulers live in private modules by family (``_base``: ``LRScheduler``; ``_schedules``:
the closed-form schedules; ``_cyclic``: ``CyclicLR``, ``OneCycleLR``; ``_composite``:
``SequentialLR``, ``ChainedScheduler``; ``_plateau``: ``ReduceLROnPlateau``); every public name
is imported from here, as ``gradkit.optim.lr_scheduler.X``.
"""

from ._base import LRScheduler, _LRScheduler  # noqa: F401 (old name, as torch)
from ._composite import ChainedScheduler, SequentialLR
from ._cyclic import CyclicLR, OneCycleLR
from ._plateau import ReduceLROnPlateau
from ._schedules import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
