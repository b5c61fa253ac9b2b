"""The README's examples run as written (so the documentation stays true): every Python block
on its own, every ``gradkit`` command line parses, and the command-line blocks for your own
table run end to end on scikit-learn's wine table."""

import re
import shlex
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(lang: str = "python"):
    text = README.read_text()
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def _command_lines(block: str):
    """The ``gradkit ...`` commands of a shell block (comments dropped, ``&&`` split,
    ``mpiexec -n N`` and ``pip install ... &&`` prefixes removed)."""
    for line in block.splitlines():
        for part in line.split("&&"):
            part = part.split("  #")[0].strip()
            words = shlex.split(part) if part else []
            if words[:1] == ["mpiexec"]:
                words = words[3:]
            if words[:1] == ["gradkit"]:
                yield words[1:]


def test_readme_has_python_examples():
    assert len(_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_each_python_example_runs_on_its_own(tmp_path, monkeypatch, index):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    code = _blocks()[index]
    if "gradkit.distributed" in code:
        pytest.importorskip("mpi4py")
    monkeypatch.chdir(tmp_path)
    code = code.replace("epochs=20", "epochs=1").replace("range(10)", "range(1)")
    ns: dict = {"__name__": "__readme__"}
    exec(compile(code, f"{README}: python block {index + 1}", "exec"), ns)
    if "HistoryWriter(" in code:
        assert (tmp_path / "run" / "history.csv").exists()
        assert ns["result"].suggestion is None or ns["result"].suggestion > 0


def test_every_gradkit_command_line_in_the_readme_parses():
    from gradkit.cli import build_parser

    commands = [words for block in _blocks("bash") for words in _command_lines(block)]
    assert len(commands) >= 10
    for words in commands:
        if words[:1] == ["run"]:
            continue  # the program's own arguments
        try:
            build_parser().parse_args(words)
        except Exception as exc:  # the parser raises CLIError on a bad line
            pytest.fail(f"README: `gradkit {' '.join(words)}`: {exc}")


def _block_after(heading: str) -> str:
    text = README.read_text()
    start = text.index(heading)
    return re.search(r"```bash\n(.*?)```", text[start:], flags=re.S).group(1)


def test_the_table_blocks_run_as_written(tmp_path, monkeypatch, capsys):
    datasets = pytest.importorskip("sklearn.datasets")
    from gradkit import cli

    monkeypatch.chdir(tmp_path)
    wine = datasets.load_wine()
    names = ["barolo", "grignolino", "barbera"]
    header = ",".join(wine.feature_names + ["cultivar"])
    rows = [",".join(f"{v:g}" for v in x) + "," + names[y] for x, y in zip(wine.data,
                                                                            wine.target)]
    Path("wine.csv").write_text("\n".join([header, *rows]) + "\n")
    new = [",".join(f"{v:g}" for v in x) for x in wine.data[::20]]
    Path("new_wines.csv").write_text("\n".join([",".join(wine.feature_names), *new]) + "\n")
    for heading in ("**Your table.**", "**Config files.**"):
        for line in _block_after(heading).strip().splitlines():
            words = shlex.split(line)
            if words[0] == "gradkit":
                assert cli.main(words[1:] + ["--progress", "off"] * (words[1] == "train")) == 0
            else:
                subprocess.run(["bash", "-c", line], check=True)
    out = capsys.readouterr().out
    assert len(Path("predictions.csv").read_text().splitlines()) == len(new) + 1
    assert out.count("test accuracy") == 2
