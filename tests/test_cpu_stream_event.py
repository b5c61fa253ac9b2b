"""torch.Stream / torch.Event (gradkit/_streams.py) against PyTorch's CPU build."""

import pytest

import gradkit as gk


def test_cpu_stream_reads_and_behaves_as_torch(torch):
    s, t = gk.Stream(), torch.Stream()
    assert repr(s) == repr(t)
    assert (s.device_type, s.device_index, s.stream_id) == (t.device_type, t.device_index,
                                                            t.stream_id)
    assert s.query() is t.query() is True
    assert s.synchronize() is None and s.wait_stream(gk.Stream()) is None
    assert s == gk.Stream() and hash(s) == hash(gk.Stream())
    with s as inside:
        assert inside is s


def test_cpu_event_is_made_and_queried_but_not_recorded_as_torch(torch):
    e, t = gk.Event(), torch.Event()
    assert e.query() is t.query() is True
    assert e.synchronize() is None and e.wait() is None
    with pytest.raises(RuntimeError, match="doesn't support events"):
        t.record()
    with pytest.raises(RuntimeError, match="doesn't support events"):
        e.record()
    with pytest.raises(RuntimeError, match="doesn't support events"):
        gk.Stream().record_event()


def test_streams_of_other_devices_raise_saying_what_to_do(torch):
    with pytest.raises(RuntimeError):
        torch.Stream("cuda")
    if not gk.cuda.is_available():
        with pytest.raises(RuntimeError, match="no cuda streams"):
            gk.Stream("cuda")
