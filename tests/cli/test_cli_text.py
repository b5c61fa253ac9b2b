"""``gradkit predict`` on a text run (``--prompt``), and the text data's input errors."""

import pytest
from cli_helpers import assert_one_line_error, run


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    import gradkit as gk

    root = tmp_path_factory.mktemp("text")
    text = root / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 60)
    rc = gk.cli.main(["train", "--data", "text", "--text-file", str(text), "--epochs", "1",
                      "--seq-len", "16", "--hidden", "16", "--out", str(root / "lm"),
                      "--progress", "off", "--no-plot"])
    assert rc == 0
    return root / "lm"


def test_predict_continues_a_prompt(text_run, capsys, tmp_path):
    rc, out, err = run(capsys, "predict", text_run, "--prompt", "the quick", "--length", "40",
                       "--temperature", "0.5", "--out", tmp_path / "s.txt")
    assert rc == 0, err
    sample = (tmp_path / "s.txt").read_text().rstrip("\n")
    assert sample.startswith("the quick") and len(sample) == len("the quick") + 40
    assert set(sample) <= set("the quick brown fox jumps over the lazy dog.")
    # the same seed gives the same text
    rc, out2, _ = run(capsys, "predict", text_run, "--prompt", "the quick", "--length", "40",
                      "--temperature", "0.5")
    assert sample in out2


def test_a_prompt_with_unknown_characters(text_run, capsys):
    rc, _, err = run(capsys, "predict", text_run, "--prompt", "The Quick!")
    assert_one_line_error(rc, err, pattern="never saw in training: '!', 'Q', 'T'", code=2)
    rc, _, err = run(capsys, "predict", text_run)
    assert_one_line_error(rc, err, pattern="needs --prompt TEXT", code=2)


def test_a_binary_text_file_names_the_file(tmp_path, capsys):
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 40)
    rc, _, err = run(capsys, "train", "--data", "text", "--text-file", path, "--out",
                     tmp_path / "runs" / "x")
    assert_one_line_error(rc, err, pattern="blob.bin: not UTF-8 text", code=1)
    assert "UnicodeDecodeError" not in err
    assert not (tmp_path / "runs").exists()
