"""Ready-made pieces for the ``gradkit`` command and the examples: models, data, optimizers and
schedulers built from a plain config dict.

Everything here is ordinary gradkit code; read it as a worked example of the library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import gradkit
from gradkit import nn

__all__ = [
    "DATASETS", "DEFAULTS", "MLP", "MODELS", "OPTIMIZERS", "SCHEDULERS", "CharRNN", "DataBundle",
    "SequenceCrossEntropyLoss", "SmallCNN", "build_data", "build_loss", "build_model",
    "build_optimizer", "build_scheduler", "bundle_from_meta", "default_run_dir",
    "DATA_DEFAULTS", "EXTEND_LR_FACTOR", "EXTENDED_BY_A_NEW_CYCLE",
]

MODELS = ("mlp", "cnn", "lstm")
DATASETS = ("digits", "mnist", "fashion-mnist", "text", "csv", "images")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULERS = ("none", "step", "cosine", "plateau", "onecycle")

#: The main job's settings: a CNN on scikit-learn's digits.
DEFAULTS = {
    "model": "cnn", "data": "digits", "data_dir": None, "text_file": None,
    "optimizer": "adam", "lr": 3e-3, "weight_decay": 0.0, "scheduler": "onecycle",
    "warmup_epochs": 0, "epochs": 12, "batch_size": 32, "seed": 0, "grad_clip": None,
    "val_fraction": 0.1, "seq_len": 64, "hidden": 128,
    "data_file": None, "target": None, "task": None, "image_size": None, "test_fraction": None,
    "early_stopping": None, "min_delta": 0.0, "diagnostics": False, "tensorboard": False,
}

#: What differs from :data:`DEFAULTS` for each kind of data (the command line wins over both).
DATA_DEFAULTS = {
    "text": {"model": "lstm", "lr": 5e-3, "epochs": 5, "scheduler": "cosine"},
    "csv": {"model": "mlp", "epochs": 30, "test_fraction": 0.2},
    "images": {"model": "cnn", "image_size": 32, "test_fraction": 0.2},
}

#: Schedules that end (their LR reaches its floor at the planned last epoch): training past
#: that end adds a new cycle over the added epochs whose peak is ``EXTEND_LR_FACTOR * lr``.
#: The others (none, step, plateau) simply go on.
EXTENDED_BY_A_NEW_CYCLE = ("onecycle", "cosine")
EXTEND_LR_FACTOR = 1 / 3


# ----------------------------------------------------------------------------------- models
class MLP(nn.Module):
    """Flatten, then ``in_features -> hidden -> classes`` with ReLU (and optional dropout)."""

    def __init__(self, in_features: int, num_classes: int, hidden: int = 128,
                 dropout: float = 0.0):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(in_features, hidden)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.fc2(self.drop(self.fc1(self.flatten(x)).relu()))


class SmallCNN(nn.Module):
    """Two 3x3 conv blocks (conv, batch norm, ReLU, 2x2 max pool) and a two-layer head.

    Args:
        in_channels: image channels.
        height: image height (divisible by 4).
        width: image width (divisible by 4).
        num_classes: output classes.
        channels: channels of the first block (the second has twice as many).
    """

    def __init__(self, in_channels: int, height: int, width: int, num_classes: int,
                 channels: int = 16, hidden: int = 64):
        super().__init__()
        c1, c2 = channels, 2 * channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c2 * (height // 4) * (width // 4), hidden), nn.ReLU(),
            nn.Dropout(0.1), nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.head(self.features(x))


class CharRNN(nn.Module):
    """Character-level language model: embedding, LSTM, linear read-out.

    ``forward(x)`` maps ``(N, T)`` character ids to ``(N, T, vocab_size)`` logits.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 128,
                 num_layers: int = 1):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        h, state = self.lstm(self.embed(x), state)
        self._last_state = state
        return self.out(h)

    def sample(self, prefix_ids: list[int], length: int, *, temperature: float = 0.8,
               generator: gradkit.Generator | None = None) -> list[int]:
        """Continue ``prefix_ids`` by ``length`` characters drawn from the model."""
        was_training = self.training
        self.eval()
        rng = np.random.default_rng(None if generator is None else generator.initial_seed())
        out = list(prefix_ids)
        try:
            with gradkit.no_grad():
                x = gradkit.tensor([prefix_ids], dtype=gradkit.int64)
                h, state = self.lstm(self.embed(x))
                for _ in range(length):
                    logits = self.out(h[:, -1]).numpy()[0].astype(np.float64) / temperature
                    p = np.exp(logits - logits.max())
                    nxt = int(rng.choice(len(p), p=p / p.sum()))
                    out.append(nxt)
                    h, state = self.lstm(self.embed(gradkit.tensor([[nxt]],
                                                                    dtype=gradkit.int64)), state)
        finally:
            self.train(was_training)
        return out


class SequenceCrossEntropyLoss(nn.Module):
    """Cross-entropy over every position: logits ``(N, T, C)``, targets ``(N, T)``."""

    def __init__(self):
        super().__init__()
        self.ce = nn.CrossEntropyLoss()

    def forward(self, logits, target):
        return self.ce(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


# ------------------------------------------------------------------------------------- data
@dataclass
class DataBundle:
    """Loaders and shapes for one dataset."""

    train: object
    val: object | None
    test: object
    kind: str  # "image", "text" or "table"
    in_shape: tuple = ()
    num_classes: int = 0
    vocab: list = field(default_factory=list)
    name: str = ""
    task: str = "classification"  # or "regression" (tables)
    classes: list = field(default_factory=list)  # class names, where the data has them
    #: what a run saves to prepare new inputs the same way (JSON): the table's preprocessing,
    #: the images' size and normalisation, the text's vocabulary
    meta: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # one-line remarks (missing values filled, ...)


def _split_train_val(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    if fraction <= 0:
        return (x, y), None
    perm = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, round(len(x) * fraction))
    val, train = perm[:n_val], perm[n_val:]
    return (x[train], y[train]), (x[val], y[val])


def _loader(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool, seed: int = 0):
    from gradkit.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(gradkit.tensor(x), gradkit.tensor(y))
    gen = gradkit.Generator().manual_seed(seed) if shuffle else None
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=gen)


def _as_arrays(dataset) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) as NumPy arrays from a gradkit dataset (``data``/``targets`` or items)."""
    data = getattr(dataset, "data", None)
    targets = getattr(dataset, "targets", None)
    if data is not None and targets is not None:
        return np.asarray(data), np.asarray(targets)
    xs, ys = zip(*(dataset[i] for i in range(len(dataset))))
    return (np.stack([np.asarray(x) for x in xs]), np.asarray([int(y) for y in ys]))


def _image_arrays(name: str, data_dir: str | None):
    """Train and test (images float32 (N, 1, H, W) in [0, 1], labels int64)."""
    from gradkit import datasets

    if name == "digits":
        train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    else:
        if data_dir is None:
            raise ValueError(f"--data {name} needs --data-dir, the folder holding the IDX files "
                             f"(train-images-idx3-ubyte[.gz], ...)")
        if not Path(data_dir).is_dir():
            raise FileNotFoundError(f"--data-dir {data_dir}: no such folder")
        cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
        train, test = cls(data_dir, train=True), cls(data_dir, train=False)
    out = []
    for ds in (train, test):
        x, y = _as_arrays(ds)
        x = x.astype(np.float32)
        if x.max() > 1.5:  # raw pixel values: 0..16 for digits, 0..255 for MNIST
            x = x / (16.0 if name == "digits" else 255.0)
        if x.ndim == 2:
            side = round(math.sqrt(x.shape[1]))
            x = x.reshape(-1, 1, side, side)
        elif x.ndim == 3:
            x = x[:, None]
        out.append((x.astype(np.float32), y.astype(np.int64)))
    return out


def _text_arrays(text_file: str | None, seq_len: int):
    from gradkit import datasets

    if text_file is not None and not Path(text_file).is_file():
        raise FileNotFoundError(f"--text-file {text_file}: no such file")
    try:
        corpus = datasets.CharCorpus(text_file) if text_file else datasets.CharCorpus()
    except UnicodeDecodeError as exc:
        raise ValueError(f"--text-file {text_file}: not UTF-8 text (byte "
                         f"{exc.object[exc.start]:#04x} at offset {exc.start}); give a text "
                         f"file") from None
    text = corpus.text
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
    n_seq = (len(ids) - 1) // seq_len
    if n_seq < 4:
        raise ValueError(f"the text has {len(ids)} characters, too few for sequences of "
                         f"{seq_len}; give a longer --text-file or a smaller --seq-len")
    x = ids[:n_seq * seq_len].reshape(n_seq, seq_len)
    y = ids[1:n_seq * seq_len + 1].reshape(n_seq, seq_len)
    return x, y, vocab


def build_data(cfg: dict) -> DataBundle:
    """Loaders for ``cfg["data"]`` with a held-out validation split of the training set."""
    name, bs, seed = cfg["data"], int(cfg["batch_size"]), int(cfg["seed"])
    frac = float(cfg.get("val_fraction", 0.1))
    if name == "text":
        x, y, vocab = _text_arrays(cfg.get("text_file"), int(cfg.get("seq_len", 64)))
        n_test = max(1, len(x) // 10)  # the last 10% of the text is the test set
        (xtr, ytr), val = _split_train_val(x[:-n_test], y[:-n_test], frac, seed)
        return DataBundle(
            train=_loader(xtr, ytr, bs, shuffle=True, seed=seed),
            val=None if val is None else _loader(*val, 256, shuffle=False),
            test=_loader(x[-n_test:], y[-n_test:], 256, shuffle=False),
            kind="text", in_shape=(x.shape[1],), num_classes=len(vocab), vocab=vocab, name=name,
            meta={"vocab": vocab})
    if name == "csv":
        return _table_data(cfg)
    if name == "images":
        return _folder_data(cfg)
    if name not in DATASETS:
        raise ValueError(f"unknown data {name!r}; choose from {', '.join(DATASETS)}")
    (xtr, ytr), (xte, yte) = _image_arrays(name, cfg.get("data_dir"))
    (xtr, ytr), val = _split_train_val(xtr, ytr, frac, seed)
    return DataBundle(
        train=_loader(xtr, ytr, bs, shuffle=True, seed=seed),
        val=None if val is None else _loader(*val, 512, shuffle=False),
        test=_loader(xte, yte, 512, shuffle=False),
        kind="image", in_shape=tuple(xtr.shape[1:]), num_classes=int(max(ytr.max(), yte.max())) + 1,
        name=name)


def _split_test(n: int, fraction: float, seed: int):
    """(train indices, test indices): a seeded shuffle, the first ``fraction`` held out."""
    perm = np.random.default_rng(seed + 1).permutation(n)
    n_test = max(1, round(n * fraction))
    if n - n_test < 2:
        raise ValueError(f"{n} samples are too few to hold out a test set of {n_test}")
    return perm[n_test:], perm[:n_test]


def _table_data(cfg: dict) -> DataBundle:
    """``--data csv``: the table split into train/val/test; preprocessing fitted on train."""
    from gradkit.datasets.tabular import (
        MISSING,
        TablePreprocessor,
        missing_column_hint,
        read_table_lines,
    )

    path, target = cfg.get("data_file"), cfg.get("target")
    if not path:
        raise ValueError("--data csv needs --data-file FILE (a table with a header row)")
    if not target:
        raise ValueError("--data csv needs --target COLUMN, the column to predict")
    header, rows, line_of = read_table_lines(path)
    if target not in header:
        raise ValueError(f"--target {target}: {path} has no such column (its columns: "
                         f"{', '.join(header)}){missing_column_hint(header, target)}")
    j = header.index(target)
    empty = [line_of[n] for n, row in enumerate(rows) if row[j].strip().lower() in MISSING]
    if empty:
        shown = ", ".join(map(str, empty[:5])) + (", ..." if len(empty) > 5 else "")
        raise ValueError(f"{path}: the target column {target!r} is empty on {len(empty)} "
                         f"row(s) (line {shown}); drop those rows or fill them in")
    if len(rows) < 10:
        raise ValueError(f"{path} has {len(rows)} data rows; at least 10 are needed to split "
                         f"off validation and test rows")
    seed, bs = int(cfg["seed"]), int(cfg["batch_size"])
    train_idx, test_idx = _split_test(len(rows), float(cfg.get("test_fraction") or 0.2), seed)
    frac = float(cfg.get("val_fraction", 0.1))
    (train_idx, _), val = _split_train_val(train_idx, train_idx, frac, seed)
    val_idx = None if val is None else val[0]
    pick = lambda idx: [rows[i] for i in idx]  # noqa: E731
    prep = TablePreprocessor.fit(header, pick(train_idx), target, cfg.get("task"),
                                 row_numbers=[line_of[i] for i in train_idx],
                                 target_values=[row[j] for row in rows])

    def arrays(idx):
        part, lines = pick(idx), [line_of[i] for i in idx]
        return (prep.transform(header, part, where=f"{path}: ", row_numbers=lines),
                prep.transform_target(header, part, where=f"{path}: ", row_numbers=lines))

    xtr, ytr = arrays(train_idx)
    return DataBundle(
        train=_loader(xtr, ytr, bs, shuffle=True, seed=seed),
        val=None if val_idx is None else _loader(*arrays(val_idx), 512, shuffle=False),
        test=_loader(*arrays(test_idx), 512, shuffle=False),
        kind="table", in_shape=(prep.num_features,), num_classes=prep.num_outputs, name="csv",
        task=prep.task, classes=list(prep.classes), meta={"table": prep.state_dict()},
        notes=list(prep.notes))


def _folder_data(cfg: dict) -> DataBundle:
    """``--data images``: class folders decoded, split, normalised with training statistics;
    the training set lightly augmented."""
    from gradkit.datasets.images import AugmentedImages, ImageStats, load_image_folder
    from gradkit.utils.data import DataLoader

    root = cfg.get("data_dir")
    if not root:
        raise ValueError("--data images needs --data-dir DIR (one sub-folder of images per "
                         "class)")
    size = int(cfg.get("image_size") or DATA_DEFAULTS["images"]["image_size"])
    notes: list[str] = []
    images, labels, classes, _ = load_image_folder(root, size, notes=notes)
    seed, bs = int(cfg["seed"]), int(cfg["batch_size"])
    train_idx, test_idx = _split_test(len(labels), float(cfg.get("test_fraction") or 0.2), seed)
    (train_idx, _), val = _split_train_val(train_idx, train_idx, float(cfg.get("val_fraction",
                                                                             0.1)), seed)
    stats = ImageStats.fit(images[train_idx])
    x = stats.normalize(images)
    train_set = AugmentedImages(x[train_idx], labels[train_idx])
    gen = gradkit.Generator().manual_seed(seed)
    train = DataLoader(train_set, batch_size=bs, shuffle=True, generator=gen)
    meta = {"images": {"size": size, "channels": int(images.shape[1]), **stats.state_dict()}}
    return DataBundle(
        train=train,
        val=None if val is None else _loader(x[val[0]], labels[val[0]], 512, shuffle=False),
        test=_loader(x[test_idx], labels[test_idx], 512, shuffle=False),
        kind="image", in_shape=tuple(x.shape[1:]), num_classes=len(classes), name="images",
        classes=list(classes), meta=meta, notes=notes)


def bundle_from_meta(cfg: dict, meta: dict) -> DataBundle:
    """A loader-less :class:`DataBundle` with the shapes a run's model was built for, from the
    preprocessing it saved (``gradkit predict`` rebuilds the model without the training data)."""
    if "table" in meta:
        from gradkit.datasets.tabular import TablePreprocessor

        prep = TablePreprocessor.from_state_dict(meta["table"])
        return DataBundle(None, None, None, kind="table", in_shape=(prep.num_features,),
                          num_classes=prep.num_outputs, name="csv", task=prep.task,
                          classes=list(prep.classes), meta=meta)
    if "images" in meta:
        m = meta["images"]
        return DataBundle(None, None, None, kind="image",
                          in_shape=(int(m["channels"]), int(m["size"]), int(m["size"])),
                          num_classes=len(meta["classes"]), name="images",
                          classes=list(meta["classes"]), meta=meta)
    if "vocab" in meta:
        return DataBundle(None, None, None, kind="text", in_shape=(int(cfg["seq_len"]),),
                          num_classes=len(meta["vocab"]), vocab=list(meta["vocab"]),
                          name="text", meta=meta)
    raise ValueError("the run saved no preprocessing (preprocessing.json)")


def build_model(cfg: dict, data: DataBundle) -> nn.Module:
    """The model named by ``cfg["model"]`` sized for ``data``."""
    name = cfg["model"]
    if data.kind == "text" and name != "lstm":
        raise ValueError(f"--data text needs --model lstm (got --model {name})")
    if name == "lstm":
        if data.kind != "text":
            raise ValueError(f"--model lstm is a character model; use it with --data text "
                             f"(got --data {data.name})")
        return CharRNN(data.num_classes, hidden_size=int(cfg.get("hidden", 128)))
    if name == "mlp":
        return MLP(int(np.prod(data.in_shape)), data.num_classes,
                   hidden=int(cfg.get("hidden", 128)))
    if name == "cnn":
        if len(data.in_shape) != 3:
            raise ValueError(f"--model cnn needs images; use --model mlp for --data "
                             f"{data.name}")
        c, h, w = data.in_shape
        return SmallCNN(c, h, w, data.num_classes)
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")


def build_loss(data: DataBundle) -> nn.Module:
    if data.kind == "text":
        return SequenceCrossEntropyLoss()
    return nn.MSELoss() if data.task == "regression" else nn.CrossEntropyLoss()


def build_optimizer(cfg: dict, model: nn.Module):
    """The optimizer named by ``cfg["optimizer"]`` with ``lr`` and ``weight_decay``."""
    name, lr, wd = cfg["optimizer"], float(cfg["lr"]), float(cfg.get("weight_decay") or 0.0)
    params = model.parameters()
    if name == "sgd":
        return gradkit.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd)
    if name == "adam":
        return gradkit.optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return gradkit.optim.AdamW(params, lr=lr, weight_decay=wd if wd else 0.01)
    if name == "rmsprop":
        return gradkit.optim.RMSprop(params, lr=lr, weight_decay=wd)
    raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


def schedule_ends(cfg: dict) -> list[int]:
    """The epochs at which the schedule's cycles end: ``[epochs]``, one more per extension."""
    ends = cfg.get("schedule_ends") or [int(cfg["epochs"])]
    return [int(e) for e in ends]


def build_scheduler(cfg: dict, optimizer, steps_per_epoch: int, phase: int = 0):
    """The LR schedule named by ``cfg["scheduler"]`` (``None`` for ``"none"``), with warm-up.

    ``onecycle`` steps once per batch; the others once per epoch (``plateau`` on the
    validation loss). ``warmup_epochs`` > 0 ramps the LR up linearly first.

    ``phase`` > 0 builds the cycle that extends a finished ``onecycle`` or ``cosine`` schedule
    (see :data:`EXTENDED_BY_A_NEW_CYCLE`): from the end of cycle ``phase - 1`` to
    ``schedule_ends(cfg)[phase]``, peaking at ``EXTEND_LR_FACTOR * lr``. The scheduler carries
    its phase (``gradkit_phase``) in its state dict.
    """
    from gradkit.optim import lr_scheduler as lrs

    name = cfg["scheduler"]
    ends = schedule_ends(cfg)
    epochs = ends[0]
    warm = int(cfg.get("warmup_epochs") or 0)
    if phase > 0:
        if name not in EXTENDED_BY_A_NEW_CYCLE:
            raise ValueError(f"--scheduler {name} has no cycles to add")
        epochs = ends[phase] - ends[phase - 1]
        peak = float(cfg["lr"]) * EXTEND_LR_FACTOR
        if name == "onecycle":
            sched = lrs.OneCycleLR(optimizer, max_lr=peak, epochs=epochs,
                                   steps_per_epoch=steps_per_epoch)
        else:
            for group in optimizer.param_groups:
                group["lr"] = peak
                group["initial_lr"] = peak
            sched = lrs.CosineAnnealingLR(optimizer, T_max=epochs)
        sched.gradkit_phase = phase
        return sched
    if name == "onecycle":
        if warm:
            raise ValueError("--scheduler onecycle has its own warm-up; drop --warmup-epochs")
        sched = lrs.OneCycleLR(optimizer, max_lr=float(cfg["lr"]), epochs=epochs,
                               steps_per_epoch=steps_per_epoch)
        sched.gradkit_phase = 0
        return sched
    if name == "none":
        main = None
    elif name == "step":
        main = lrs.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.3)
    elif name == "cosine":
        main = lrs.CosineAnnealingLR(optimizer, T_max=max(1, epochs - warm))
    elif name == "plateau":
        main = lrs.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
    else:
        raise ValueError(f"unknown scheduler {name!r}; choose from {', '.join(SCHEDULERS)}")
    if not warm:
        return main
    return _with_warmup(lrs, optimizer, main, warm)


def _with_warmup(lrs, optimizer, main, warmup_epochs: int):
    """Linear warm-up for ``warmup_epochs`` epochs, then ``main`` (plateau included: gradkit's
    SequentialLR passes the metric on to it)."""
    warmup = lrs.LinearLR(optimizer, start_factor=1.0 / (warmup_epochs + 1), end_factor=1.0,
                          total_iters=warmup_epochs)
    if main is None:
        return warmup
    return lrs.SequentialLR(optimizer, [warmup, main], milestones=[warmup_epochs])


def default_run_dir() -> Path:
    """``runs/<UTC timestamp>`` in the current folder."""
    import time

    return Path("runs") / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
