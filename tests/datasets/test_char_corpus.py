"""CharCorpus: vocabulary, encode/decode, next-character windows, default corpus."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.datasets import CharCorpus, default_corpus_text
from gradkit.utils.data import DataLoader, default_collate


def test_windows_are_next_character_pairs():
    c = CharCorpus(text="hello world", seq_len=4)
    assert c.itos == sorted(set("hello world")) and c.vocab_size == 8
    assert c.stoi["h"] == c.itos.index("h")
    assert len(c) == 2  # (11 - 1 - 4) // 4 + 1
    x, y = c[0]
    assert c.decode(x) == "hell" and c.decode(y) == "ello"
    x, y = c[1]
    assert c.decode(x) == "o wo" and c.decode(y) == " wor"
    assert x.dtype == gk.int64 and tuple(x.shape) == (4,)
    assert c.decode(c[-1][0]) == "o wo"
    with pytest.raises(IndexError):
        c[2]


def test_stride_encode_decode_and_errors():
    c = CharCorpus(text="abcdefgh", seq_len=3, stride=1)
    assert len(c) == 5 and c.decode(c[4][1]) == "fgh"
    ids = c.encode("cab")
    assert ids.tolist() == [2, 0, 1] and c.decode(ids) == "cab" and c.decode([7]) == "h"
    with pytest.raises(ValueError, match="'z' is not in the vocabulary"):
        c.encode("az")
    with pytest.raises(ValueError, match="too few"):
        CharCorpus(text="abc", seq_len=5)
    with pytest.raises(ValueError, match="seq_len"):
        CharCorpus(text="abc", seq_len=0)


def test_file_and_splits(tmp_path):
    text = "The quick brown fox jumps over the lazy dog. " * 20 + "Ωμέγα ✓"
    p = tmp_path / "corpus.txt"
    p.write_text(text, encoding="utf-8")
    full = CharCorpus(p, seq_len=8)
    train = CharCorpus(p, seq_len=8, split="train", val_fraction=0.2)
    val = CharCorpus(p, seq_len=8, split="val", val_fraction=0.2)
    assert full.text == text and "✓" in full.stoi
    assert train.itos == val.itos == full.itos
    assert len(train.data) + len(val.data) == len(text)
    assert full.decode(full.data) == text


def test_loader_fast_path_matches_per_sample():
    c = CharCorpus(text="".join(chr(97 + i % 26) for i in range(500)), seq_len=7, stride=3)
    fast = list(DataLoader(c, batch_size=16, shuffle=True, generator=gk.Generator().manual_seed(0)))
    slow = list(DataLoader(c, batch_size=16, shuffle=True, generator=gk.Generator().manual_seed(0),
                           collate_fn=lambda b: default_collate(b)))
    for (a, b), (x, y) in zip(fast, slow):
        np.testing.assert_array_equal(a.numpy(), x.numpy())
        np.testing.assert_array_equal(b.numpy(), y.numpy())


def test_default_corpus_is_english_and_deterministic():
    text = default_corpus_text()
    assert len(text) > 100_000 and text == default_corpus_text()
    assert " the " in text
    c = CharCorpus(seq_len=64)
    assert c.vocab_size < 300 and len(c) > 1000
    x, y = c[10]
    assert c.decode(x)[1:] == c.decode(y)[:-1]
