"""gradkit.train.report.write_report: one self-contained HTML page per run folder.

The run folder is made the way ``gradkit train`` makes it (config.json, checkpoint, history,
results.json) plus the diagnostics folder that ``--diagnostics`` adds; the page must parse, hold
every section, reference nothing outside itself, and its confusion matrix must agree with the
run's own test accuracy.
"""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import gradkit as gk
from gradkit.train import (
    GradientDiagnostics,
    HistoryWriter,
    ModelCheckpoint,
    Trainer,
    write_report,
)

VOID = {"meta", "br", "img", "hr", "link", "input", "circle", "line", "rect", "path"}
SECTIONS = ["metrics", "curves", "diagnostics", "model", "config", "confusion"]


class _Checker(HTMLParser):
    """Balanced tags (void and self-closed elements aside), ids, and every src/href."""

    def __init__(self):
        super().__init__()
        self.stack, self.ids, self.refs, self.errors = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        for key in ("src", "href"):
            if key in attrs:
                self.refs.append(attrs[key])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if key in attrs:
                self.refs.append(attrs[key])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def _parse(text):
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    return checker


def _make_run(run_dir, *, diagnostics=True):
    """A run folder as ``gradkit train --model mlp --epochs 2 [--diagnostics]`` writes it."""
    pytest.importorskip("sklearn")
    pytest.importorskip("safetensors")
    from gradkit.train.recipes import (
        DEFAULTS,
        build_data,
        build_loss,
        build_model,
        build_optimizer,
    )

    cfg = dict(DEFAULTS, model="mlp", epochs=2, scheduler="none", hidden=32)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(cfg))
    gk.manual_seed(0)
    data = build_data(cfg)
    model = build_model(cfg, data)
    callbacks = [HistoryWriter(run_dir / "history.csv", run_dir / "history.jsonl"),
                 ModelCheckpoint(run_dir / "checkpoint.safetensors")]
    if diagnostics:
        callbacks.append(GradientDiagnostics(run_dir / "diagnostics", every=4, verbose=False))
    trainer = Trainer(model, build_optimizer(cfg, model), build_loss(data), callbacks=callbacks,
                      progress="off")
    trainer.fit(data.train, data.val, epochs=2)
    results = trainer.evaluate(data.test)
    (run_dir / "results.json").write_text(json.dumps(results))
    return results


def test_report_has_every_section_and_is_self_contained(tmp_path):
    pytest.importorskip("matplotlib")
    run = tmp_path / "run"
    results = _make_run(run)
    path = write_report(run)
    assert path == run / "report.html"
    text = path.read_text()
    checker = _parse(text)
    for sid in SECTIONS:
        assert sid in checker.ids
    # nothing to fetch: links are in-page anchors, images are data URIs
    assert checker.refs and all(r.startswith(("#", "data:image/png;base64,"))
                                for r in checker.refs)
    assert text.count("data:image/png;base64,") == 2  # the two diagnostics plots
    assert text.count("<svg") >= 4  # loss, accuracy, lr curves and the model's graph
    for words in ("test accuracy", "Loss", "Accuracy", "Learning rate", "fc1.weight",
                  "Linear", "optimizer", "adam", "true \\ predicted"):
        assert words in text, words
    # parameter counts per layer: fc1 is 64*32 + 32
    assert re.search(r"fc1</td><td class=\"l\">Linear</td>.*?<td>2,080</td>", text)
    # the confusion matrix, recomputed from the checkpoint, agrees with the run's accuracy
    section = text[text.index('id="confusion"'):]
    cells = [int(v) for v in re.findall(r'title="true (\d+), predicted \1: (\d+)"', section)
             for v in v[1:]]
    total = int(re.search(r"([\d,]+) test samples", section).group(1).replace(",", ""))
    assert total == 450
    assert sum(cells) / total == pytest.approx(results["accuracy"], abs=1e-12)


def test_report_without_model_uses_saved_predictions(tmp_path):
    run = tmp_path / "run"
    _make_run(run, diagnostics=False)
    cfg = json.loads((run / "config.json").read_text())
    cfg.update(data="mnist", data_dir=str(tmp_path / "elsewhere"))  # data not on this machine
    (run / "config.json").write_text(json.dumps(cfg))
    target = np.array([0, 0, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 2, 2, 0])
    np.savez(run / "predictions.npz", target=target, pred=pred)
    out = write_report(run, tmp_path / "elsewhere.html")
    text = out.read_text()
    checker = _parse(text)
    assert set(SECTIONS) <= set(checker.ids)
    assert "No gradient diagnostics" in text
    assert "could not be rebuilt" in text and "fc1.weight" not in text  # grouped by layer
    assert re.search(r"<td class=\"l\">fc1</td>.*?2,080", text)
    assert "from predictions.npz" in text
    assert 'title="true 2, predicted 2: 2"' in text and 'title="true 2, predicted 0: 1"' in text
    assert "accuracy 66.67%" in text


def test_report_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no run folder"):
        write_report(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="config.json"):
        write_report(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model": "mlp", "data": "digits"}))
    text = write_report(tmp_path).read_text()  # a run that never finished an epoch
    _parse(text)
    assert "No results.json" in text and "no checkpoint.safetensors" in text


def test_draw_run_graph(tmp_path):
    from gradkit.train.report import draw_run_graph

    run = tmp_path / "run"
    _make_run(run, diagnostics=False)
    path = draw_run_graph(run, engine="builtin")
    assert path == run / "graph.svg"
    svg = path.read_text()
    for name in ("fc1.weight", "fc2.bias", "ReluBackward", "mlp on digits"):
        assert name in svg
    dot = draw_run_graph(run, tmp_path / "g.dot", collapse="module").read_text()
    assert '"fc1: Linear' in dot and "2 params (2,080 values)" in dot
