"""``gradkit export RUN_DIR --format onnx --out model.onnx``: a run's model as a standard ONNX
model (:func:`gradkit.onnx.export`), with a dynamic batch dimension (and sequence length for a
text run), taking the preprocessed input under the name ``features`` (table runs), ``image``
(image runs) or ``tokens`` (text runs); the output is ``logits`` (``prediction`` for a
regression). With onnxruntime installed the file is run once and compared with gradkit."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from ._errors import CLIError
from ._options import nonempty_path
from ._runs import model_checkpoint, read_run

NAME = "export"
MPI = False

__all__ = ["add_parser", "run"]

_INPUT_NAMES = {"table": "features", "image": "image", "text": "tokens"}


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("export", help="export a run's model (ONNX)",
                       description="Write RUN_DIR's model (its best checkpoint unless --last) as "
                                   "an ONNX model with a dynamic batch dimension. Its input is "
                                   "the preprocessed batch (see preprocessing.json in the run): "
                                   "'features', 'image' or 'tokens'; its output 'logits' (or "
                                   "'prediction' for a regression).")
    p.add_argument("run_dir")
    p.add_argument("--format", choices=("onnx",), default="onnx", help="(default: onnx)")
    p.add_argument("--out", type=nonempty_path, help="the file (default: RUN_DIR/model.onnx)")
    p.add_argument("--last", action="store_true", help="use the last checkpoint, not the best")
    p.add_argument("--opset", type=int, default=None, help="ONNX opset (default: 18)")
    return p


def _model_and_data(run_dir_text: str, last: bool):
    """``(model in eval mode, data bundle with the input shape, config, run folder, checkpoint)``
    of a run, rebuilt from its preprocessing.json, or from its data when it has none."""
    from ..train.checkpoint import load_checkpoint
    from ..train.recipes import build_data, build_model, bundle_from_meta
    from .predict import load_predictor

    run_dir, cfg = read_run(run_dir_text)
    if cfg.get("data") in ("csv", "images", "text"):  # preprocessing.json holds the shapes
        model, meta, cfg, path = load_predictor(run_dir, last=last)
        return model, bundle_from_meta(cfg, meta), cfg, run_dir, path
    data = build_data(cfg)  # digits / MNIST: the shapes come from the data itself
    model = build_model(cfg, data)
    path = model_checkpoint(run_dir, last)
    model.load_state_dict(load_checkpoint(path)["model"])
    model.eval()
    return model, data, cfg, run_dir, path


def run(args) -> int:
    import gradkit

    from ..onnx import export
    from ..onnx.errors import OnnxExporterError

    model, data, cfg, run_dir, ckpt = _model_and_data(args.run_dir, args.last)
    out = Path(args.out) if args.out else run_dir / "model.onnx"
    if data.kind == "text":
        example = gradkit.zeros((2, *data.in_shape), dtype=gradkit.int64)
        axes = {0: "batch", 1: "seq"}
    else:
        example = gradkit.zeros((2, *data.in_shape))
        axes = {0: "batch"}
    in_name = _INPUT_NAMES[data.kind]
    out_name = "prediction" if data.task == "regression" else "logits"
    verify = importlib.util.find_spec("onnxruntime") is not None
    try:
        export(model, (example,), str(out), input_names=[in_name], output_names=[out_name],
               dynamic_axes={in_name: axes, out_name: axes}, opset_version=args.opset,
               verify=verify)
    except OnnxExporterError as exc:
        raise CLIError(f"export of {run_dir}: {exc}") from None
    dims = ["batch", "seq"] if data.kind == "text" else ["batch", *map(str, data.in_shape)]
    shape = ", ".join(dims)
    print(f"{out}: ONNX model of {run_dir} ({ckpt.name}); input '{in_name}' ({shape}), "
          f"output '{out_name}'" + ("; checked with onnxruntime" if verify else ""))
    return 0
