"""Progress display for the fit loop: a tqdm bar when possible, else one plain line per epoch.

The bar shows the running loss and the throughput (samples/s). tqdm is optional: without it, or
when the output is not a terminal, the callback prints one summary line per epoch instead.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from .callbacks import Callback

if TYPE_CHECKING:  # pragma: no cover
    from .trainer import Trainer

__all__ = ["ProgressBar", "format_epoch_line", "format_logs"]

#: The widest line the progress display writes (a classic terminal).
WIDTH = 80
_SHORT = {"accuracy": "acc", "perplexity": "ppl", "val_accuracy": "val_acc",
          "val_perplexity": "val_ppl"}


def format_logs(logs: dict, keys=None) -> str:
    """``loss 0.2134  accuracy 0.9432 ...`` for the given (or all numeric) keys."""
    parts = []
    for k, v in logs.items():
        if keys is not None and k not in keys:
            continue
        if k == "epoch" or not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if k == "lr":
            parts.append(f"{k} {v:.3g}")
        elif k in ("samples_per_s",):
            parts.append(f"{v:.0f} samples/s")
        elif k == "time":
            parts.append(f"{v:.2f}s")
        else:
            parts.append(f"{k} {v:.4f}")
    return "  ".join(parts)


def format_epoch_line(epoch: int, epochs: int, logs: dict, width: int = WIDTH) -> str:
    """``epoch 3/12 loss 0.2134 acc 0.9432 val_loss 0.1234 val_acc 0.9655 lr 0.003 1.2s``,
    at most ``width`` characters: the metrics first, then LR, time and throughput as room
    allows (accuracy and perplexity abbreviated; the history files keep every column)."""
    head = f"epoch {epoch}/{epochs}"
    metrics, extras = [], []
    for k, v in logs.items():
        if k == "epoch" or not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if k == "lr":
            extras.insert(0, f"lr {v:.3g}")
        elif k == "time":
            extras.append(f"{v:.1f}s")
        elif k == "samples_per_s":
            extras.append(f"{v:.0f} samples/s")
        elif k in ("grad_norm",):
            continue
        elif k.endswith("perplexity"):
            metrics.append(f"{_SHORT.get(k, k)} {v:.2f}")
        else:
            metrics.append(f"{_SHORT.get(k, k)} {v:.4f}")
    line = head
    for part in metrics + extras:
        if len(line) + 1 + len(part) > width:
            break
        line += " " + part
    return line


#: the bar without its ETA clutter, so that it and its postfix fit :data:`WIDTH`
_BAR_FORMAT = "{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"


class ProgressBar(Callback):
    """Show training progress.

    Args:
        mode: ``"auto"`` (a tqdm bar when tqdm is installed and ``file`` is a terminal, else
            one line per epoch), ``"bar"`` (tqdm whenever installed), ``"epoch"`` (lines only)
            or ``"off"``.
        file: where to write (default ``sys.stderr`` for the bar, ``sys.stdout`` for lines).

    Under data-parallel training it runs on rank 0 only; the bar's samples/s counts all ranks.
    """

    rank_zero_only = True

    def __init__(self, mode: str = "auto", file: TextIO | None = None):
        if mode not in ("auto", "bar", "epoch", "off"):
            raise ValueError(f"ProgressBar: mode must be auto, bar, epoch or off, got {mode!r}")
        self.mode = mode
        self.file = file
        self._bar = None
        self._seen = 0
        self._loss_sum = 0.0
        self._t0 = 0.0
        self._epochs = 0

    def _use_tqdm(self) -> bool:
        if self.mode in ("epoch", "off"):
            return False
        try:
            import tqdm  # noqa: F401
        except ImportError:
            return False
        if self.mode == "bar":
            return True
        stream = self.file if self.file is not None else sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())

    def on_fit_start(self, trainer: Trainer) -> None:
        self._epochs = trainer.target_epochs

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        self._seen, self._loss_sum, self._t0 = 0, 0.0, time.perf_counter()
        if self._use_tqdm():
            from tqdm.auto import tqdm

            total = trainer.batches_per_epoch
            self._bar = tqdm(total=total, desc=f"epoch {epoch}/{self._epochs}", unit="batch",
                             leave=True, file=self.file if self.file is not None else sys.stderr,
                             ncols=WIDTH, bar_format=_BAR_FORMAT)

    def on_batch_end(self, trainer: Trainer, batch_idx: int, logs: dict) -> None:
        n = logs.get("batch_size", 0)
        self._seen += n * getattr(trainer, "world_size", 1)
        self._loss_sum += logs.get("loss", 0.0) * n * getattr(trainer, "world_size", 1)
        if self._bar is not None:
            elapsed = max(time.perf_counter() - self._t0, 1e-9)
            self._bar.set_postfix_str(f"loss {self._loss_sum / max(self._seen, 1):.4f} "
                                      f"{self._seen / elapsed:.0f} samples/s", refresh=False)
            self._bar.update(1)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        if self._bar is not None:
            self._bar.close()  # the bar stays, and the epoch's summary goes below it
            self._bar = None
            print(format_epoch_line(epoch, self._epochs, logs),
                  file=self.file if self.file is not None else sys.stderr, flush=True)
            return
        if self.mode == "off":
            return
        stream = self.file if self.file is not None else sys.stdout
        print(format_epoch_line(epoch, self._epochs, logs), file=stream, flush=True)

    def on_fit_end(self, trainer: Trainer) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
