"""One event file, written synchronously (no background thread, so it also works where threads
do not, e.g. Pyodide): events wait in memory until ``max_queue`` of them are pending or
``flush_secs`` have passed since the last write (checked at each new event), and
:meth:`FileWriter.flush` writes them all before it returns, as PyTorch's does. The record
format (TFRecord with masked CRC32C) is tensorboardX's ``RecordWriter``."""

from __future__ import annotations

import atexit
import itertools
import os
import socket
import time
import weakref

_UID = itertools.count()
_OPEN: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_all():  # pending events are written when the program ends
    for writer in list(_OPEN):
        writer.close()


class FileWriter:
    """Writes ``Event`` protocol buffers to a new event file in ``log_dir``."""

    def __init__(self, log_dir, max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str = ""):
        from tensorboardX.proto.event_pb2 import Event
        from tensorboardX.record_writer import RecordWriter

        self._log_dir = str(log_dir)
        os.makedirs(self._log_dir, exist_ok=True)
        # PyTorch's (TensorBoard's) name: time, host, process and a counter make it unique
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_UID)}{filename_suffix}")
        self._path = os.path.join(self._log_dir, name)
        self._record = RecordWriter(self._path)
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = float(flush_secs)
        self._pending: list = []
        self._last_flush = time.time()
        self._closed = False
        self._record.write(Event(wall_time=time.time(),
                                 file_version="brain.Event:2").SerializeToString())
        self._record.flush()
        _OPEN.add(self)

    def get_logdir(self) -> str:
        return self._log_dir

    @property
    def path(self) -> str:
        return self._path

    def add_event(self, event, step=None, walltime=None) -> None:
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            event.step = int(step)
        if self._closed:
            raise RuntimeError("SummaryWriter: this event file is closed")
        self._pending.append(event.SerializeToString())
        if len(self._pending) >= self._max_queue or \
                time.time() - self._last_flush >= self._flush_secs:
            self.flush()

    def add_summary(self, summary, global_step=None, walltime=None) -> None:
        from tensorboardX.proto.event_pb2 import Event

        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_def, walltime=None) -> None:
        from tensorboardX.proto.event_pb2 import Event

        self.add_event(Event(graph_def=graph_def.SerializeToString()), None, walltime)

    add_onnx_graph = add_graph

    def flush(self) -> None:
        if self._closed:
            return
        for data in self._pending:
            self._record.write(data)
        self._pending = []
        self._record.flush()
        self._last_flush = time.time()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._record.close()
        self._closed = True
        _OPEN.discard(self)
