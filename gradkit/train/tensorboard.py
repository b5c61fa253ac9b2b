"""``TensorBoardLogger``: the fit loop's numbers, weights and gradients as TensorBoard files.

Written with :class:`gradkit.utils.tensorboard.SummaryWriter` (``pip install
'gradkit[tensorboard]'``); look at them with ``tensorboard --logdir LOG_DIR``.

What is written (tags), all on one step axis, the number of training batches seen since the
start of training (PyTorch Lightning's convention; it continues across a resume):

* ``batch/loss``, ``batch/lr`` (and ``batch/grad_norm`` with gradient clipping) every
  ``log_every_n_steps`` training batches;
* at the end of each epoch, at the step of its last batch: ``epoch`` (the epoch number) and
  ``epoch/<key>`` for every number of the epoch's history row (``loss``, ``accuracy``,
  ``val_loss``, ``val_accuracy``, ``lr``, ``time``, ``samples_per_s``, custom metrics), and the
  ``weights/<parameter>`` and ``grads/<parameter>`` histograms (the gradients of the epoch's
  last optimizer step);
* the model graph, traced from the first training batch (as ``gradkit.onnx.export`` traces;
  a model with a layer it cannot trace gets a warning and no graph);
* with ``hparams={...}``: the hyperparameters and the last epoch's metrics (HPARAMS tab).

A resumed fit (a Trainer restored from a checkpoint) writes a purge mark at its first step, so
TensorBoard hides what the interrupted run wrote after the checkpoint.
"""

from __future__ import annotations

import math
import os
import warnings

from .trainer import Callback

__all__ = ["TensorBoardLogger"]


class TensorBoardLogger(Callback):
    """Log the fit to TensorBoard event files under ``log_dir``.

    Args:
        log_dir: the folder for the event files (e.g. ``RUN_DIR/tensorboard``).
        log_every_n_steps: write the per-batch scalars every this many batches (``0``: none).
        histograms: write weight and gradient histograms each epoch.
        graph: write the model graph (traced from the first training batch).
        hparams: hyperparameters to show with the final metrics in the HPARAMS tab.
        flush_secs: how often the writer flushes to disk (it always does at each epoch's end).

    Examples:
        >>> from gradkit.train import Trainer, TensorBoardLogger
        >>> Trainer(model, opt, loss_fn, callbacks=[TensorBoardLogger("runs/exp1")]).fit(
        ...     train_loader, val_loader, epochs=5)
    """

    rank_zero_only = True

    def __init__(self, log_dir: str | os.PathLike, *, log_every_n_steps: int = 1,
                 histograms: bool = True, graph: bool = True, hparams: dict | None = None,
                 flush_secs: int = 30):
        if int(log_every_n_steps) != log_every_n_steps or log_every_n_steps < 0:
            raise ValueError(f"TensorBoardLogger: log_every_n_steps must be an integer >= 0, "
                             f"got {log_every_n_steps!r}")
        if hparams is not None and not isinstance(hparams, dict):
            raise TypeError(f"TensorBoardLogger: hparams must be a dict, got "
                            f"{type(hparams).__name__}")
        from gradkit.utils.tensorboard import SummaryWriter  # ImportError says what to install

        self._writer_cls = SummaryWriter
        self.log_dir = os.fspath(log_dir)
        self.log_every_n_steps = int(log_every_n_steps)
        self.histograms = bool(histograms)
        self.graph = bool(graph)
        self.hparams = hparams
        self.flush_secs = flush_secs
        self.writer = None
        self._grads: dict = {}
        self._grab_grads = False
        self._step_patch = None
        self._graph_hook = None
        self._graph_input = None
        self._graph_done = False
        self._batches = 0

    # -- setup and teardown -------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"batches": self._batches}

    def load_state_dict(self, state: dict) -> None:
        self._batches = int(state.get("batches", 0))

    def on_fit_start(self, trainer):
        purge = None
        if trainer.epoch:  # resumed: hide what the interrupted run wrote past the checkpoint
            if not self._batches:  # no state of ours in the checkpoint: count the batches
                try:
                    self._batches = trainer.epoch * len(trainer.train_loader)
                except TypeError:
                    pass
            purge = self._batches + 1
        self.writer = self._writer_cls(self.log_dir, purge_step=purge,
                                       flush_secs=self.flush_secs)
        if self.histograms:
            self._patch_step(trainer.optimizer)
        if self.graph and not self._graph_done:
            def grab(module, args):
                if self._graph_input is None and args:
                    self._graph_input = tuple(a.detach() if hasattr(a, "detach") else a
                                              for a in args)
            self._graph_hook = trainer.model.register_forward_pre_hook(grab)

    def on_fit_end(self, trainer):
        self._unpatch_step(trainer.optimizer)
        self._remove_graph_hook()
        if self.writer is None:
            return
        if self.hparams is not None and len(trainer.history):
            metrics = {f"hparam/{k}": float(v) for k, v in trainer.history.last.items()
                       if k != "epoch" and _is_number(v)}
            self.writer.add_hparams(_clean_hparams(self.hparams), metrics, run_name="hparams",
                                    global_step=self._batches)
        self.writer.close()

    def _patch_step(self, optimizer):
        """Keep the gradients each step uses (when asked): a step pre-hook on gradkit's
        optimizers, a wrapper around ``step`` on others."""
        def grab(*_):
            if self._grab_grads:
                self._grads = {id(p): p.grad.detach().cpu().numpy().copy()
                               for group in optimizer.param_groups for p in group["params"]
                               if p.grad is not None}

        if hasattr(optimizer, "register_step_pre_hook"):
            self._step_patch = ("hook", optimizer.register_step_pre_hook(grab))
            return
        orig = optimizer.step
        had_own = "step" in vars(optimizer)

        def step(*args, **kwargs):
            grab()
            return orig(*args, **kwargs)

        optimizer.step = step
        self._step_patch = ("wrap", optimizer, orig, had_own)

    def _unpatch_step(self, optimizer):
        patch, self._step_patch = self._step_patch, None
        if patch is None:
            return
        if patch[0] == "hook":
            patch[1].remove()
            return
        _, opt, orig, had_own = patch
        if had_own:
            opt.step = orig
        else:
            vars(opt).pop("step", None)

    def _remove_graph_hook(self):
        if self._graph_hook is not None:
            self._graph_hook.remove()
            self._graph_hook = None

    # -- per batch ----------------------------------------------------------------------------
    def on_batch_start(self, trainer, batch_idx):
        n = trainer.batches_per_epoch
        self._grab_grads = self.histograms and (n is None or batch_idx == n - 1)

    def on_batch_end(self, trainer, batch_idx, logs):
        self._batches += 1
        step = self._batches
        if self._graph_input is not None and not self._graph_done:
            self._write_graph(trainer)
        if self.log_every_n_steps and step % self.log_every_n_steps == 0:
            for key in ("loss", "lr", "grad_norm"):
                if _is_number(logs.get(key)):
                    self.writer.add_scalar(f"batch/{key}", float(logs[key]), step)

    def _write_graph(self, trainer):
        self._graph_done = True
        self._remove_graph_hook()
        args, self._graph_input = self._graph_input, None
        try:
            self.writer.add_graph(trainer.model, args)
        except Exception as exc:  # a layer the tracer cannot follow: training goes on
            warnings.warn(f"TensorBoardLogger: no model graph written ({exc})", RuntimeWarning,
                          stacklevel=2)

    # -- per epoch ----------------------------------------------------------------------------
    def on_epoch_end(self, trainer, epoch, logs):
        step = self._batches
        self.writer.add_scalar("epoch", epoch, step)
        for key, value in logs.items():
            if key != "epoch" and _is_number(value):
                self.writer.add_scalar(f"epoch/{key}", float(value), step)
        if self.histograms:
            for name, p in trainer.model.named_parameters():
                self.writer.add_histogram(f"weights/{name}", p.detach(), step)
                grad = self._grads.get(id(p))
                if grad is not None and grad.size and bool((grad == grad).all()):
                    self.writer.add_histogram(f"grads/{name}", grad, step)
            self._grads = {}
        self.writer.flush()


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _clean_hparams(hparams: dict) -> dict:
    out = {}
    for k, v in hparams.items():
        out[str(k)] = v if isinstance(v, (bool, str, int, float)) or v is None else str(v)
    return out
