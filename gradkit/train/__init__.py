"""``gradkit.train``: a small fit loop with callbacks, history, plots, checkpoints and lr_find.

Everything here is optional sugar over the plain PyTorch-style loop; the pieces (``Trainer``,
``lr_find``, ``save_checkpoint``) can be used on their own.

Examples:
    >>> from gradkit.train import Trainer, HistoryWriter, ModelCheckpoint
    >>> trainer = Trainer(model, optimizer, nn.CrossEntropyLoss(), scheduler=sched,
    ...                   grad_clip=1.0, callbacks=[ModelCheckpoint("run/checkpoint.gk")])
    >>> trainer.fit(train_loader, val_loader, epochs=10)
"""

from .callbacks import (
    Callback,
    CallbackList,
    HistoryWriter,
    LambdaCallback,
    ModelCheckpoint,
    PlotHistory,
)
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .diagnostics import GradientDiagnostics, grad_flow, snapshot_weights
from .early_stopping import EarlyStopping
from .history import History
from .lr_finder import LRFindResult, lr_find, suggest_lr
from .plots import plot_history, plot_lr_find
from .progress import ProgressBar
from .report import write_report
from .tensorboard import TensorBoardLogger
from .trainer import Trainer

__all__ = [
    "Callback",
    "CallbackList",
    "CheckpointError",
    "EarlyStopping",
    "GradientDiagnostics",
    "History",
    "HistoryWriter",
    "LRFindResult",
    "LambdaCallback",
    "ModelCheckpoint",
    "PlotHistory",
    "ProgressBar",
    "TensorBoardLogger",
    "Trainer",
    "grad_flow",
    "load_checkpoint",
    "lr_find",
    "plot_history",
    "plot_lr_find",
    "save_checkpoint",
    "snapshot_weights",
    "suggest_lr",
    "write_report",
]
