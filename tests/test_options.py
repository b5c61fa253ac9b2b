"""The tensor-options keywords of factories and conversions (``gradkit/_options.py``): a wrong
kind of ``layout``, ``pin_memory``, ``requires_grad``, ``non_blocking``, ``copy`` or
``memory_format`` raises PyTorch's TypeError naming the argument; a size no memory holds raises
its RuntimeError (not NumPy's ValueError); what PyTorch takes is still taken. Any op whose
result or temporary no memory holds raises PyTorch's RuntimeError (not NumPy's MemoryError):
the function faces, the Op recording and the operator fast paths translate it."""

from __future__ import annotations

import traceback
import warnings

import numpy as np
import pytest

import gradkit as gk


def _raised(call, m):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(m)
    except Exception as e:  # noqa: BLE001 - compared by the test
        return e
    return None


HUGE = 2 ** 62

RAISES = {
    "blackman_window_layout_a_type": (lambda m: m.blackman_window(2, layout=float), "layout"),
    "hann_window_layout_an_int": (lambda m: m.hann_window(2, layout=-1), "layout"),
    "hamming_window_pin_memory_a_float": (lambda m: m.hamming_window(2, pin_memory=2.0),
                                          "pin_memory"),
    "bartlett_window_pin_memory_true": (lambda m: m.bartlett_window(2, pin_memory=True),
                                        "pin_memory"),
    "empty_strided_layout_a_bool": (lambda m: m.empty_strided((3, 3), (3, 1), layout=True),
                                    "layout"),
    "empty_strided_pin_memory_a_str": (lambda m: m.empty_strided((3,), (1,), pin_memory="a"),
                                       "pin_memory"),
    "asarray_requires_grad_an_array": (lambda m: m.asarray([1.0], requires_grad=np.ones(2)),
                                       "requires_grad"),
    "asarray_requires_grad_a_dtype": (lambda m: m.asarray([1.0], requires_grad=m.int64),
                                      "requires_grad"),
    "new_empty_strided_pin_memory_a_tuple": (
        lambda m: m.ones(3).new_empty_strided((3,), (1,), pin_memory=(2.5, 3)), "pin_memory"),
    "new_zeros_without_a_size": (lambda m: m.ones(3).new_zeros(), "size"),
    "new_ones_layout_a_str": (lambda m: m.ones(3).new_ones(2, layout="a"), "layout"),
    "new_tensor_dtype_an_array": (lambda m: m.ones(3).new_tensor([1.0], dtype=np.ones(2)),
                                  "dtype"),
    "to_non_blocking_an_int": (lambda m: m.ones(3).to(m.float64, 1), "non_blocking"),
    "to_copy_a_str": (lambda m: m.ones(3).to(m.float64, copy="a"), "copy"),
    "to_an_unknown_keyword": (lambda m: m.ones(3).to(m.float64, bogus=True), "bogus"),
    "to_memory_format_a_tuple": (lambda m: m.ones(3).to(memory_format=(1, 2)),
                                 "memory_format"),
    "type_non_blocking_a_dtype": (lambda m: m.ones(3).type(m.float32, non_blocking=m.float32),
                                  "non_blocking"),
    "resize__memory_format_a_tuple": (lambda m: m.ones(3).resize_((3,), memory_format=(2, 3)),
                                      "memory_format"),
    "resize__a_bool_size": (lambda m: m.ones(3).resize_(True), "resize_"),
    "resize_as__memory_format_a_list": (
        lambda m: m.ones(3).resize_as_(m.ones(3), memory_format=[]), "memory_format"),
    # sizes no memory holds
    "zeros_huge": (lambda m: m.zeros(HUGE), "zeros"),
    "rand_huge": (lambda m: m.rand(HUGE), "rand"),
    "new_zeros_huge": (lambda m: m.ones(2).new_zeros(HUGE), "zeros"),
    "range_huge": (lambda m: m.range(0, HUGE), "range"),
    "arange_huge": (lambda m: m.arange(HUGE), "arange"),
    "linspace_huge": (lambda m: m.linspace(0, 1, HUGE), "linspace"),
    "blackman_window_huge": (lambda m: m.blackman_window(HUGE), "blackman_window"),
}


@pytest.mark.parametrize("name", sorted(RAISES))
def test_wrong_option_raises_like_torch(torch, name):
    call, text = RAISES[name]
    te = _raised(call, torch)
    assert te is not None, f"torch accepts {name}: the case is wrong"
    ge = _raised(call, gk)
    assert ge is not None, f"gradkit accepts {name}; torch raises {type(te).__name__}: {te}"
    assert isinstance(ge, type(te)), (f"gradkit raises {type(ge).__name__}: {ge}; torch "
                                      f"{type(te).__name__}: {te}")
    origin = traceback.extract_tb(ge.__traceback__)[-1]
    assert "gradkit" in origin.filename and (origin.line or "").lstrip().startswith("raise"), (
        f"not gradkit's own check: {type(ge).__name__}: {ge} at {origin.filename}")
    assert text in str(ge), str(ge)


ACCEPTS = {
    "window_strided_layout": lambda m: m.hann_window(4, layout=m.strided, pin_memory=False),
    "empty_strided_none_options": lambda m: m.empty_strided((2,), (1,), layout=None,
                                                            pin_memory=None) * 0,
    "asarray_requires_grad_none": lambda m: m.asarray([1.0, 2.0], requires_grad=None),
    "new_zeros_shape_tuple": lambda m: m.ones(2).new_zeros((2, 3), layout=m.strided),
    "new_full_dtype": lambda m: m.ones(2).new_full((2,), 3, dtype=m.int64),
    "to_positional_flags": lambda m: m.ones(2).to(m.float64, False, True),
    "to_device_dtype_flags": lambda m: m.ones(2).to("cpu", m.float64, non_blocking=True),
    "to_other_copy": lambda m: m.ones(2).to(m.ones(3, dtype=m.int32), copy=True),
    "type_non_blocking": lambda m: m.ones(2).type(m.float64, non_blocking=True),
    "resize__memory_format": lambda m: m.zeros(4).resize_(2, 2,
                                                          memory_format=m.contiguous_format),
}


@pytest.mark.parametrize("name", sorted(ACCEPTS))
def test_right_option_accepted_as_torch(torch, name):
    t = ACCEPTS[name](torch)
    g = ACCEPTS[name](gk)
    assert tuple(g.shape) == tuple(t.shape)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy())


def test_to_copy_positional_copies():
    x = gk.ones(2, dtype=gk.float64)
    y = x.to(gk.float64, False, True)
    assert y is not x
    y[0] = 5.0
    assert x[0].item() == 1.0


# results past 2**48 bytes: more than any process can address, so NumPy and PyTorch are refused
# at once (nothing is allocated, whatever the machine's overcommit setting)
BIG = 2 ** 25  # BIG * BIG float32 elements: 2**52 bytes

NO_MEMORY = {
    "expand_contiguous": lambda m: m.ones(1, 1).expand(BIG, BIG).contiguous(),
    "expand_clone": lambda m: m.ones(1, 1).expand(BIG, BIG).clone(),
    "repeat_method": lambda m: m.ones(BIG).repeat(BIG),
    "tile": lambda m: m.tile(m.ones(BIG), (BIG,)),
    "kron": lambda m: m.kron(m.ones(BIG), m.ones(BIG)),
    "cartesian_prod": lambda m: m.cartesian_prod(m.ones(BIG), m.ones(BIG)),
    "outer": lambda m: m.outer(m.ones(BIG), m.ones(BIG)),
    "outer_method": lambda m: m.ones(BIG).outer(m.ones(BIG)),
    "pad": lambda m: m.nn.functional.pad(m.ones(2, 2), (2 ** 50, 2 ** 50)),
    "repeat_interleave": lambda m: m.repeat_interleave(m.ones(4), 2 ** 48),
    "repeat_interleave_method": lambda m: m.ones(4).repeat_interleave(2 ** 48),
    "add_broadcast": lambda m: m.ones(BIG, 1) + m.ones(1, BIG),
    "mul_method_broadcast": lambda m: m.ones(BIG, 1).mul(m.ones(1, BIG)),
    "mul_scalar_operator": lambda m: m.ones(1, 1).expand(BIG, BIG) * 2,
    "exp_method": lambda m: m.ones(1, 1).expand(BIG, BIG).exp(),
    "sum_dim": lambda m: m.ones(1, 1, 1).expand(BIG, BIG, 2).sum(-1),
    "matmul": lambda m: m.ones(BIG, 1) @ m.ones(1, BIG),
    "cat": lambda m: m.cat([m.ones(1, 1).expand(BIG, BIG)] * 2),
    "zeros_factory": lambda m: m.zeros(BIG, BIG),
    "empty_factory": lambda m: m.empty(BIG * BIG),
    "grad_recorded": lambda m: m.ones(1, 1, requires_grad=True).expand(BIG, BIG).exp(),
    # NumPy's "Maximum allowed dimension exceeded" (a ValueError; arg fuzzer seed 33)
    "randperm_past_2_62": lambda m: m.randperm(4611686018427387904),
}


@pytest.mark.parametrize("name", sorted(NO_MEMORY))
def test_result_no_memory_holds_raises_runtime_error_as_torch(torch, name):
    te = _raised(NO_MEMORY[name], torch)
    assert isinstance(te, RuntimeError), f"torch: {te!r}: the case is wrong"
    ge = _raised(NO_MEMORY[name], gk)
    assert isinstance(ge, RuntimeError), f"gradkit raises {type(ge).__name__}: {ge}"
    assert "DefaultCPUAllocator: not enough memory" in str(ge) and "fewer" in str(ge), str(ge)
    assert ge.__cause__ is None and ge.__suppress_context__, "NumPy's error is shown chained"


def test_no_memory_message_names_the_function_and_the_bytes():
    with pytest.raises(RuntimeError, match=r"^kron\(\): DefaultCPUAllocator: not enough memory: "
                                           r"you tried to allocate 4503599627370496 bytes"):
        gk.kron(gk.ones(BIG), gk.ones(BIG))
    with pytest.raises(RuntimeError, match=r"^pad\(\): .*allocate"):
        gk.nn.functional.pad(gk.ones(2, 2), (2 ** 50, 2 ** 50))
    with pytest.raises(RuntimeError, match=r"^zeros\(\): "):
        gk.zeros(BIG, BIG)
    with pytest.raises(RuntimeError, match=r"computing Exp: .*allocate 4503599627370496 bytes"):
        gk.ones(1, 1).expand(BIG, BIG).exp()


def test_allocation_error_translates_only_allocation_failures():
    from gradkit._options import allocation_error

    assert allocation_error("op()", ValueError("operands could not be broadcast")) is None
    assert allocation_error("op()", TypeError("bad")) is None
    too_big = allocation_error("op()", ValueError("array is too big; `arr.size * ...`"))
    assert type(too_big) is RuntimeError and "more than 2**63 bytes" in str(too_big)
    bare = allocation_error("op()", MemoryError())
    assert type(bare) is RuntimeError and "refused" in str(bare)


def test_other_errors_of_an_op_pass_unchanged():
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        gk.ones(2, 3) + gk.ones(4, 3)
    x = gk.ones(3)
    assert (x.expand(4, 3).contiguous() * 2).sum().item() == 24.0


def _backward_of_a_huge_view(m):
    x = m.ones(1, 1, requires_grad=True)
    x.expand(BIG, BIG)[0, 0].backward()  # (the gradient of the view is BIG * BIG)


def test_backward_whose_gradient_no_memory_holds_raises_runtime_error_as_torch(torch):
    te = _raised(_backward_of_a_huge_view, torch)
    assert isinstance(te, RuntimeError), f"torch: {te!r}: the case is wrong"
    with pytest.raises(RuntimeError, match=r"^backward\(\): DefaultCPUAllocator: not enough "
                                           r"memory: you tried to allocate 4503599627370496"):
        _backward_of_a_huge_view(gk)
