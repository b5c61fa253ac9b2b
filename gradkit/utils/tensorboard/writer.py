"""PyTorch's ``SummaryWriter`` on gradkit tensors, with ``tensorboardX``'s summary builders.

Every ``add_*`` converts its gradkit tensors (or NumPy arrays, numbers, lists) to NumPy, checks
them with a message that names the method and what it received, and builds the summary with
``tensorboardX``'s protocol buffers; ``_filewriter.FileWriter`` writes the event files (PyTorch's
file names, queue, flush interval and purge step).
"""

from __future__ import annotations

import os
import sys
import time
from numbers import Number

import numpy as np

_INSTALL = "pip install 'gradkit[tensorboard]'"


def _import_tensorboardx():
    """Import tensorboardX without letting it import a real PyTorch (it does so only for type
    hints; importing PyTorch would take seconds). Under ``gradkit run`` ``torch`` is gradkit."""
    block = "torch" not in sys.modules
    if block:
        sys.modules["torch"] = None  # makes ``import torch`` raise ImportError, as if absent
    try:
        import tensorboardX
        from tensorboardX import summary as tbx_summary
    except ImportError as exc:
        missing = getattr(exc, "name", None)
        if missing not in (None, "tensorboardX") and not missing.startswith("tensorboardX."):
            raise
        raise ImportError(
            "gradkit.utils.tensorboard (torch.utils.tensorboard) writes TensorBoard files with "
            f"the tensorboardX package, which is not installed; install it with {_INSTALL} "
            "(or pip install tensorboardX), and tensorboard to look at the files") from None
    finally:
        if block and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return tensorboardX, tbx_summary


_tbx, _summary = _import_tensorboardx()
from ._filewriter import FileWriter  # noqa: E402 (needs tensorboardX, checked above)

__all__ = ["FileWriter", "SummaryWriter"]


def _np(x, method: str, what: str = "value") -> np.ndarray:
    """A gradkit Tensor, NumPy array, number or (nested) list as a NumPy array."""
    from gradkit import Tensor

    if isinstance(x, Tensor):
        arr = x.detach().cpu().numpy()
        if arr.dtype.kind == "V" or str(arr.dtype) == "bfloat16":
            arr = arr.astype(np.float32)
        return arr
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (Number, np.generic, list, tuple)):
        try:
            arr = np.asarray(x)
        except ValueError:
            arr = None
        if arr is not None and arr.dtype != object:
            return arr
    raise TypeError(f"SummaryWriter.{method}: {what} must be a gradkit Tensor, a NumPy array or "
                    f"a number, got {type(x).__name__}")


def _scalar(x, method: str, what: str = "scalar_value") -> float:
    arr = _np(x, method, what)
    if arr.size != 1:
        raise ValueError(f"SummaryWriter.{method}: {what} must hold one number, got shape "
                         f"{tuple(arr.shape)}; log an element (x[i]) or a reduction "
                         f"(x.mean()), or use add_histogram for many values")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"SummaryWriter.{method}: {what} must be a real number, got dtype "
                        f"{arr.dtype}")
    return float(arr.reshape(()))


def _tag(tag, method: str) -> str:
    if not isinstance(tag, str):
        raise TypeError(f"SummaryWriter.{method}: tag must be a str, got {type(tag).__name__}")
    return tag


def _step(step, method: str):
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        from gradkit import Tensor

        if isinstance(step, Tensor) and step.numel() == 1 and not step.is_floating_point():
            return int(step.item())
        raise TypeError(f"SummaryWriter.{method}: global_step must be an int, got "
                        f"{type(step).__name__} {step!r}")
    return int(step)


def _encode(raw: str) -> str:
    """A tag as a folder name (PyTorch's escaping of %, / and \\)."""
    return raw.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _image_uint8(img: np.ndarray, method: str, dataformats: str) -> np.ndarray:
    """Check ``img`` against ``dataformats`` and scale it to uint8 as PyTorch does: uint8 kept,
    anything else taken as [0, 1], multiplied by 255 and clipped."""
    if not isinstance(dataformats, str) or not dataformats:
        raise TypeError(f"SummaryWriter.{method}: dataformats must be a str such as 'CHW', got "
                        f"{dataformats!r}")
    fmt = dataformats.upper()
    allowed = {"add_image": ("CHW", "HWC", "HW", "WH"),
               "add_images": ("NCHW", "NHWC")}.get(method)
    if set(fmt) - set("NCHW") or len(set(fmt)) != len(fmt) or "H" not in fmt or "W" not in fmt:
        raise ValueError(f"SummaryWriter.{method}: dataformats {dataformats!r} must be made of "
                         f"distinct letters N, C, H, W (e.g. {'/'.join(allowed or ('CHW',))})")
    if img.ndim != len(fmt):
        raise ValueError(f"SummaryWriter.{method}: an image in dataformats {dataformats!r} has "
                         f"{len(fmt)} dimensions, got shape {tuple(img.shape)}; pass "
                         f"dataformats to match (e.g. 'HWC' for height x width x channels)")
    if "C" in fmt and img.shape[fmt.index("C")] not in (1, 3, 4):
        raise ValueError(f"SummaryWriter.{method}: images have 1, 3 or 4 channels, got "
                         f"{img.shape[fmt.index('C')]} in shape {tuple(img.shape)} "
                         f"(dataformats {dataformats!r})")
    if img.dtype.kind not in "biuf":
        raise TypeError(f"SummaryWriter.{method}: image values must be numbers, got dtype "
                        f"{img.dtype}")
    if img.dtype == np.uint8:
        return img
    return (img.astype(np.float32) * 255.0).clip(0, 255).astype(np.uint8)


class SummaryWriter:
    """Writes entries to event files in ``log_dir`` for TensorBoard (PyTorch's signature).

    Args:
        log_dir: the folder (default ``runs/CURRENT_DATETIME_HOSTNAME``, plus ``comment``).
        comment: appended to the default ``log_dir``; ignored when ``log_dir`` is given.
        purge_step: when resuming at step T after a crash, hide the events at steps >= T that
            the earlier run wrote.
        max_queue: pending entries before an ``add_*`` forces a write.
        flush_secs: how often pending entries are written.
        filename_suffix: appended to the event file's name.

    Tensors may be gradkit tensors, NumPy arrays or numbers (and lists of numbers).
    """

    def __init__(self, log_dir=None, comment: str = "", purge_step=None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str = ""):
        if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"SummaryWriter: log_dir must be a path (str), got "
                            f"{type(log_dir).__name__}")
        if not log_dir:
            import socket
            from datetime import datetime

            current_time = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", current_time + "_" + socket.gethostname() + comment)
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        # TensorBoard's default histogram buckets (bins="tensorflow"), as PyTorch builds them
        v, buckets, neg_buckets = 1e-12, [], []
        while v < 1e20:
            buckets.append(v)
            neg_buckets.append(-v)
            v *= 1.1
        self.default_bins = neg_buckets[::-1] + [0] + buckets

    # -- the writers --------------------------------------------------------------------------
    def _get_file_writer(self) -> FileWriter:
        """The event file of ``log_dir`` (a new one after :meth:`close`)."""
        if self.all_writers is None or self.file_writer is None:
            from tensorboardX.proto.event_pb2 import Event, SessionLog

            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            if self.purge_step is not None:
                step = int(self.purge_step)
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(
                    Event(step=step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
        return self.file_writer

    def get_logdir(self) -> str:
        """The folder the event files are written to."""
        return self.log_dir

    def _add(self, summary, global_step, walltime):
        self._get_file_writer().add_summary(summary, global_step, walltime)

    # -- scalars ------------------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False) -> None:
        """Add one number (a Python number, 0-d / one-element Tensor or array)."""
        tag = _tag(tag, "add_scalar")
        value = _scalar(scalar_value, "add_scalar")
        step = _step(global_step, "add_scalar")
        if not new_style:
            self._add(_summary.scalar(tag, value), step, walltime)
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

        if double_precision:
            proto = TensorProto(double_val=[value], dtype="DT_DOUBLE",
                                tensor_shape=TensorShapeProto())
        else:
            proto = TensorProto(float_val=[value], dtype="DT_FLOAT",
                                tensor_shape=TensorShapeProto())
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
        self._add(Summary(value=[Summary.Value(tag=tag, tensor=proto, metadata=meta)]), step,
                  walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None) -> None:
        """Add several numbers drawn in one chart: each key goes to ``log_dir/main_tag_key``."""
        main_tag = _tag(main_tag, "add_scalars")
        if not isinstance(tag_scalar_dict, dict):
            raise TypeError(f"SummaryWriter.add_scalars: tag_scalar_dict must be a dict of "
                            f"name -> number, got {type(tag_scalar_dict).__name__}")
        step = _step(global_step, "add_scalars")
        walltime = time.time() if walltime is None else walltime
        fw_logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            value = _scalar(value, "add_scalars", f"tag_scalar_dict[{tag!r}]")
            # PyTorch's layout: one run folder per key, named main_tag_key
            fw_tag = fw_logdir + "/" + main_tag.replace("/", "_") + "_" + str(tag)
            self._get_file_writer()
            writers = self.all_writers
            if fw_tag not in writers:
                writers[fw_tag] = FileWriter(fw_tag, self.max_queue, self.flush_secs,
                                             self.filename_suffix)
            writers[fw_tag].add_summary(_summary.scalar(main_tag, value), step, walltime)

    # -- distributions ------------------------------------------------------------------------
    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None) -> None:
        """Add a histogram of ``values`` (any shape; flattened). ``bins``: ``"tensorflow"``
        (TensorBoard's default exponential buckets) or anything ``numpy.histogram`` takes."""
        tag = _tag(tag, "add_histogram")
        arr = _np(values, "add_histogram", "values")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"SummaryWriter.add_histogram: values must be real numbers, got "
                            f"dtype {arr.dtype}")
        if arr.size == 0:
            raise ValueError("SummaryWriter.add_histogram: values is empty; a histogram needs at "
                             "least one value")
        arr = arr.astype(np.float64).reshape(-1)
        if not np.isfinite(arr).all():
            raise ValueError(f"SummaryWriter.add_histogram: values of {tag!r} hold "
                             f"{int((~np.isfinite(arr)).sum())} NaN or infinite entries; "
                             f"a histogram needs finite numbers")
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._add(_summary.histogram(tag, arr, bins, max_bins=max_bins),
                  _step(global_step, "add_histogram"), walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits,
                          bucket_counts, global_step=None, walltime=None) -> None:
        """Add a histogram given by its statistics and buckets (``bucket_limits`` are the
        right edges, as many as ``bucket_counts``)."""
        limits = _np(bucket_limits, "add_histogram_raw", "bucket_limits").reshape(-1).tolist()
        counts = _np(bucket_counts, "add_histogram_raw", "bucket_counts").reshape(-1).tolist()
        if len(limits) != len(counts):
            raise ValueError(f"SummaryWriter.add_histogram_raw: bucket_limits and bucket_counts "
                             f"must have the same length, got {len(limits)} and {len(counts)}")
        self._add(_summary.histogram_raw(_tag(tag, "add_histogram_raw"), float(min), float(max),
                                         float(num), float(sum), float(sum_squares), limits,
                                         counts),
                  _step(global_step, "add_histogram_raw"), walltime)

    # -- images -------------------------------------------------------------------------------
    def add_image(self, tag, img_tensor, global_step=None, walltime=None,
                  dataformats="CHW") -> None:
        """Add one image: float values in [0, 1] or uint8 in [0, 255], shape per
        ``dataformats`` (``"CHW"``, ``"HWC"``, ``"HW"``); 1, 3 or 4 channels."""
        tag = _tag(tag, "add_image")
        img = _image_uint8(_np(img_tensor, "add_image", "img_tensor"), "add_image", dataformats)
        self._add(_summary.image(tag, img, dataformats=dataformats),
                  _step(global_step, "add_image"), walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None,
                   dataformats="NCHW") -> None:
        """Add a batch of images (``"NCHW"`` or ``"NHWC"``), shown as one grid."""
        tag = _tag(tag, "add_images")
        if isinstance(img_tensor, list):
            img_tensor = np.stack([_np(im, "add_images", "img_tensor") for im in img_tensor])
            dataformats = "N" + dataformats if len(dataformats) == 3 else dataformats
        img = _image_uint8(_np(img_tensor, "add_images", "img_tensor"), "add_images",
                           dataformats)
        self._add(_summary.image(tag, img, dataformats=dataformats),
                  _step(global_step, "add_images"), walltime)

    def add_image_with_boxes(self, tag, img_tensor, box_tensor, global_step=None, walltime=None,
                             rescale=1, dataformats="CHW", labels=None) -> None:
        """Add an image with boxes drawn on it; ``box_tensor`` is (N, 4): x1, y1, x2, y2."""
        tag = _tag(tag, "add_image_with_boxes")
        img = _image_uint8(_np(img_tensor, "add_image_with_boxes", "img_tensor"),
                           "add_image_with_boxes", dataformats)
        boxes = _np(box_tensor, "add_image_with_boxes", "box_tensor")
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(f"SummaryWriter.add_image_with_boxes: box_tensor must have shape "
                             f"(N, 4), got {tuple(boxes.shape)}")
        if labels is not None and len(labels) != boxes.shape[0]:
            raise ValueError(f"SummaryWriter.add_image_with_boxes: {len(labels)} labels for "
                             f"{boxes.shape[0]} boxes")
        self._add(_summary.image_boxes(tag, img, boxes, rescale=rescale,
                                       dataformats=dataformats, labels=labels),
                  _step(global_step, "add_image_with_boxes"), walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None) -> None:
        """Add a matplotlib figure (or a list of them, as one grid of images)."""
        tag = _tag(tag, "add_figure")
        figures = figure if isinstance(figure, list) else [figure]
        for fig in figures:
            if not hasattr(fig, "canvas") or not hasattr(fig, "savefig"):
                raise TypeError(f"SummaryWriter.add_figure: figure must be a matplotlib Figure "
                                f"or a list of them, got {type(fig).__name__}")
        from tensorboardX.utils import figure_to_image

        if isinstance(figure, list):
            self.add_image(tag, figure_to_image(figure, close), global_step, walltime,
                           dataformats="NCHW")
        else:
            self.add_image(tag, figure_to_image(figure, close), global_step, walltime,
                           dataformats="CHW")

    def add_video(self, tag, vid_tensor, global_step=None, fps=4, walltime=None) -> None:
        """Add a video, (N, T, C, H, W) (needs moviepy, as in PyTorch)."""
        vid = _np(vid_tensor, "add_video", "vid_tensor")
        if vid.ndim != 5:
            raise ValueError(f"SummaryWriter.add_video: vid_tensor must be (N, T, C, H, W), got "
                             f"shape {tuple(vid.shape)}")
        self._add(_summary.video(_tag(tag, "add_video"), vid, fps),
                  _step(global_step, "add_video"), walltime)

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate=44100,
                  walltime=None) -> None:
        """Add a sound clip: values in [-1, 1], shape (L,) or (1, L)."""
        snd = _np(snd_tensor, "add_audio", "snd_tensor").astype(np.float32)
        if snd.ndim == 2 and snd.shape[0] == 1:
            snd = snd[0]
        if snd.ndim != 1:
            raise ValueError(f"SummaryWriter.add_audio: snd_tensor must be (L,) or (1, L), got "
                             f"shape {tuple(snd.shape)}")
        self._add(_summary.audio(_tag(tag, "add_audio"), snd, sample_rate=sample_rate),
                  _step(global_step, "add_audio"), walltime)

    # -- text and hyperparameters -------------------------------------------------------------
    def add_text(self, tag, text_string, global_step=None, walltime=None) -> None:
        """Add a text (Markdown) entry."""
        tag = _tag(tag, "add_text")
        if not isinstance(text_string, str):
            raise TypeError(f"SummaryWriter.add_text: text_string must be a str, got "
                            f"{type(text_string).__name__}")
        self._add(_summary.text(tag, text_string), _step(global_step, "add_text"), walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None) -> None:
        """Add one run's hyperparameters and metrics to TensorBoard's HPARAMS tab.

        As in PyTorch, they are written to a sub-run ``log_dir/run_name`` (default: the current
        time), with each metric also as a scalar there.
        """
        from ._hparams import hparams

        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        metrics = {k: _scalar(v, "add_hparams", f"metric_dict[{k!r}]")
                   for k, v in metric_dict.items()}
        hp = {}
        for k, v in hparam_dict.items():
            if isinstance(v, (bool, str, Number)) or v is None:
                hp[k] = v
            else:
                hp[k] = _scalar(v, "add_hparams", f"hparam_dict[{k!r}]")
        exp, ssi, sei = hparams(hp, metrics, hparam_domain_discrete)
        if not run_name:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        step = _step(global_step, "add_hparams")
        with SummaryWriter(log_dir=logdir) as w_hp:
            fw = w_hp._get_file_writer()
            fw.add_summary(exp, step)
            fw.add_summary(ssi, step)
            fw.add_summary(sei, step)
            for k, v in metrics.items():
                w_hp.add_scalar(k, v, step)

    def add_custom_scalars(self, layout) -> None:
        """Custom scalar charts: ``{category: {chart: ["Multiline"|"Margin", [tags]]}}``."""
        self._get_file_writer().add_summary(_summary.custom_scalars(layout))

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127,
                     weights=None, walltime=None) -> None:
        """Add a precision-recall curve of 0/1 ``labels`` against ``predictions`` in [0, 1]."""
        labels = _np(labels, "add_pr_curve", "labels")
        predictions = _np(predictions, "add_pr_curve", "predictions")
        if labels.shape != predictions.shape:
            raise ValueError(f"SummaryWriter.add_pr_curve: labels {tuple(labels.shape)} and "
                             f"predictions {tuple(predictions.shape)} must have the same shape")
        if weights is not None:
            weights = _np(weights, "add_pr_curve", "weights")
        self._add(_summary.pr_curve(_tag(tag, "add_pr_curve"), labels, predictions,
                                    num_thresholds, weights),
                  _step(global_step, "add_pr_curve"), walltime)

    # -- model graph and embeddings -----------------------------------------------------------
    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True) -> None:
        """Add the model's graph: a forward run on ``input_to_model`` is traced (as
        ``gradkit.onnx.export`` does) and written as a TensorBoard graph whose nodes are
        grouped by module path. ``use_strict_trace`` is accepted and has no effect."""
        from ._graph import graph_def

        if input_to_model is None:
            raise ValueError("SummaryWriter.add_graph: gradkit traces the graph from a forward "
                             "run; pass input_to_model (an example input, or a tuple of them)")
        self._get_file_writer().add_onnx_graph(graph_def(model, input_to_model, verbose))

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None) -> None:
        """Add points for TensorBoard's embedding projector: ``mat`` (N, D), optional
        ``metadata`` (N labels, or rows of columns with ``metadata_header``) and
        ``label_img`` (N, C, H, W) thumbnails."""
        arr = _np(mat, "add_embedding", "mat")
        if arr.ndim != 2:
            raise ValueError(f"SummaryWriter.add_embedding: mat must be (N, D), got shape "
                             f"{tuple(arr.shape)}")
        if metadata is not None and len(metadata) != arr.shape[0]:
            raise ValueError(f"SummaryWriter.add_embedding: {len(metadata)} metadata rows for "
                             f"{arr.shape[0]} points")
        if label_img is not None:
            label_img = _np(label_img, "add_embedding", "label_img")
            if label_img.ndim != 4 or label_img.shape[0] != arr.shape[0]:
                raise ValueError(f"SummaryWriter.add_embedding: label_img must be (N, C, H, W) "
                                 f"with N = {arr.shape[0]}, got {tuple(label_img.shape)}")
            if label_img.shape[2] != label_img.shape[3]:
                raise ValueError(f"SummaryWriter.add_embedding: label_img must be square "
                                 f"(H == W), got {tuple(label_img.shape)}")
        from tensorboardX.embedding import append_pbtxt, make_mat, make_sprite, make_tsv

        if metadata is not None:
            metadata = [m.tolist() if isinstance(m, np.ndarray) else m for m in metadata]
            if metadata_header is not None and any(len(row) != len(metadata_header)
                                                   for row in metadata):
                raise ValueError("SummaryWriter.add_embedding: every metadata row must have "
                                 f"len(metadata_header) = {len(metadata_header)} columns")
        step = 0 if global_step is None else _step(global_step, "add_embedding")
        subdir = f"{str(step).zfill(5)}/{_encode(tag)}"
        logdir = self._get_file_writer().get_logdir()
        save_path = os.path.join(logdir, subdir)
        os.makedirs(save_path, exist_ok=True)
        if metadata is not None:
            make_tsv(metadata, save_path, metadata_header=metadata_header)
        if label_img is not None:
            make_sprite(label_img, save_path)
        make_mat(arr, save_path)
        append_pbtxt(metadata, label_img, logdir, subdir, step, tag)

    # -- lifetime -----------------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything pending to disk."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self) -> None:
        """Flush and close the event files (a second close does nothing; a later ``add_*``
        starts a new event file)."""
        for writer in (self.all_writers or {}).values():
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()

    def __repr__(self) -> str:
        return f"SummaryWriter(log_dir={self.log_dir!r})"
