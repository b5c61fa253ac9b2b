"""The key-value stores (``TCPStore``, ``HashStore``, ``PrefixStore``) against PyTorch's: values
as bytes, counters, compare-and-set, waiting with a timeout, pickling refused (skorch's
DistributedHistory drops a store it cannot pickle)."""

import datetime
import pickle
import threading
import time

import pytest

import gradkit.distributed as gkd

torch = pytest.importorskip("torch")
tdist = pytest.importorskip("torch.distributed")

LIBS = [gkd, tdist]
IDS = ["gradkit", "torch"]


def _tcp_pair(lib):
    master = lib.TCPStore("127.0.0.1", 0, 1, True, timeout=datetime.timedelta(seconds=5))
    client = lib.TCPStore("127.0.0.1", master.port, 1, False,
                          timeout=datetime.timedelta(seconds=5))
    return master, client


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_tcp_store_shares_values_between_master_and_client(lib):
    master, client = _tcp_pair(lib)
    master.set("a", "1")
    client.set("b", b"\x00\xff")
    got = [client.get("a"), master.get("b"), client.add("n", 3), master.add("n", 2),
           master.get("n"), client.check(["a", "b"]), client.check(["zz"])]
    cas = [master.compare_set("a", "1", "2"), master.get("a"), master.compare_set("a", "x", "3"),
           client.compare_set("new", "", "v"), client.compare_set("none", "e", "d")]
    client.append("ap", "x")
    master.append("ap", "y")
    n0 = master.num_keys()
    master.multi_set(["p", "q"], ["1", "2"])
    rest = [client.multi_get(["ap", "q"]), master.num_keys() - n0, master.delete_key("a"),
            master.delete_key("a"), client.check(["a"])]
    assert got == [b"1", b"\x00\xff", 3, 5, b"5", True, False]
    assert cas == [b"2", b"2", b"2", b"v", b"e"]
    assert rest == [[b"xy", b"2"], 2, True, False, False]
    assert master.timeout == datetime.timedelta(seconds=5) and master.host == "127.0.0.1"
    assert isinstance(master, lib.Store)


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_get_waits_for_a_key_set_later_and_times_out_without_it(lib):
    master, client = _tcp_pair(lib)

    def later():
        time.sleep(0.2)
        client.set("late", "here")

    th = threading.Thread(target=later)
    th.start()
    assert master.get("late") == b"here"
    th.join()
    master.set_timeout(datetime.timedelta(seconds=0.3))
    with pytest.raises(lib.DistStoreError, match="timeout"):
        master.get("missing")
    with pytest.raises(RuntimeError):
        master.wait(["missing"], datetime.timedelta(seconds=0.2))


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_stores_refuse_pickling_and_prefix_store_namespaces_keys(lib):
    master, _ = _tcp_pair(lib)
    with pytest.raises(TypeError):
        pickle.dumps(master)
    h = lib.HashStore()
    h.set("k", b"v")
    assert h.get("k") == b"v" and h.add("c", 4) == 4
    p = lib.PrefixStore("pre", master)
    p.set("x", "9")
    assert master.get("pre/x") == b"9" and p.get("x") == b"9" and p.check(["x"])
