"""``download=True`` for the vision data sets: fetch a file over HTTP(S) into the data set's
folder, check its MD5 against the published one (torchvision's), unpack it.

Only the standard library is used (``urllib``, ``hashlib``, ``gzip``, ``tarfile``). A download
goes to ``<file>.part`` and is renamed once complete and verified, so an interrupted download
never leaves a file that looks whole. Archives are unpacked with ``tarfile``'s ``data`` filter
(no paths outside the folder, no links or devices). Where there is no network (a sandbox, or
Pyodide, whose Python has no sockets) the error says which files to put where by hand.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile

__all__ = ["fetch_first", "gunzip", "untar", "md5_matches", "download"]

_CHUNK = 1 << 20


def md5_matches(path: str, md5: str | None) -> bool:
    if md5 is None:
        return os.path.isfile(path)
    if not os.path.isfile(path):
        return False
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest() == md5


def download(url: str, path: str, verify=None, timeout: float = 60.0) -> None:
    """Fetch ``url`` into ``path`` through ``path.part``; ``verify(part)`` (if given) raises or
    returns False to reject the file, which is then removed. Nothing half-written stays."""
    import urllib.request  # here, not at import: gradkit's import stays light (and Pyodide-safe)

    part = path + ".part"
    request = urllib.request.Request(url, headers={"User-Agent": "gradkit"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, \
                open(part, "wb") as out:
            shutil.copyfileobj(response, out, _CHUNK)
        if verify is not None and not verify(part):
            raise RuntimeError(f"{url}: the downloaded file does not match its published "
                               f"checksum (a corrupted or changed file)")
        os.replace(part, path)
    finally:
        if os.path.exists(part):
            os.remove(part)


def _fetch(url: str, path: str, md5: str | None, timeout: float) -> None:
    def verify(part):
        if not md5_matches(part, md5):
            raise RuntimeError(f"{url}: the downloaded file's MD5 is not the published "
                               f"{md5} (a corrupted or changed file)")
        return True

    download(url, path, verify, timeout)


def fetch_first(urls: list, path: str, md5: str | None, *, what: str, by_hand: str,
                timeout: float = 60.0) -> str:
    """Download the first of ``urls`` that answers into ``path`` (kept if already there with
    the right MD5); on failure a RuntimeError naming each URL's error and ``by_hand``."""
    if md5_matches(path, md5):
        return path
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    errors = []
    for url in urls:
        try:
            _fetch(url, path, md5, timeout)
            return path
        except (OSError, RuntimeError, ValueError) as exc:  # URLError is an OSError
            errors.append(f"  {url}: {exc}")
    raise RuntimeError(f"{what}(download=True): could not download {os.path.basename(path)}:\n"
                       + "\n".join(errors) + f"\nWithout network access: {by_hand}")


def gunzip(path: str) -> str:
    """``x.gz`` -> ``x`` beside it (written whole, then renamed); returns the new path."""
    target = path[:-3]
    with gzip.open(path, "rb") as src, open(target + ".part", "wb") as out:
        shutil.copyfileobj(src, out, _CHUNK)
    os.replace(target + ".part", target)
    return target


def untar(path: str, folder: str) -> None:
    """Unpack a tar archive into ``folder``, refusing members that would land outside it or
    are links/devices (tarfile's ``data`` filter where this Python has it)."""
    with tarfile.open(path) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(folder, filter="data")
            return
        root = os.path.realpath(folder)
        for member in archive.getmembers():
            dest = os.path.realpath(os.path.join(folder, member.name))
            if not (member.isfile() or member.isdir()) or \
                    os.path.commonpath([root, dest]) != root:
                raise RuntimeError(f"{path}: refusing archive member {member.name!r} (outside "
                                   f"{folder}, or not a plain file or folder)")
        archive.extractall(folder)
