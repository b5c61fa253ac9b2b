"""gradkit.utils.tensorboard.SummaryWriter and gradkit.train.TensorBoardLogger: every kind of
record written, then read back with TensorBoard's own event reader and compared (values, steps,
shapes), with PyTorch's summary builders as the oracle for histograms and images."""

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import gradkit as gk

pytest.importorskip("tensorboardX")
ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

from gradkit.utils.tensorboard import SummaryWriter  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
_ALL = {k: 0 for k in ("scalars", "histograms", "images", "tensors", "compressedHistograms",
                       "audio")}


def read(path):
    acc = ea_mod.EventAccumulator(str(path), size_guidance=_ALL)
    acc.Reload()
    return acc


def png_pixels(encoded: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(encoded)).convert("RGB"))


def test_scalars_from_tensors_arrays_and_numbers(tmp_path):
    values = [gk.tensor(0.5), np.float32(0.25), 3, gk.tensor([1.5]), np.array(2.0)]
    with SummaryWriter(tmp_path) as w:
        for step, v in enumerate(values):
            w.add_scalar("loss", v, step)
        w.add_scalar("exact", gk.tensor(0.1, dtype=gk.float64), 7, new_style=True,
                     double_precision=True)
        w.add_scalar("newstyle", 1.25, 3, new_style=True)
    acc = read(tmp_path)
    got = [(e.step, e.value) for e in acc.Scalars("loss")]
    assert got == [(0, 0.5), (1, 0.25), (2, 3.0), (3, 1.5), (4, 2.0)]
    (exact,) = acc.Tensors("exact")
    assert exact.step == 7 and exact.tensor_proto.double_val[0] == 0.1
    assert acc.Tensors("newstyle")[0].tensor_proto.float_val[0] == 1.25
    assert acc.SummaryMetadata("newstyle").plugin_data.plugin_name == "scalars"


def test_add_scalars_writes_one_run_per_key_like_pytorch(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalars("run/loss", {"train": gk.tensor(1.0 / (step + 1)), "val": step * 2},
                          step)
    assert sorted(os.listdir(tmp_path / "run_loss_train")) and \
        sorted(os.listdir(tmp_path / "run_loss_val"))
    train = read(tmp_path / "run_loss_train").Scalars("run/loss")
    val = read(tmp_path / "run_loss_val").Scalars("run/loss")
    np.testing.assert_allclose([e.value for e in train], [1.0, 0.5, 1 / 3], rtol=1e-6)
    assert [(e.step, e.value) for e in val] == [(0, 0.0), (1, 2.0), (2, 4.0)]


def test_histogram_matches_pytorch(tmp_path, torch):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from torch.utils.tensorboard.summary import histogram

    data = np.random.default_rng(0).normal(size=(20, 50)).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("w", gk.tensor(data), 5)
        w.add_histogram("auto", data, 6, bins="auto")
    acc = read(tmp_path)
    (ours,) = acc.Histograms("w")
    assert ours.step == 5
    h = ours.histogram_value
    assert h.num == data.size and h.min == pytest.approx(data.min())
    assert h.max == pytest.approx(data.max())
    assert h.sum == pytest.approx(float(data.astype(np.float64).sum()), rel=1e-5)
    assert h.sum_squares == pytest.approx(float((data.astype(np.float64) ** 2).sum()), rel=1e-5)
    with TorchWriter(str(tmp_path / "torch")) as tw:
        tf_bins = tw.default_bins  # PyTorch's bins="tensorflow"
    ref = histogram("w", torch.from_numpy(data), tf_bins).value[0].histo
    assert list(h.bucket) == list(ref.bucket)
    np.testing.assert_allclose(h.bucket_limit, ref.bucket_limit, rtol=1e-12)
    ref_auto = histogram("auto", torch.from_numpy(data), "auto").value[0].histo
    assert list(acc.Histograms("auto")[0].histogram_value.bucket) == list(ref_auto.bucket)


def test_histogram_raw(tmp_path):
    values = np.repeat(np.arange(5.0), [1, 2, 3, 4, 5])
    counts, edges = np.histogram(values, bins=5)
    with SummaryWriter(tmp_path) as w:
        w.add_histogram_raw("raw", values.min(), values.max(), values.size, values.sum(),
                            (values ** 2).sum(), edges[1:], counts, global_step=2)
    h = read(tmp_path).Histograms("raw")[0].histogram_value
    assert list(h.bucket) == counts.tolist() and list(h.bucket_limit) == edges[1:].tolist()
    assert h.num == values.size


def test_images_decode_to_pytorchs_pixels(tmp_path, torch):
    from torch.utils.tensorboard.summary import image

    rng = np.random.default_rng(1)
    chw = rng.uniform(-0.2, 1.2, size=(3, 6, 10)).astype(np.float32)  # clipped like PyTorch
    hw = rng.integers(0, 256, size=(5, 7)).astype(np.uint8)
    batch = rng.uniform(size=(4, 8, 8, 3)).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_image("chw", gk.tensor(chw), 1)
        w.add_image("hw", hw, 2, dataformats="HW")
        w.add_images("batch", gk.tensor(batch), 3, dataformats="NHWC")
    acc = read(tmp_path)
    for tag, arr, fmt in (("chw", chw, "CHW"), ("hw", hw, "HW"), ("batch", batch, "NHWC")):
        (ev,) = acc.Images(tag)
        ref = image(tag, torch.from_numpy(arr), dataformats=fmt).value[0].image
        assert (ev.width, ev.height) == (ref.width, ref.height)
        np.testing.assert_array_equal(png_pixels(ev.encoded_image_string),
                                      png_pixels(ref.encoded_image_string))
    assert (acc.Images("chw")[0].height, acc.Images("chw")[0].width) == (6, 10)
    expected = (np.clip(chw * 255.0, 0, 255).astype(np.uint8)).transpose(1, 2, 0)
    np.testing.assert_array_equal(png_pixels(acc.Images("chw")[0].encoded_image_string),
                                  expected)


def test_figure_and_image_with_boxes(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1.5), dpi=50)
    plt.plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as w:
        w.add_figure("fig", fig, 4)
        w.add_image_with_boxes("boxes", np.zeros((3, 20, 20), np.float32),
                               gk.tensor([[1.0, 1.0, 10.0, 10.0]]), 1)
    acc = read(tmp_path)
    (ev,) = acc.Images("fig")
    assert (ev.width, ev.height, ev.step) == (100, 75, 4)
    assert not plt.fignum_exists(fig.number)  # close=True
    box = png_pixels(acc.Images("boxes")[0].encoded_image_string)
    assert box.shape == (20, 20, 3) and box.any()


def test_text_and_hparams(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2

    with SummaryWriter(tmp_path) as w:
        w.add_text("notes", "**bold** text", 3)
        w.add_hparams({"lr": 0.01, "opt": "adam", "bn": True, "layers": gk.tensor(3)},
                      {"hp/accuracy": gk.tensor(0.9), "hp/loss": 0.2},
                      hparam_domain_discrete={"opt": ["adam", "sgd"]}, run_name="trial")
    acc = read(tmp_path)
    (text,) = acc.Tensors("notes/text_summary")
    assert text.step == 3 and text.tensor_proto.string_val[0] == b"**bold** text"
    hp = read(tmp_path / "trial")
    assert [e.value for e in hp.Scalars("hp/accuracy")] == [pytest.approx(0.9)]
    content = hp.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["lr"].number_value == 0.01
    assert start.hparams["opt"].string_value == "adam"
    assert start.hparams["bn"].bool_value is True
    assert start.hparams["layers"].number_value == 3.0
    exp = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/experiment"]).experiment
    infos = {i.name: i for i in exp.hparam_infos}
    assert [v.string_value for v in infos["opt"].domain_discrete.values] == ["adam", "sgd"]
    assert sorted(m.name.tag for m in exp.metric_infos) == ["hp/accuracy", "hp/loss"]


def test_graph_nodes_follow_the_modules(tmp_path):
    nn = gk.nn
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    model.train()
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, gk.randn(2, 1, 6, 6))
    assert model.training
    graph = read(tmp_path).Graph()
    ops = [n.op for n in graph.node if n.op not in ("Parameter", "IO Node")]
    assert ops == ["Conv", "Relu", "Flatten", "Gemm"]
    names = {n.name: n for n in graph.node}
    assert list(names["Sequential/3/Gemm_3"].input) == [
        "Sequential/2/Flatten_2", "Sequential/3/weight", "Sequential/3/bias"]
    assert list(names["output/output"].input) == ["Sequential/3/Gemm_3"]
    shape = names["Sequential/0/Conv_0"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [2, 2, 4, 4]


def test_embedding_files(tmp_path):
    mat = np.random.default_rng(2).normal(size=(6, 3)).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_embedding(gk.tensor(mat), metadata=list("abcdef"),
                        label_img=gk.rand(6, 3, 4, 4), global_step=1, tag="emb")
    folder = tmp_path / "00001" / "emb"
    np.testing.assert_allclose(np.loadtxt(folder / "tensors.tsv", delimiter="\t"), mat,
                               rtol=1e-6)
    assert (folder / "metadata.tsv").read_text().split() == list("abcdef")
    assert (folder / "sprite.png").exists()
    assert "emb" in (tmp_path / "projector_config.pbtxt").read_text()


def test_default_log_dir_comment_flush_and_close(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1", filename_suffix=".gk")
    assert w.get_logdir().startswith("runs" + os.sep) and w.get_logdir().endswith("_lr0.1")
    w.add_scalar("x", 1.0, 0)
    w.flush()
    files = os.listdir(w.get_logdir())
    assert len(files) == 1 and files[0].endswith(".gk")
    assert [e.value for e in read(w.get_logdir()).Scalars("x")] == [1.0]
    w.close()
    w.close()  # a second close does nothing


def test_purge_step_hides_later_events(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(5):
            w.add_scalar("x", step, step)
    with SummaryWriter(tmp_path, purge_step=3) as w:
        w.add_scalar("x", 30.0, 3)
    assert [(e.step, e.value) for e in read(tmp_path).Scalars("x")] == [
        (0, 0.0), (1, 1.0), (2, 2.0), (3, 30.0)]


@pytest.mark.parametrize("call, exc, match", [
    (lambda w: w.add_scalar("x", gk.randn(3), 0), ValueError, r"one number.*\(3,\)"),
    (lambda w: w.add_scalar("x", "1.0", 0), TypeError, "str"),
    (lambda w: w.add_scalar(5, 1.0, 0), TypeError, "tag must be a str"),
    (lambda w: w.add_scalar("x", 1.0, 1.5), TypeError, "global_step must be an int"),
    (lambda w: w.add_scalars("x", [1.0], 0), TypeError, "dict"),
    (lambda w: w.add_histogram("h", np.array([1.0, np.nan]), 0), ValueError, "NaN"),
    (lambda w: w.add_histogram("h", np.array([]), 0), ValueError, "empty"),
    (lambda w: w.add_image("i", np.zeros((8, 8)), 0), ValueError, "3 dimensions.*dataformats"),
    (lambda w: w.add_image("i", np.zeros((2, 8, 8)), 0), ValueError, "1, 3 or 4 channels"),
    (lambda w: w.add_image("i", np.zeros((3, 8, 8)), 0, dataformats="CXW"), ValueError,
     "distinct letters"),
    (lambda w: w.add_images("i", np.zeros((3, 8, 8)), 0), ValueError, "4 dimensions"),
    (lambda w: w.add_text("t", 3, 0), TypeError, "text_string must be a str"),
    (lambda w: w.add_hparams([], {}), TypeError, "dictionary"),
    (lambda w: w.add_hparams({"a": 1}, {}, hparam_domain_discrete={"a": ["x"]}), TypeError,
     "same type"),
    (lambda w: w.add_figure("f", np.zeros(3)), TypeError, "matplotlib Figure"),
    (lambda w: w.add_embedding(np.zeros(3)), ValueError, r"\(N, D\)"),
    (lambda w: w.add_graph(gk.nn.Linear(2, 2)), ValueError, "input_to_model"),
    (lambda w: w.add_scalar("x", object(), 0), TypeError, "gradkit Tensor"),
])
def test_bad_input_errors(tmp_path, call, exc, match):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(exc, match=match):
            call(w)


def _run(code, *argv, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *argv], input=None, cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=120) if not code else \
        subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, text=True,
                       capture_output=True, timeout=120)


def test_import_is_lazy_and_missing_package_says_what_to_install(tmp_path):
    res = _run("import sys, gradkit, gradkit.train, gradkit.onnx; "
               "print(sorted(m for m in ('tensorboardX', 'onnx', 'tensorboard') "
               "if m in sys.modules))", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"
    res = _run("import sys; sys.modules['tensorboardX'] = None\n"
               "import gradkit.utils.tensorboard", cwd=tmp_path)
    assert res.returncode != 0
    assert "pip install 'gradkit[tensorboard]'" in res.stderr.strip().splitlines()[-1]


def test_torch_utils_tensorboard_under_gradkit_run(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent("""
        import torch
        from torch.utils.tensorboard import SummaryWriter
        import gradkit
        assert SummaryWriter is gradkit.utils.tensorboard.SummaryWriter
        model = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.randn(16, 3), torch.randn(16, 1)
        writer = SummaryWriter("logs")
        for step in range(4):
            loss = torch.nn.functional.mse_loss(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
            writer.add_scalar("Loss/train", loss, step)
            print(f"{loss.item():.6f}")
        writer.add_histogram("weight", model.weight, 3)
        writer.close()
    """))
    res = _run(None, "-m", "gradkit", "run", str(prog), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    printed = [float(v) for v in res.stdout.split()]
    acc = read(tmp_path / "logs")
    got = acc.Scalars("Loss/train")
    assert [e.step for e in got] == [0, 1, 2, 3]
    np.testing.assert_allclose([e.value for e in got], printed, rtol=1e-5)
    assert acc.Histograms("weight")[0].histogram_value.num == 3


# -- the Trainer callback ---------------------------------------------------------------------
def _fit(tmp_path, epochs, **logger_kw):
    from gradkit.train import TensorBoardLogger, Trainer
    from gradkit.utils.data import DataLoader, TensorDataset

    nn = gk.nn
    gk.manual_seed(0)
    X = gk.randn(48, 4)
    y = (X[:, 0] > 0).long()
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True,
                        generator=gk.Generator().manual_seed(0))
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = gk.optim.SGD(model.parameters(), lr=0.1)
    sched = gk.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    logger = TensorBoardLogger(tmp_path / "tb", **logger_kw)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), scheduler=sched, grad_clip=10.0,
                      callbacks=[logger], progress="off")
    grads = {}  # the gradients of the last optimizer step
    orig_step = opt.step

    def step(*a, **k):
        grads.update({id(p): p.grad.numpy().copy() for p in model.parameters()})
        return orig_step(*a, **k)

    opt.step = step
    trainer.fit(loader, loader, epochs=epochs)
    assert vars(opt)["step"] is step  # the logger's own wrapper is gone
    return trainer, model, grads


def test_trainer_logger_scalars_histograms_graph_and_hparams(tmp_path):
    trainer, model, grads = _fit(tmp_path, 2, hparams={"lr": 0.1, "model": "mlp"})
    acc = read(tmp_path / "tb")
    hist = trainer.history
    assert [(e.step, e.value) for e in acc.Scalars("epoch")] == [(3, 1.0), (6, 2.0)]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        got = acc.Scalars(f"epoch/{key}")
        assert [e.step for e in got] == [3, 6]  # the step of each epoch's last batch
        np.testing.assert_allclose([e.value for e in got], hist[key], rtol=1e-6)
    assert [e.value for e in acc.Scalars("epoch/lr")] == [np.float32(0.1), np.float32(0.05)]
    batch = acc.Scalars("batch/loss")
    assert [e.step for e in batch] == [1, 2, 3, 4, 5, 6]  # 3 batches per epoch
    epoch_means = [np.mean([e.value for e in batch[i:i + 3]]) for i in (0, 3)]
    np.testing.assert_allclose(epoch_means, hist["loss"], rtol=1e-5)
    assert len(acc.Scalars("batch/grad_norm")) == 6
    for name, p in model.named_parameters():
        (w_last,) = [h for h in acc.Histograms(f"weights/{name}") if h.step == 6]
        assert w_last.histogram_value.num == p.numel()
        assert w_last.histogram_value.sum == pytest.approx(float(p.detach().numpy().sum()),
                                                          rel=1e-4, abs=1e-5)
        (g_last,) = [h for h in acc.Histograms(f"grads/{name}") if h.step == 6]
        assert g_last.histogram_value.sum == pytest.approx(float(grads[id(p)].sum()),
                                                          rel=1e-4, abs=1e-6)
    ops = [n.op for n in acc.Graph().node if n.op not in ("Parameter", "IO Node")]
    assert ops == ["Gemm", "Tanh", "Gemm"]
    hp = read(tmp_path / "tb" / "hparams")
    assert hp.Scalars("hparam/val_loss")[0].value == pytest.approx(hist["val_loss"][-1])


def test_trainer_logger_options_and_errors(tmp_path):
    from gradkit.train import TensorBoardLogger

    _fit(tmp_path, 1, log_every_n_steps=2, histograms=False, graph=False)
    acc = read(tmp_path / "tb")
    assert [e.step for e in acc.Scalars("batch/loss")] == [2]
    assert acc.Tags()["histograms"] == [] and not acc.Tags()["graph"]
    with pytest.raises(ValueError, match="log_every_n_steps"):
        TensorBoardLogger(tmp_path, log_every_n_steps=-1)
    with pytest.raises(TypeError, match="hparams must be a dict"):
        TensorBoardLogger(tmp_path, hparams=[1])


def test_trainer_logger_resume_hides_what_the_interrupted_run_wrote(tmp_path):
    from gradkit.train import TensorBoardLogger, Trainer
    from gradkit.utils.data import DataLoader, TensorDataset

    nn = gk.nn

    def build():
        gk.manual_seed(0)
        X = gk.randn(48, 4)
        loader = DataLoader(TensorDataset(X, (X[:, 0] > 0).long()), batch_size=16,
                            shuffle=True, generator=gk.Generator().manual_seed(0))
        model = nn.Sequential(nn.Linear(4, 2))
        trainer = Trainer(model, gk.optim.SGD(model.parameters(), lr=0.1),
                          nn.CrossEntropyLoss(), progress="off",
                          callbacks=[TensorBoardLogger(tmp_path / "tb", graph=False,
                                                       histograms=False)])
        return trainer, loader

    trainer, loader = build()
    trainer.fit(loader, epochs=1)
    trainer.save_checkpoint(tmp_path / "ckpt.safetensors")
    trainer.fit(loader, epochs=3)  # the run goes on past the checkpoint, then "dies"
    stale = [e.value for e in read(tmp_path / "tb").Scalars("batch/loss")]
    assert len(stale) == 9

    trainer, loader = build()
    trainer.load_checkpoint(tmp_path / "ckpt.safetensors", train_loader=loader)
    trainer.fit(loader, epochs=2)
    acc = read(tmp_path / "tb")
    batch = acc.Scalars("batch/loss")
    assert [e.step for e in batch] == [1, 2, 3, 4, 5, 6]
    assert [e.value for e in batch[:3]] == stale[:3]
    np.testing.assert_allclose([e.value for e in batch[3:]], stale[3:6], rtol=1e-6)  # exact resume
    assert [(e.step, e.value) for e in acc.Scalars("epoch")] == [(3, 1.0), (6, 2.0)]
    np.testing.assert_allclose([e.value for e in acc.Scalars("epoch/loss")],
                               trainer.history["loss"], rtol=1e-6)


def test_trainer_logger_with_an_optimizer_without_step_hooks(tmp_path):
    from gradkit.train import TensorBoardLogger, Trainer

    nn = gk.nn

    class PlainSGD:  # the optimizer protocol the Trainer uses, without step hooks
        def __init__(self, params, lr):
            self.param_groups = [{"params": list(params), "lr": lr}]

        def zero_grad(self):
            for p in self.param_groups[0]["params"]:
                p.grad = None

        def step(self):
            self.seen = [p.grad.numpy().copy() for p in self.param_groups[0]["params"]]
            with gk.no_grad():
                for p in self.param_groups[0]["params"]:
                    p -= self.param_groups[0]["lr"] * p.grad

    gk.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = PlainSGD(model.parameters(), 0.1)
    batches = [(gk.randn(4, 3), gk.randint(0, 2, (4,))) for _ in range(2)]
    Trainer(model, opt, nn.CrossEntropyLoss(), progress="off",
            callbacks=[TensorBoardLogger(tmp_path, graph=False)]).fit(batches, epochs=1)
    assert "step" not in vars(opt)  # the wrapper is gone
    acc = read(tmp_path)
    (g,) = acc.Histograms("grads/weight")
    assert g.step == 2 and g.histogram_value.sum == pytest.approx(float(opt.seen[0].sum()),
                                                                  rel=1e-5, abs=1e-7)
