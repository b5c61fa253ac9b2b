"""A view of an intermediate result keeps its base alive, as PyTorch's ``view._base``, and
nothing more: no reference cycle through the storage's version counter, so a step's graph and
its saved activations go as soon as the step's tensors do, without waiting for the cycle
collector."""

import gc
import weakref

import numpy as np

import gradkit as gk


def _no_cycle_collector(fn):
    gc.collect()
    gc.disable()
    try:
        fn()
    finally:
        gc.enable()


def test_view_of_an_intermediate_is_freed_by_reference_counting():
    def run():
        x = gk.randn(4, 6, requires_grad=True)
        h = (x * 2).relu()
        alive = weakref.ref(h)
        v = h.reshape(-1)[2:]  # views of a non-leaf: registered on h's storage
        v.sum().backward()
        assert alive() is not None  # still referenced: h and v
        del h
        assert alive() is not None  # the view keeps its base
        del v
        assert alive() is None  # nothing else did

    _no_cycle_collector(run)


def test_graph_of_a_cnn_step_is_freed_without_the_cycle_collector():
    def run():
        conv = gk.nn.Conv2d(2, 3, 3)
        x = gk.randn(2, 2, 8, 8)
        y = gk.nn.functional.max_pool2d(conv(x).relu(), 2)
        alive = weakref.ref(y)
        loss = y.flatten(1).sum()
        loss.backward()
        del y, loss
        assert alive() is None

    _no_cycle_collector(run)


def test_view_regenerated_from_a_base_only_it_keeps(torch):
    grads = []
    for lib in (gk, torch):
        x = lib.tensor(np.arange(1.0, 5.0), requires_grad=True)
        a = x * 1
        v1 = a[1:]
        v2 = v1[1:]
        del v1  # v2's base: alive through v2 only
        a.mul_(3)  # v2 now reads the tripled storage: its history goes through mul_
        (v2 * v2).sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_allclose(grads[0], grads[1])
