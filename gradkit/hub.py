"""``gradkit.hub``: PyTorch's ``torch.hub`` for checkpoints -- ``load_state_dict_from_url``
downloads a checkpoint once into the hub cache (``$TORCH_HOME/hub/checkpoints``, PyTorch's own
cache, so files either library fetched serve both), checks the SHA-256 prefix its file name
carries when ``check_hash=True``, and loads it with ``gradkit.load`` (PyTorch ``.pth`` files
included). ``hub.load``/``list``/``help`` run a GitHub repository's ``hubconf.py``, which is
written against PyTorch: they raise, saying so.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from urllib.parse import urlparse

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url", "load",
           "list", "help"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_HUB_DIR: list = []


def get_dir() -> str:
    """The hub folder: ``set_dir``'s, else ``$TORCH_HOME/hub``, else ``~/.cache/torch/hub``
    (``$XDG_CACHE_HOME`` respected), as PyTorch's."""
    if _HUB_DIR:
        return _HUB_DIR[0]
    torch_home = os.path.expanduser(os.getenv(
        "TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))
    return os.path.join(torch_home, "hub")


def set_dir(d) -> None:
    _HUB_DIR[:] = [os.path.expanduser(os.fspath(d))]


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None,
                         progress: bool = True) -> None:
    """Download ``url`` to ``dst`` (written whole, then renamed); with ``hash_prefix`` the
    file's SHA-256 must start with it."""
    from .vision.datasets._download import download

    def verify(part):
        if hash_prefix is None:
            return True
        digest = hashlib.sha256()
        with open(part, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if not digest.hexdigest().startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got '
                               f'"{digest.hexdigest()}")')
        return True

    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    try:
        download(url, os.fspath(dst), verify)
    except OSError as exc:  # no network, refused, not found: say what to do instead
        raise RuntimeError(f"download_url_to_file: could not download {url} ({exc}). Without "
                           f"network access, put the file at {dst} by hand.") from None


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None,
                             progress: bool = True, check_hash: bool = False,
                             file_name: str | None = None, weights_only: bool = False):
    """The object saved at ``url`` (a state_dict, usually), downloaded once into
    ``model_dir`` (default ``get_dir()/checkpoints``) and loaded with ``gradkit.load``."""
    from .serialization import load as _load

    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress)
    return _load(cached_file, map_location=map_location, weights_only=weights_only)


def _needs_pytorch(what: str):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"torch.hub.{what} runs a GitHub repository's hubconf.py, which imports PyTorch's own "
            f"modules; gradkit cannot run it. Build the model in your program and load its "
            f"weights with torch.hub.load_state_dict_from_url(url) (which works here).")

    refuse.__name__ = what
    return refuse


load = _needs_pytorch("load")
list = _needs_pytorch("list")  # noqa: A001 (PyTorch's name)
help = _needs_pytorch("help")  # noqa: A001 (PyTorch's name)
