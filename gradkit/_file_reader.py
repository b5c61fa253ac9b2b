"""``torch.PyTorchFileReader`` (``torch._C.PyTorchFileReader``): the records of a zip
checkpoint as ``torch.save`` writes it, read by name. Libraries that load checkpoints lazily
(lightning_fabric's ``_lazy_load``) open the archive with it and build each
storage only when it is used."""

from __future__ import annotations

import io
import os
import zipfile

__all__ = ["PyTorchFileReader"]


class PyTorchFileReader:
    """Reads the records of a ``torch.save`` zip archive: ``get_record("data.pkl")`` gives its bytes
    (names are given without the archive's top-level folder, as PyTorch's reader takes them)."""

    def __init__(self, file):
        if isinstance(file, (str, os.PathLike)):
            with open(file, "rb") as fh:
                file = io.BytesIO(fh.read())
        elif not (hasattr(file, "read") and hasattr(file, "seek")):
            raise TypeError(f"PyTorchFileReader: expected a file name or a readable, seekable file "
                            f"object, got {type(file).__name__}")
        try:
            self._zip = zipfile.ZipFile(file)
        except zipfile.BadZipFile as e:
            raise RuntimeError("PyTorchFileReader: failed finding central directory: the file is "
                               "not a zip archive as torch.save writes it (a legacy torch.save "
                               "file or another format?)") from e
        names = self._zip.namelist()
        if not names:
            raise RuntimeError("PyTorchFileReader: the archive holds no records")
        self._prefix = names[0].split("/", 1)[0] + "/"
        self._names = {n[len(self._prefix):]: n for n in names if n.startswith(self._prefix)}

    def _info(self, name):
        if name not in self._names:
            raise RuntimeError(f"PyTorchFileReader: record {name!r} not found in the archive; it "
                               f"holds {sorted(self._names)}")
        return self._zip.getinfo(self._names[name])

    def get_all_records(self):
        return list(self._names)

    def has_record(self, name):
        return name in self._names

    def get_record(self, name):
        return self._zip.read(self._info(name))

    def get_record_size(self, name):
        return self._info(name).file_size

    def serialization_id(self):
        if ".data/serialization_id" in self._names:
            return self.get_record(".data/serialization_id").decode()
        return ""

    def get_storage_from_record(self, name, numel, dtype):
        """The record as a 1-D tensor of ``numel`` elements of ``dtype`` (PyTorch's gives a
        0-element tensor over the record's storage; ``untyped_storage()`` of either holds its
        bytes)."""
        from .factories import frombuffer

        raw = self.get_record(name)
        return frombuffer(bytearray(raw), dtype=dtype, count=numel)
