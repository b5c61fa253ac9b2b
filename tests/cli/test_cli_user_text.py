"""A user's own text file for ``--data text``, as Windows editors save it: a byte-order mark
and CRLF line endings, which are no characters of the text."""

from __future__ import annotations

import json

from cli_helpers import run

from gradkit.datasets import CharCorpus


def test_a_byte_order_mark_and_crlf_are_not_characters_of_the_text(tmp_path, capsys):
    text = "Été au café.\nUne ligne, puis une autre.\n" * 30
    path = tmp_path / "notes.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    corpus = CharCorpus(path, seq_len=16)
    assert corpus.text == text
    assert "\ufeff" not in corpus.vocab and "\r" not in corpus.vocab
    rc, _, err = run(capsys, "train", "--data", "text", "--text-file", path, "--epochs", "1",
                     "--seq-len", "16", "--hidden", "16", "--out", tmp_path / "run",
                     "--progress", "off", "--no-plot")
    assert rc == 0, err
    vocab = json.loads((tmp_path / "run" / "preprocessing.json").read_text())["vocab"]
    assert vocab == sorted(set(text))
