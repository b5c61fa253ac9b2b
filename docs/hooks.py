"""Build-time parts of the documentation site (mkdocs hooks; see mkdocs.yml).

- ``<!-- gradkit:readme SECTION -->`` in a page is replaced by that ``## SECTION`` of README.md
  (its headings one level down), so the README stays the one source of those words;
- ``<!-- gradkit:cli-help -->`` by the ``--help`` of every ``gradkit`` command, read from the
  installed command itself;
- the tutorials' figures (``figures/*.svg``) are drawn by docs/figures.py with gradkit on every
  build and added to the site as generated files, so they always show what the code does now.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
_REPO_DIR = "repo"  # where README images are copied in the site
_MARK = re.compile(r"<!-- gradkit:([\w-]+)(?: (.*?))? -->")


def on_files(files, config):
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        import figures
    finally:
        sys.path.pop(0)
    for name, draw in figures.FIGURES.items():
        files.append(File.generated(config, f"figures/{name}.svg", content=draw()))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in sorted(set(re.findall(r"!\[[^\]]*\]\((?!https?:)([^)]+)\)", readme))):
        if (ROOT / target).is_file():
            files.append(File.generated(config, f"{_REPO_DIR}/{target}",
                                        abs_src_path=str(ROOT / target)))
    return files


def on_page_markdown(markdown, page, config, files):
    return _MARK.sub(lambda m: _fill(m.group(1), m.group(2), page), markdown)


def _fill(kind: str, arg: str | None, page) -> str:
    if kind == "readme":
        return _readme_section(arg, up="../" * page.file.src_uri.count("/"))
    if kind == "cli-help":
        return _cli_help()
    raise ValueError(f"{page.file.src_uri}: unknown marker gradkit:{kind}")


def _readme_section(title: str, up: str = "") -> str:
    """``## title`` of README.md up to the next ``## `` heading outside a code block."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    out, inside, fenced = [], False, False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            if inside:
                break
            inside = line[3:].strip() == title
            continue
        if inside:
            if not fenced and line.startswith("#"):
                line = "#" + line  # one level down: the page's own title is the # heading
            out.append(line)
    if not out:
        raise ValueError(f"README.md has no section '## {title}'")
    body = "\n".join(out)
    # links to other README sections: their words stay, marked as the README's
    body = re.sub(r"\[([^\]]+)\]\(#[\w-]+\)", r"\1 (in the README)", body)
    # links to the repository's files: images are copied into the site (on_files), other files
    # are named as paths
    return re.sub(r"(!?)\[([^\]]*)\]\((?!https?:|#)([^)]+)\)",
                  lambda m: _repo_link(m, up), body)


def _repo_link(m, up: str) -> str:
    bang, text, target = m.groups()
    if bang:  # an image: on_files copied it into the site
        return f"![{text}]({up}{_REPO_DIR}/{target})"
    return f"{text} (`{target}`)" if text and text != target else f"`{target}`"


def _gradkit(*args: str) -> str:
    res = subprocess.run([sys.executable, "-m", "gradkit", *args], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    if res.returncode != 0:
        raise RuntimeError(f"gradkit {' '.join(args)} failed: {res.stderr.strip()[-500:]}")
    return res.stdout


def _cli_help() -> str:
    top = _gradkit("--help")
    m = re.search(r"\{([\w,-]+)\}", top)
    commands = m.group(1).split(",") if m else []
    parts = ["```text", top.rstrip(), "```"]
    for cmd in commands:
        parts += [f"\n### gradkit {cmd}\n", "```text", _gradkit(cmd, "--help").rstrip(), "```"]
    return "\n".join(parts)
