"""Every Python code block of the documentation's tutorials runs as written: each page's blocks
in order, in one namespace, as a reader would paste them (the site itself is built and opened
in a browser by docs/build.sh, which .ci/run calls)."""

import re
from pathlib import Path

import pytest

TUTORIALS = sorted((Path(__file__).resolve().parents[2] / "docs" / "tutorials").glob("*.md"))
INDEX = Path(__file__).resolve().parents[2] / "docs" / "index.md"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)


def test_every_tutorial_is_found():
    names = {p.stem for p in TUTORIALS}
    assert {"autograd", "optimizers", "own-data"} <= names, names


@pytest.mark.parametrize("page", TUTORIALS + [INDEX], ids=lambda p: p.stem)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__docs__"}
    for i, block in enumerate(_python_blocks(page)):
        try:
            exec(compile(block, f"{page.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"{page.name}, code block {i} failed: {exc!r}\n{block}") from exc
