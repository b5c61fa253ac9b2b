"""The exception type PyTorch raises, for the argument classes the differential fuzzer found
(a non-Tensor where PyTorch types a Tensor, a kernel's dtype support, empty and 0-d inputs)."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e)
    return np.asarray(r.detach().numpy() if hasattr(r, "detach") else r)


def _same(fn):
    g, t = _outcome(gk, fn), _outcome(torch, fn)
    if isinstance(t, type):
        assert g is t, f"gradkit {g}, torch {t}"
    else:
        assert not isinstance(g, type), f"gradkit raised {g}"
        np.testing.assert_array_equal(g, t)
        assert g.dtype == t.dtype, f"gradkit {g.dtype}, torch {t.dtype}"


def _f64(lib, *shape):
    return lib.ones(*shape, dtype=lib.float64)


TENSOR_TYPED = {
    "minimum_number_other": lambda L: L.minimum(_f64(L, 2, 3), -7),
    "maximum_number_other": lambda L: L.maximum(_f64(L, 3), 2.5),
    "maximum_out_list_other": lambda L: L.maximum(_f64(L, 2), [1.0, 2.0],
                                                  out=L.empty(2, dtype=L.float64)),
    "nonzero_static_number": lambda L: L.nonzero_static(8, size=2),
    "is_nonzero_list": lambda L: L.is_nonzero([2.0]),  # (was a raw AttributeError)
    "where_out_number": lambda L: L.where(L.tensor([True, False]), 0.5, _f64(L, 2),
                                          out=L.empty(0, dtype=L.float64)),
    "where_out_list": lambda L: L.where(L.tensor([True, False]), _f64(L, 2), [1.0, 2.0],
                                        out=L.empty(0, dtype=L.float64)),
    "nextafter_number_input": lambda L: L.nextafter(-3.0, _f64(L, 3)),
    "nextafter_number_other": lambda L: L.nextafter(_f64(L, 3), 2.0),
    # the type of prepend is checked before the order n
    "diff_list_prepend": lambda L: L.diff(_f64(L, 3), -4, 0, [[1.0]], None),
    "diff_number_append": lambda L: L.diff(_f64(L, 3), 1, 0, None, 2.0),
    # the type of src is checked before the index
    "select_scatter_number": lambda L: L.select_scatter(_f64(L, 0, 4), -0.2, 0, 1),
    "as_strided_scatter_list": lambda L: L.as_strided_scatter(_f64(L, 2, 4), [1.0], (1,), (1,)),
}


@pytest.mark.parametrize("case", sorted(TENSOR_TYPED))
def test_a_non_tensor_where_torch_types_a_tensor_is_a_type_error(case):
    _same(TENSOR_TYPED[case])
    with pytest.raises(TypeError, match="must be Tensor"):
        TENSOR_TYPED[case](gk)


def test_where_without_out_still_takes_numbers():
    _same(lambda L: L.where(L.tensor([True, False]), 0.5, _f64(L, 2)))


SHAPES = {1: (4,), 2: (4, 4), 3: (2, 4, 4), 4: (3, 2, 4, 4)}


@pytest.mark.parametrize("da,db", [("bool", "int32"), ("int32", "bool"), ("bool", "bool"),
                                   ("bool", "float64")])
def test_matmul_bool_operands_raise_the_error_of_torchs_kernel(da, db):
    # a bool input reaches bmm's dtype dispatch (NotImplementedError) when other is batched,
    # the dtype-equality check (RuntimeError) of mm/mv/dot otherwise
    for na in SHAPES:
        for nb in SHAPES:
            def fn(L, na=na, nb=nb):
                return L.matmul(L.ones(*SHAPES[na], dtype=getattr(L, da)),
                                L.ones(*SHAPES[nb], dtype=getattr(L, db)))
            _same(fn)
            if da == db == "bool":
                with pytest.raises(NotImplementedError) as g:
                    fn(gk)
                with pytest.raises(NotImplementedError) as t:
                    fn(torch)
                kernel = str(t.value).split('"')[1]
                assert f'"{kernel}"' in str(g.value)


INDEX = {
    "index_add_uint8_index": lambda L: L.index_add(_f64(L, 4, 3), 0,
                                                   L.tensor([0, 3], dtype=L.uint8),
                                                   _f64(L, 2, 3)),
    "index_add_float_index": lambda L: L.index_add(_f64(L, 4, 3), 0, L.tensor([0.0, 3.0]),
                                                   _f64(L, 2, 3)),
    "index_add_int32_index": lambda L: L.index_add(_f64(L, 4, 3), 0,
                                                   L.tensor([0, 3], dtype=L.int32),
                                                   _f64(L, 2, 3)),
    "index_copy_empty_input": lambda L: L.index_copy(_f64(L, 0, 3), 0, L.tensor([4, 0, 2]),
                                                     _f64(L, 3, 3)),
    "index_copy_empty_input_empty_source": lambda L: L.index_copy(
        _f64(L, 3, 0), 0, L.tensor([4, 0, 2]), _f64(L, 3, 0)),
    "index_copy_out_dtype_first": lambda L: L.index_copy(
        _f64(L, 2, 4).T, 1, L.tensor([3, 1]), L.tensor(0.4, dtype=L.float64),
        out=L.empty(0)),
    "index_select_0d_empty_index": lambda L: L.tensor(1.5).index_select(
        0, L.tensor([], dtype=L.int32)),
    "index_select_0d_one_index": lambda L: L.tensor(1.5).index_select(0, L.tensor([0])),
    "index_select_0d_0d_index": lambda L: L.tensor(1.5).index_select(0, L.tensor(0)),
    "vander_0d": lambda L: L.vander(L.tensor(1.5)),
    "vander_float16": lambda L: L.vander(L.tensor([1.0, 2.0, 0.5], dtype=L.float16)),
    # a 0-d input or source of index_add/index_reduce (a raw IndexError/ValueError before)
    "index_add_0d_input_0d_source": lambda L: L.index_add(
        L.tensor(0.5, dtype=L.float64), 0, L.tensor([0]), L.tensor(0.3, dtype=L.float64),
        alpha=2),
    "index_add_0d_input_0d_index": lambda L: L.tensor(0.5).index_add(0, L.tensor(0),
                                                                     L.tensor(0.3)),
    "index_add_0d_input_1d_source": lambda L: L.tensor(0.5).index_add(
        0, L.tensor([0, 0]), L.tensor([0.3, 1.0])),
    "index_add_0d_source_many_indices": lambda L: L.tensor(0.5).index_add(
        0, L.tensor([1, 3, 1]), L.tensor(0.3)),
    "index_add_1d_input_0d_source": lambda L: L.ones(3).index_add(0, L.tensor([1, 2]),
                                                                  L.tensor(0.3)),
    "index_reduce_0d_source_many_indices": lambda L: L.tensor(0.5).index_reduce(
        0, L.tensor([0, 4]), L.tensor(1.4), "prod"),
    # narrow_copy's own check order: a dim past the last (RuntimeError), the start first
    "narrow_copy_dim_past_the_last": lambda L: L.narrow_copy(_f64(L, 3, 5), 3, 1, 2),
    "narrow_copy_dim_before_the_first": lambda L: L.narrow_copy(_f64(L, 3, 5), -3, 1, 2),
    "narrow_copy_start_before_length": lambda L: L.narrow_copy(_f64(L, 3, 0), 1, 3, -2),
    "narrow_copy_start_out_of_range": lambda L: _f64(L, 3, 5).narrow_copy(1, -6, 1),
    "narrow_copy_negative_length": lambda L: L.narrow_copy(_f64(L, 3, 5), 1, 1, -2),
    "narrow_copy_negative_start": lambda L: L.narrow_copy(_f64(L, 3, 5), 1, -1, 1),
    # a list index is refused before the dim is looked at
    "scatter__list_index_and_a_bad_dim": lambda L: _f64(L, 3, 5).scatter_(2, [], value=1.5),
    # a NaN step is no step (a raw 'cannot convert float NaN to integer' before)
    "arange_nan_step": lambda L: L.arange(2, 6, float("nan")),
    "arange_nan_step_int64": lambda L: L.arange(2, 6, float("nan"), dtype=L.int64),
    "range_nan_step_int64": lambda L: L.range(2, 6, float("nan"), dtype=L.int64),
    # trace has no bool kernel (a 2-D bool one was summed before), checked before the shape
    "trace_bool_matrix": lambda L: L.trace(L.ones(2, 2, dtype=L.bool)),
    "trace_bool_0d": lambda L: L.trace(L.tensor(True)),
    # a float16 tensor's finite exponent must fit float16 (accepted before)
    "half_to_a_huge_float": lambda L: L.ones(2, dtype=L.float16) ** 1e30,
    "half_to_a_huge_negative_int": lambda L: L.ones(2, dtype=L.float16) ** -70000,
    "half_pow__huge": lambda L: L.ones(2, dtype=L.float16).pow_(1e5),
    "half_to_the_largest_half": lambda L: L.ones(2, dtype=L.float16) ** 65504.0,
    "half_to_inf": lambda L: L.ones(2, dtype=L.float16) ** float("inf"),
    # bincount of an empty input: int64 zeros whatever the weights (float64 before)
    "bincount_empty_with_weights": lambda L: L.bincount(
        L.tensor([], dtype=L.int64), L.tensor([], dtype=L.float64), minlength=3),
    "bincount_empty_with_longer_weights": lambda L: L.bincount(
        L.tensor([], dtype=L.int64), L.ones(10), 3),
    "unfold_0d_size_0": lambda L: L.tensor(1.5).unfold(0, 0, 1),
    "unfold_0d_size_1": lambda L: L.tensor(1.5).unfold(0, 1, 2),
    # a list weight is refused before the dtypes are compared
    "lerp_list_weight_and_mismatched_dtypes": lambda L: L.lerp(
        L.ones(3, dtype=L.uint8), L.ones(3, dtype=L.int32), [0.2, 0.5, 0.7]),
}


@pytest.mark.parametrize("case", sorted(INDEX))
def test_index_and_shape_edge_cases_as_torch(case):
    _same(INDEX[case])


def test_index_select_of_a_0d_input_is_differentiable():
    x = gk.tensor(1.5, dtype=gk.float64, requires_grad=True)
    y = x.index_select(0, gk.tensor([0]))
    assert y.shape == ()
    (y * 3).backward()
    assert float(x.grad) == 3.0


ACCEPTED_INVALID = {
    # take_along_dim without dim is self.view(-1).gather(0, indices.view(-1)) in PyTorch
    "take_along_dim_transposed_input": lambda L: L.arange(12.0).reshape(3, 4).T.take_along_dim(
        L.tensor([5, 8, 2])),
    "take_along_dim_transposed_indices": lambda L: L.arange(12.0).reshape(3, 4).take_along_dim(
        L.tensor([[5, 8], [2, 1]]).T),
    "take_along_dim_empty_index": lambda L: L.arange(12.0).reshape(3, 4).T.take_along_dim(
        L.tensor([], dtype=L.int64)),
    "take_along_dim_row_strided_input": lambda L: L.arange(12.0).reshape(3, 4)[::2]
    .take_along_dim(L.tensor([1, 2])),
    "take_along_dim_mergeable_strides": lambda L: L.arange(12.0).reshape(3, 4)[:, ::2]
    .take_along_dim(L.tensor([1, 2])),
    "take_along_dim_strided_1d_indices": lambda L: L.arange(12.0).reshape(3, 4).take_along_dim(
        L.tensor([5, 8, 2, 1, 3, 4])[::2]),
    "addcdiv_inplace_integers": lambda L: _f64(L, 3, 4).addcdiv_(
        L.ones(3, 4, dtype=L.int32), L.ones(4, dtype=L.int64), value=2.0),
    "addcdiv_inplace_bool_int": lambda L: _f64(L, 3, 4).addcdiv_(
        L.ones(3, 4, dtype=L.bool), L.ones(4, dtype=L.int64)),
    # a non-finite value with operands that do not broadcast against the input: PyTorch's
    # size mismatch (was NumPy's raw ValueError; op fuzzer seed 46)
    "addcdiv_nan_value_mismatched_shapes": lambda L: L.addcdiv(
        _f64(L, 3, 4), L.ones(4, 0).T, L.ones(4, dtype=L.float64), value=float("nan")),
    "addcmul_inf_value_mismatched_shapes": lambda L: _f64(L, 3, 4).addcmul(
        L.ones(2, 4), L.ones(4), value=float("inf")),
    # the argument fuzzer's accepted-invalid and raw cases: arange's bounds are numbers (a 0-d
    # tensor too, not one with dims); max/min take no dim=None; cumsum_/cumprod_ keep the
    # dtype; tensordot's count is a Python int (or a one-element tensor), not a NumPy one;
    # resize_ past any storage (was NumPy's raw ValueError); a diagonal offset past 2**63
    # (was NumPy's raw OverflowError)
    "arange_one_element_tensor_end": lambda L: L.arange(L.tensor([3])),
    "arange_0d_tensor_bounds": lambda L: L.arange(1, L.tensor(4), L.tensor(2)),
    "max_dim_none": lambda L: _f64(L, 3, 4).max(None),
    "min_dim_none_keyword": lambda L: L.min(_f64(L, 3), dim=None),
    "max_no_dim": lambda L: _f64(L, 3, 4).max(),
    "cumprod__other_dtype": lambda L: _f64(L, 3, 3).cumprod_(0, dtype=L.float32),
    "cumsum__other_dtype": lambda L: L.ones(3, dtype=L.int32).cumsum_(0, dtype=L.int64),
    "cumsum__same_dtype": lambda L: _f64(L, 3, 3).cumsum_(0, dtype=L.float64),
    "tensordot_numpy_int_dims": lambda L: L.tensordot(_f64(L, 3, 3), _f64(L, 3, 3),
                                                      dims=np.int64(1)),
    "tensordot_bool_dims": lambda L: L.tensordot(_f64(L, 3, 3), _f64(L, 3, 3), dims=True),
    "tensordot_one_element_dims": lambda L: L.tensordot(_f64(L, 3, 3), _f64(L, 3, 3),
                                                        dims=L.tensor([1])),
    "resize__huge": lambda L: _f64(L, 3, 3).resize_(2 ** 62),
    "tile_huge": lambda L: _f64(L, 3, 3).tile(2 ** 62),
    "diagonal_offset_below_int64": lambda L: _f64(L, 3, 3).diagonal(offset=-(2 ** 62)),
    "diagonal_offset_above_int64": lambda L: _f64(L, 3, 4).diagonal(offset=2 ** 62),
    "diagonal_offset_just_past": lambda L: _f64(L, 3, 4).diagonal(offset=4),
    "diagonal_offset_last": lambda L: _f64(L, 3, 4).diagonal(offset=-2),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED_INVALID))
def test_inputs_torch_refuses_are_refused(case):
    _same(ACCEPTED_INVALID[case])


ORDER_OF_CHECKS = {
    "index_select_out_dim_first": lambda L: L.index_select(
        _f64(L, 3, 4), 2, L.tensor([0, 1]), out=L.empty(0, dtype=L.int32)),
    "index_select_out_dtype": lambda L: L.index_select(
        _f64(L, 3, 4), 1, L.tensor([0, 1]), out=L.empty(0, dtype=L.int32)),
    "histogram_list_bins": lambda L: L.histogram(_f64(L, 5), [0.0, 1.0, 2.0]),
    "histogram_tuple_bins": lambda L: L.histogram(_f64(L, 5), (0.0, 1.0, 2.0)),
    "diff_n0_dim_out_of_range": lambda L: _f64(L, 3, 5).diff(0, -3, _f64(L, 1, 5)),
    "diff_n0_bad_dim_alone": lambda L: _f64(L, 3, 5).diff(0, -3),
    "diff_n0_is_the_input": lambda L: _f64(L, 3, 5).diff(0, 1),
    "var_empty_negative_correction": lambda L: L.var(_f64(L, 0, 4), correction=-4),
    "std_empty_rows_negative_correction": lambda L: _f64(L, 3, 0).std(1, correction=-2),
    # out='s dtype before the kernel's index bounds (was the IndexError of index 3)
    "index_reduce_out_dtype_before_bounds": lambda L: L.index_reduce(
        _f64(L, 3, 0), 1, L.tensor([3, 1]), _f64(L, 3, 2), "amin", out=L.empty(0, dtype=L.int64)),
    "index_reduce_out_bad_dim_first": lambda L: L.index_reduce(
        _f64(L, 3, 2), 4, L.tensor([3, 1]), _f64(L, 3, 2), "amin", out=L.empty(0, dtype=L.int64)),
    # a uint8/int16 index is refused before its values are read (was accepted, or IndexError)
    "index_reduce_uint8_index": lambda L: L.index_reduce(
        _f64(L, 5, 3), 0, L.tensor([0, 12], dtype=L.uint8), _f64(L, 2, 3), "prod"),
    "index_reduce_int16_index": lambda L: _f64(L, 5, 3).index_reduce_(
        0, L.tensor([0, 1], dtype=L.int16), _f64(L, 2, 3), "mean"),
    "index_reduce_int32_index": lambda L: _f64(L, 5, 3).index_reduce_(
        0, L.tensor([0, 1], dtype=L.int32), _f64(L, 2, 3), "mean"),
    # nansum's dim before its out's dtype (was the out's NotImplementedError)
    "nansum_out_bad_dim_first": lambda L: L.nansum(_f64(L, 3, 4), -4,
                                                   out=L.empty(0, dtype=L.bool)),
    "nansum_out_bad_dims_tuple": lambda L: L.nansum(_f64(L, 3, 4), (0, 2),
                                                    out=L.empty(0, dtype=L.int64)),
    "nanmean_out_integral_before_dim": lambda L: L.nanmean(L.tensor(0, dtype=L.int32), 1,
                                                           out=L.empty(0)),
    # cat refuses a 0-d tensor before reading dim (was the dim's IndexError)
    "cat_0d_before_dim": lambda L: L.cat([_f64(L, 2, 3), L.tensor(1.0)], dim=2),
    "cat_out_0d_before_dim": lambda L: L.cat([_f64(L, 2, 3), L.tensor(1.0)], dim=2,
                                             out=L.empty(0, dtype=L.float64)),
    # mvlgamma's input is typed before p is read (was p's RuntimeError for a list input)
    "mvlgamma_list_input_before_p": lambda L: L.mvlgamma([[4.5, 3.0]], -4),
    # polar has no Half kernel: NotImplementedError (was a RuntimeError about complex32)
    "polar_float16": lambda L: L.polar(L.ones(3, dtype=L.float16), L.ones(3, dtype=L.float16)),
}


@pytest.mark.parametrize("case", ORDER_OF_CHECKS)
def test_which_check_comes_first_as_torch(case):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (var's degrees-of-freedom warning, in both)
        _same(ORDER_OF_CHECKS[case])


@pytest.mark.parametrize("name", ["trapz", "trapezoid", "cumulative_trapezoid"])
@pytest.mark.parametrize("x", [2.0, 3, [1.0, 2.0, 3.0]])
def test_trapezoid_x_must_be_a_tensor(name, x):
    # a number or list where x goes was taken as dx (or read as points); PyTorch's overloads
    # take a Tensor x, or dx= by keyword
    _same(lambda L: getattr(L, name)(_f64(L, 4, 3), x, dim=1))


@pytest.mark.parametrize("call", [
    lambda L, x: L.add(x, L.ones(2, 3), out=x), lambda L, x: L.gt(x, L.ones(2, 3), out=x),
    lambda L, x: L.lerp(x, L.ones(2, 3), 0.5, out=x), lambda L, x: L.igammac(x, L.ones(2, 3),
                                                                          out=x),
    lambda L, x: L.clamp(x, L.ones(2, 3), out=x), lambda L, x: L.sqrt(x, out=x),
    lambda L, x: L.add(x, L.ones(3), out=x), lambda L, x: L.mm(L.ones(3, 3), L.ones(3, 2), out=x),
    lambda L, x: L.add(x, L.ones(2, 3), out=L.ones(3)),
])
def test_out_that_is_an_elementwise_input_is_not_resized(call):
    # PyTorch's TensorIterator refuses to resize an out= that is one of the op's own inputs
    # (RuntimeError: output with shape [3] doesn't match the broadcast shape [2, 3]); gradkit
    # resized it (op fuzzer seeds 44, 46 --variants); mm's out= and another tensor resize
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(lambda L: call(L, L.ones(3)))


def test_chain_matmul_of_one_empty_list_is_a_type_error():
    # PyTorch's parser takes no list (a list where a Tensor goes: TypeError); gradkit unpacks
    # a lone non-empty list as a leniency, but an empty one raised RuntimeError (op fuzzer
    # seed 45 --variants)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(lambda L: L.chain_matmul([]))
        _same(lambda L: L.chain_matmul())


@pytest.mark.parametrize("call", [
    lambda m: m.ones(3, 20, 4).mul_(m.ones(3, 20)),
    lambda m: m.ones(3, 20, 4).add_(m.ones(3, 20)),
    lambda m: m.ones(3, 4) * m.ones(3, 5),
])
def test_broadcast_error_traceback_shows_one_error(call):
    """A shape mismatch in an in-place or binary op raises PyTorch's RuntimeError alone: the
    traceback does not carry NumPy's broadcast ValueError as "During handling of the above
    exception, another exception occurred" (which read as a second, internal failure)."""
    import traceback

    torch = pytest.importorskip("torch")
    for m in (gk, torch):
        with pytest.raises(RuntimeError, match="must match the size of tensor b") as info:
            call(m)
        text = "".join(traceback.format_exception(info.value))
        assert "During handling" not in text and "ValueError" not in text, text


@pytest.mark.parametrize("call", [
    lambda L: L.ones(3, 4).t().sub_(L.ones(0, 1), alpha=float("nan")),
    lambda L: L.ones(3, 4).sub_(L.ones(0, 1), alpha=2),
    lambda L: L.ones(3, 4, dtype=L.float64).add_(L.ones(2, 1, dtype=L.float64), alpha=0.5),
])
def test_inplace_add_sub_with_alpha_of_unbroadcastable_shapes(call):
    """The float32/float64 in-place add_/sub_ with alpha rounds once (a fused multiply-add on
    the arrays, before the op's own broadcast check): NumPy's broadcast ValueError reached the
    user; fuzzer seed 50 --variants case 2762."""
    _same(call)
    with pytest.raises(RuntimeError, match="must match the size"):
        call(gk)


@pytest.mark.parametrize("call", [
    lambda L: L.diff(L.ones(3, 0, dtype=L.float64), out=L.ones(2, 2, dtype=L.float64)),
    lambda L: L.diff(L.ones(0, dtype=L.float64), out=L.ones(0, dtype=L.float64)),
    lambda L: L.diff(L.ones(0), prepend=L.ones(0), append=L.ones(0), n=2, out=L.ones(0)),
    # not empty once prepended, or n = 0: a result
    lambda L: L.diff(L.ones(0), prepend=L.ones(2), out=L.ones(0)),
    lambda L: L.diff(L.ones(0), n=0, out=L.ones(0)),
    lambda L: L.diff(L.ones(3, 0, dtype=L.float64)),
    # the earlier checks first
    lambda L: L.diff(L.ones(0), dim=3, out=L.ones(0)),
    lambda L: L.diff(L.ones(0), n=-1, out=L.ones(0)),
])
def test_diff_out_of_an_empty_dimension_as_torch(call):
    """diff(out=) narrows from position 1 of an empty differencing dimension: PyTorch's
    IndexError, where gradkit returned the empty result; seed 50 --variants case 4713."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(call)


@pytest.mark.parametrize("call", [
    lambda L: L.tensor(1.0).copy_(L.ones(3)),
    lambda L: L.ones(1).copy_(L.ones(2, 3)),
    lambda L: L.ones(3).copy_(L.ones(2, 3)),
    lambda L: L.ones(3, requires_grad=True).clone().copy_(L.ones(2, 3)),
    lambda L: L.ones(3).copy_(L.ones(2, 3, requires_grad=True)),
    lambda L: L.ones(2, 1).copy_(L.ones(2, 3).t()),
    lambda L: L.ones(2, 3).copy_(L.ones(1, 3)),
])
def test_copy_of_a_src_that_broadcasts_past_self_is_torchs_error(call):
    """copy_ of a src that broadcasts with self to a larger shape: PyTorch's RuntimeError
    ("output with shape [] doesn't match the broadcast shape [3]"), where NumPy's raw
    ValueError reached the user (op fuzzer's Tensor method samples, seed 111 case 1409)."""
    _same(call)


@pytest.mark.parametrize("call", [
    lambda L: L.linalg.ldl_factor(L.ones(3, 3, dtype=L.float16)),
    lambda L: L.linalg.ldl_factor_ex(L.ones(3, 3, dtype=L.bfloat16)),
    lambda L: L.linalg.ldl_factor(L.ones(3, dtype=L.float16)),     # the rank first
    lambda L: L.linalg.ldl_factor(L.ones(2, 3, dtype=L.float16)),  # squareness first
    lambda L: L.linalg.ldl_factor(L.ones(3, 3, dtype=L.int64)),
])
def test_ldl_factor_of_half_types_is_the_kernels_not_implemented(call):
    """ldl_factor has no float16/bfloat16 kernel: NotImplementedError after the shape checks
    (gradkit raised RuntimeError; the op fuzzer's new linalg.ldl_factor samples)."""
    _same(call)


@pytest.mark.parametrize("call", [
    lambda L: L.min(L.ones(3, 0), keepdim=True, out=L.ones(2)),
    lambda L: L.max(L.ones(3, 0), keepdim=False, out=L.ones(2)),
    lambda L: L.max(L.ones(3, 0), out=L.ones(2)),
    lambda L: L.min(L.ones(3, 2), keepdim=True, out=L.ones(2)),
])
def test_max_min_out_of_an_empty_input_refuse_keepdim_without_dim(call):
    """max/min(out=) of an empty input give the identity without a dim, but a keepdim without
    dim is the parser's TypeError first (op fuzzer seed 53 --variants case 2130)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(call)
