"""The README's Python examples run as written (so the documentation stays true)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks():
    text = README.read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_python_examples():
    assert len(_blocks()) >= 2


def test_readme_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    blocks = _blocks()
    ns: dict = {}
    # the training-API block uses `model` from the tour: run the blocks in order, briefly
    for code in blocks:
        code = code.replace("epochs=20", "epochs=1")
        exec(compile(code, str(README), "exec"), ns)
    assert (tmp_path / "run" / "history.csv").exists()
    assert ns["result"].suggestion is None or ns["result"].suggestion > 0
