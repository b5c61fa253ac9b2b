"""``gradkit train --diagnostics``, ``gradkit graph`` and ``gradkit report`` on a short run of
the digits CNN: the files they write, what is in them, and one-line errors."""

import json

import pytest
from cli_helpers import assert_one_line_error, run


@pytest.fixture(scope="module")
def diag_run(tmp_path_factory):
    from gradkit import cli

    out = tmp_path_factory.mktemp("runs") / "cnn"
    rc = cli.main(["train", "--epochs", "1", "--diagnostics", "--out", str(out),
                   "--progress", "off"])
    assert rc == 0
    return out


def test_diagnostics_are_recorded_and_kept_in_the_config(diag_run):
    assert json.loads((diag_run / "config.json").read_text())["diagnostics"] is True
    summary = json.loads((diag_run / "diagnostics" / "diagnostics.json").read_text())
    assert summary  # per-layer records of the run
    assert (diag_run / "diagnostics" / "grad_flow.png").is_file()


def test_graph_draws_the_runs_model(diag_run, tmp_path, capsys):
    target = tmp_path / "model.svg"
    rc, out, err = run(capsys, "graph", diag_run, "--out", target)
    assert rc == 0, err
    assert str(target) in out
    svg = target.read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svg
    assert "ConvolutionBackward" in svg or "Conv" in svg


def test_report_has_its_sections(diag_run, capsys):
    rc, out, err = run(capsys, "report", diag_run)
    assert rc == 0, err
    html = (diag_run / "report.html").read_text()
    for section in ("Test metrics", "Diagnostics", "Model", "Config", "Confusion"):
        assert section.lower() in html.lower(), section


@pytest.mark.parametrize("command", ["graph", "report"])
def test_a_folder_without_a_run_is_one_line(command, tmp_path, capsys):
    rc, out, err = run(capsys, command, tmp_path / "nothing")
    assert_one_line_error(rc, err, pattern="nothing")
