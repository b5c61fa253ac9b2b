"""Key-value stores that processes use to meet and to share small values
(``torch.distributed.Store``, ``HashStore``, ``TCPStore``, ``PrefixStore``).

Values are bytes (a ``str`` is stored UTF-8 encoded); ``get`` and ``wait`` block until the keys
exist, up to the store's timeout, then raise :class:`DistStoreError`. ``HashStore`` lives in one
process. ``TCPStore(host, port, is_master=True)`` serves its keys on ``port`` from a background
thread started by that call (never at import) and every ``TCPStore(host, port)`` with
``is_master=False`` reaches them over TCP; the wire carries length-prefixed byte strings, never
pickles. Like PyTorch's, a store cannot be pickled (``TypeError``): libraries that pickle objects
holding a store catch that and drop it.
"""

from __future__ import annotations

import datetime
import struct
import threading
import time

__all__ = ["DistError", "DistStoreError", "HashStore", "PrefixStore", "Store", "TCPStore"]

_DEFAULT_TIMEOUT = datetime.timedelta(seconds=300)


class DistError(RuntimeError):
    """A distributed operation failed (``torch.distributed.DistError``)."""


class DistStoreError(DistError):
    """A store operation failed or timed out (``torch.distributed.DistStoreError``)."""


def _as_bytes(value, what):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) for v in value):
        return bytes(value)
    raise TypeError(f"Store.{what}(): a value must be str or bytes, got {type(value).__name__}")


def _seconds(timeout):
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    raise TypeError(f"Store timeout must be a datetime.timedelta, got {type(timeout).__name__}")


class _Table:
    """The keys and values, and the waiting on them (shared by every store kind)."""

    def __init__(self):
        self.data = {}
        self.cond = threading.Condition()

    def set(self, key, value):
        with self.cond:
            self.data[key] = value
            self.cond.notify_all()

    def wait(self, keys, seconds):
        deadline = time.monotonic() + seconds
        with self.cond:
            while not all(k in self.data for k in keys):
                left = deadline - time.monotonic()
                if left <= 0:
                    missing = ", ".join(k for k in keys if k not in self.data)
                    raise DistStoreError(
                        f"wait timeout after {int(seconds * 1000)}ms, keys: {missing}; no process "
                        f"set them: check that every rank sets the keys others wait for, or "
                        f"pass a longer timeout")
                self.cond.wait(left)

    def get(self, key, seconds):
        self.wait([key], seconds)
        with self.cond:
            return self.data[key]

    def add(self, key, amount):
        with self.cond:
            old = self.data.get(key, b"0")
            try:
                value = int(old) + int(amount)
            except ValueError:
                raise DistStoreError(f"Store.add(): the value of key {key!r} is {old!r}, not an "
                                     f"integer") from None
            self.data[key] = str(value).encode()
            self.cond.notify_all()
            return value

    def append(self, key, value):
        with self.cond:
            self.data[key] = self.data.get(key, b"") + value
            self.cond.notify_all()

    def compare_set(self, key, expected, desired):
        with self.cond:
            current = self.data.get(key)
            if current is None:
                if expected:
                    return expected
                current = None
            if current is None or current == expected:
                self.data[key] = desired
                self.cond.notify_all()
                return desired
            return current

    def delete(self, key):
        with self.cond:
            return self.data.pop(key, None) is not None

    def check(self, keys):
        with self.cond:
            return all(k in self.data for k in keys)

    def count(self):
        with self.cond:
            return len(self.data)


class Store:
    """Base class of the key-value stores (``torch.distributed.Store``)."""

    def __init__(self, timeout=_DEFAULT_TIMEOUT):
        self._timeout = timeout

    @property
    def timeout(self):
        return self._timeout

    def set_timeout(self, timeout):
        _seconds(timeout)
        self._timeout = timeout

    def __reduce__(self):
        raise TypeError(f"cannot pickle '{type(self).__name__}' object: a store holds a live "
                        f"table or connection; create the store again in the other process")

    # every store below answers these through ``_call`` (op name, then byte-string arguments)
    def _call(self, op, *args):
        raise NotImplementedError

    def set(self, key, value):
        self._call("set", key, _as_bytes(value, "set"))

    def get(self, key):
        return self._call("get", key)

    def add(self, key, amount):
        if not isinstance(amount, int):
            raise TypeError(f"Store.add(): amount must be int, got {type(amount).__name__}")
        return self._call("add", key, amount)

    def append(self, key, value):
        self._call("append", key, _as_bytes(value, "append"))

    def compare_set(self, key, expected_value, desired_value):
        return self._call("compare_set", key, _as_bytes(expected_value, "compare_set"),
                          _as_bytes(desired_value, "compare_set"))

    def wait(self, keys, timeout=None):
        self._call("wait", list(keys), timeout)

    def check(self, keys):
        return self._call("check", list(keys))

    def delete_key(self, key):
        return self._call("delete", key)

    def num_keys(self):
        return self._call("count")

    def multi_get(self, keys):
        return [self.get(k) for k in keys]

    def multi_set(self, keys, values):
        for k, v in zip(keys, values):
            self.set(k, v)


def _serve(table, op, args, seconds):
    """Run one store operation on ``table`` (in-process, or on the TCP server for a client)."""
    if op == "set":
        return table.set(args[0], args[1])
    if op == "get":
        return table.get(args[0], seconds)
    if op == "add":
        return table.add(args[0], args[1])
    if op == "append":
        return table.append(args[0], args[1])
    if op == "compare_set":
        return table.compare_set(*args)
    if op == "wait":
        keys, timeout = args
        return table.wait(keys, seconds if timeout is None else _seconds(timeout))
    if op == "check":
        return table.check(args[0])
    if op == "delete":
        return table.delete(args[0])
    return table.count()


class HashStore(Store):
    """A store in this process's memory (``torch.distributed.HashStore``), shared by threads."""

    def __init__(self):
        super().__init__()
        self._table = _Table()

    def _call(self, op, *args):
        return _serve(self._table, op, args, _seconds(self._timeout))


class PrefixStore(Store):
    """Another store's keys under ``prefix + "/"`` (``torch.distributed.PrefixStore``)."""

    def __init__(self, prefix, store):
        super().__init__(store.timeout)
        self._prefix, self.underlying_store = prefix, store

    def _key(self, key):
        return f"{self._prefix}/{key}"

    def _call(self, op, *args):
        if op == "count":
            return self.underlying_store.num_keys()
        if op in ("wait", "check"):
            return self.underlying_store._call(op, [self._key(k) for k in args[0]], *args[1:])
        return self.underlying_store._call(op, self._key(args[0]), *args[1:])


# ---- TCP: a frame is a 4-byte length and its bytes; a message is a count and its frames ------

def _send(sock, parts):
    out = [struct.pack("!I", len(parts))]
    for p in parts:
        out.append(struct.pack("!I", len(p)))
        out.append(p)
    sock.sendall(b"".join(out))


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("the store's peer closed the connection")
        buf += chunk
    return buf


def _recv(sock):
    (count,) = struct.unpack("!I", _recv_exact(sock, 4))
    parts = []
    for _ in range(count):
        (n,) = struct.unpack("!I", _recv_exact(sock, 4))
        parts.append(_recv_exact(sock, n))
    return parts


def _encode_request(op, args, seconds):
    parts = [op.encode(), repr(seconds).encode()]
    if op in ("wait", "check"):
        parts.append(b"1" if args[1:] and args[1] is not None else b"0")
        if args[1:] and args[1] is not None:
            parts.append(repr(_seconds(args[1])).encode())
        parts.extend(k.encode() for k in args[0])
        return parts
    parts.append(args[0].encode() if args else b"")
    for a in args[1:]:
        parts.append(str(a).encode() if isinstance(a, int) else a)
    return parts


def _handle(table, parts):
    op, seconds = parts[0].decode(), float(parts[1])
    if op in ("wait", "check"):
        has_timeout = parts[2] == b"1"
        timeout = datetime.timedelta(seconds=float(parts[3])) if has_timeout else None
        keys = [k.decode() for k in parts[4 if has_timeout else 3:]]
        args = (keys, timeout) if op == "wait" else (keys,)
    else:
        args = [parts[2].decode(), *parts[3:]]
        if op == "add":
            args[1] = int(args[1])
    result = _serve(table, op, args, seconds)
    if result is None:
        return [b"ok", b""]
    if isinstance(result, bool):
        return [b"bool", b"1" if result else b"0"]
    if isinstance(result, int):
        return [b"int", str(result).encode()]
    return [b"bytes", result]


def _serve_connection(table, conn):
    with conn:
        while True:
            try:
                parts = _recv(conn)
            except (ConnectionError, OSError):
                return
            try:
                reply = _handle(table, parts)
            except DistStoreError as e:
                reply = [b"error", str(e).encode()]
            _send(conn, reply)


def _accept_loop(table, listener):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:  # the listener was closed
            return
        threading.Thread(target=_serve_connection, args=(table, conn), daemon=True).start()


class TCPStore(Store):
    """A store served over TCP (``torch.distributed.TCPStore``): the process that passes
    ``is_master=True`` serves it on ``host_name:port`` (port 0 picks a free one, see ``.port``);
    the others connect to it."""

    def __init__(self, host_name, port, world_size=None, is_master=False,
                 timeout=_DEFAULT_TIMEOUT, wait_for_workers=True, multi_tenant=False,
                 master_listen_fd=None, use_libuv=True):
        import socket

        super().__init__(timeout)
        _seconds(timeout)
        self.host, self.port, self.libuvBackend = host_name, port, use_libuv
        self._lock = threading.Lock()
        self._listener = None
        if is_master:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind(("" if host_name in ("localhost", "127.0.0.1") else host_name,
                               port))
            except OSError as e:
                listener.close()
                raise DistStoreError(
                    f"TCPStore: cannot listen on {host_name}:{port} ({e}); pick a free port or "
                    f"pass port=0 to let the system choose one") from None
            listener.listen(64)
            self.port = listener.getsockname()[1]
            self._listener = listener
            threading.Thread(target=_accept_loop, args=(_Table(), listener), daemon=True).start()
        deadline = time.monotonic() + _seconds(timeout)
        while True:
            try:
                self._sock = socket.create_connection((host_name, self.port), timeout=5)
                self._sock.settimeout(None)
                break
            except OSError as e:
                if time.monotonic() > deadline:
                    raise DistStoreError(
                        f"TCPStore: no store answered at {host_name}:{self.port} within the "
                        f"timeout ({e}); start the process with is_master=True first") from None
                time.sleep(0.05)

    def _call(self, op, *args):
        seconds = _seconds(self._timeout)
        with self._lock:
            _send(self._sock, _encode_request(op, args, seconds))
            kind, payload = _recv(self._sock)
        if kind == b"error":
            raise DistStoreError(payload.decode())
        if kind == b"bool":
            return payload == b"1"
        if kind == b"int":
            return int(payload)
        if kind == b"bytes":
            return payload
        return None

    def __del__(self):
        for s in (getattr(self, "_sock", None), getattr(self, "_listener", None)):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
