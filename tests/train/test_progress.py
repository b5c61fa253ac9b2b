"""The progress display of the fit loop."""


import pytest
from train_helpers import cross_entropy

from gradkit.train import Trainer


def test_progress_bar_with_tqdm(make_job):
    pytest.importorskip("tqdm")
    import io

    model, opt, train, _ = make_job()
    stream = io.StringIO()
    from gradkit.train import ProgressBar

    Trainer(model, opt, cross_entropy, callbacks=[ProgressBar("bar", file=stream)]).fit(
        train, epochs=1)
    text = stream.getvalue()
    assert "epoch 1/1" in text and f"{len(train)}/{len(train)}" in text
    assert "loss " in text and "samples/s" in text
