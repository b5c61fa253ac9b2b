"""gradkit/functions/joining.py: tensor_split and hsplit/vsplit/dsplit take their split as
PyTorch's overloads name it (``sections=``, ``indices=``, ``tensor_indices_or_sections=``),
positionally or by keyword, on the function and the method, and refuse a wrong kind or a
second split with PyTorch's exception type."""

import numpy as np
import pytest

import gradkit as gk

X10 = np.arange(10.0)
X43 = np.arange(12.0).reshape(4, 3)
X234 = np.arange(24.0).reshape(2, 3, 4)

# name -> fn(lib) returning the pieces
SPLITS = {
    "tensor_split_indices": lambda L: L.tensor_split(L.tensor(X10), indices=[1, 3]),
    "tensor_split_indices_tuple_0d": lambda L: L.tensor_split(L.tensor(X10),
                                                               indices=(L.tensor(4),)),
    "tensor_split_indices_empty": lambda L: L.tensor_split(L.tensor(X10), indices=()),
    "tensor_split_sections": lambda L: L.tensor_split(L.tensor(X10), sections=3),
    "tensor_split_sections_0d": lambda L: L.tensor_split(L.tensor(X10), sections=L.tensor(2)),
    "tensor_split_tensor_kw_1d": lambda L: L.tensor_split(
        L.tensor(X10), tensor_indices_or_sections=L.tensor([1, 3])),
    "tensor_split_tensor_kw_0d": lambda L: L.tensor_split(
        L.tensor(X10), tensor_indices_or_sections=L.tensor(3)),
    "tensor_split_input_kw": lambda L: L.tensor_split(input=L.tensor(X10), sections=2),
    "tensor_split_dim_kw": lambda L: L.tensor_split(L.tensor(X43), indices=[1], dim=1),
    "tensor_split_axis": lambda L: L.tensor_split(L.tensor(X43), sections=2, axis=1),
    "tensor_split_positional": lambda L: L.tensor_split(L.tensor(X43), [1], 1),
    "method_tensor_split_indices": lambda L: L.tensor(X10).tensor_split(indices=[2], dim=0),
    "method_tensor_split_sections": lambda L: L.tensor(X10).tensor_split(sections=4),
    "method_tensor_split_tensor": lambda L: L.tensor(X10).tensor_split(
        tensor_indices_or_sections=L.tensor([5])),
    "vsplit_indices": lambda L: L.vsplit(L.tensor(X43), indices=[1]),
    "vsplit_sections": lambda L: L.vsplit(L.tensor(X43), sections=2),
    "method_vsplit_indices": lambda L: L.tensor(X43).vsplit(indices=[1, 3]),
    "method_vsplit_indices_0d": lambda L: L.tensor(X43).vsplit(indices=(L.tensor(1),)),
    "method_vsplit_spread": lambda L: L.tensor(X43).vsplit(1, 3),
    "hsplit_indices": lambda L: L.hsplit(L.tensor(X43), indices=[1]),
    "hsplit_indices_1d_input": lambda L: L.hsplit(L.tensor(X10), indices=[4]),
    "method_hsplit_sections": lambda L: L.tensor(X43).hsplit(sections=3),
    "method_hsplit_indices_empty": lambda L: L.tensor(X43).hsplit(indices=[]),
    "dsplit_indices": lambda L: L.dsplit(L.tensor(X234), indices=[1]),
    "method_dsplit_sections": lambda L: L.tensor(X234).dsplit(sections=2),
}


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_split_keyword_forms_as_torch(torch, name):
    ours, theirs = SPLITS[name](gk), SPLITS[name](torch)
    assert len(ours) == len(theirs)
    for g, t in zip(ours, theirs):
        np.testing.assert_array_equal(g.numpy(), t.numpy())


# name -> (fn(lib), the exception type PyTorch raises)
REFUSED = {
    "sections_a_list": lambda L: L.tensor_split(L.tensor(X10), sections=[2]),
    "sections_a_bool": lambda L: L.tensor_split(L.tensor(X10), sections=True),
    "sections_a_float": lambda L: L.tensor_split(L.tensor(X10), sections=2.0),
    "sections_none": lambda L: L.tensor_split(L.tensor(X10), sections=None),
    "indices_an_int": lambda L: L.tensor_split(L.tensor(X10), indices=2),
    "indices_a_tensor": lambda L: L.tensor_split(L.tensor(X10), indices=L.tensor([1, 2])),
    "indices_of_bools": lambda L: L.tensor_split(L.tensor(X10), indices=[True]),
    "indices_none": lambda L: L.tensor_split(L.tensor(X10), indices=None),
    "tensor_kw_a_list": lambda L: L.tensor_split(L.tensor(X10),
                                                 tensor_indices_or_sections=[1, 2]),
    "tensor_kw_an_int": lambda L: L.tensor_split(L.tensor(X10), tensor_indices_or_sections=2),
    "two_splits": lambda L: L.tensor_split(L.tensor(X10), indices=[1], sections=2),
    "positional_and_keyword": lambda L: L.tensor_split(L.tensor(X43), 2, 1, sections=2),
    "no_split": lambda L: L.tensor_split(L.tensor(X10)),
    "tensor_kw_float": lambda L: L.tensor_split(L.tensor(X10),
                                                tensor_indices_or_sections=L.tensor([1.0])),
    "tensor_kw_bool": lambda L: L.tensor_split(L.tensor(X10),
                                               tensor_indices_or_sections=L.tensor([True])),
    "tensor_kw_2d": lambda L: L.tensor_split(L.tensor(X10),
                                             tensor_indices_or_sections=L.tensor([[1, 3]])),
    "sections_zero": lambda L: L.tensor_split(L.tensor(X10), sections=0),
    "sections_of_a_0d_input": lambda L: L.tensor_split(L.tensor(1.0), sections=0),
    "sections_dim_out_of_range": lambda L: L.tensor_split(L.tensor(X10), sections=0, dim=3),
    "vsplit_sections_a_list": lambda L: L.vsplit(L.tensor(X43), sections=[1]),
    "vsplit_indices_an_int": lambda L: L.vsplit(L.tensor(X43), indices=2),
    "vsplit_method_indices_a_tensor": lambda L: L.tensor(X43).vsplit(indices=L.tensor([1])),
    "vsplit_positional_and_keyword": lambda L: L.vsplit(L.tensor(X43), 2, indices=[1]),
    "vsplit_method_spread_and_keyword": lambda L: L.tensor(X43).vsplit(1, indices=[1]),
    "vsplit_method_two_keywords": lambda L: L.tensor(X43).vsplit(indices=[1], sections=2),
    "hsplit_sections_not_dividing": lambda L: L.tensor(X43).hsplit(sections=2),
    "dsplit_indices_of_2d": lambda L: L.dsplit(L.tensor(X43), indices=[1]),
    "hsplit_indices_of_0d": lambda L: L.hsplit(L.tensor(1.0), indices=[1]),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_split_wrong_forms_raise_as_torch(torch, name):
    fn = REFUSED[name]
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ge:
        fn(gk)
    assert type(ge.value) is type(te.value) or isinstance(ge.value, type(te.value))
    assert ge.value.__class__.__module__.split(".")[0] != "numpy"
    name_in_message = "split" in str(ge.value) or "Dimension out of range" in str(ge.value)
    assert name_in_message, str(ge.value)


# name -> fn(lib, rand) returning a tensor whose strides PyTorch fixes
_LAYOUTS = {
    "cat_transposed_2d": lambda L, r: L.cat([r(3, 1), r(5, 3).t()], dim=1),
    "cat_transposed_pair": lambda L, r: L.cat([r(5, 3).t(), r(5, 3).t()], dim=0),
    "cat_permuted_3d": lambda L, r: L.cat([r(2, 5, 3).permute(0, 2, 1)] * 2, dim=2),
    "cat_permuted_3d_front": lambda L, r: L.cat([r(4, 3, 5).permute(2, 0, 1)] * 2, dim=1),
    "cat_channels_last": lambda L, r: L.cat(
        [r(2, 3, 4, 5).to(memory_format=L.channels_last)] * 2, dim=1),
    "cat_channels_last_mixed": lambda L, r: L.cat(
        [r(2, 3, 4, 5).to(memory_format=L.channels_last), r(2, 3, 4, 5)], dim=1),
    "cat_nhwc_permute": lambda L, r: L.cat([r(2, 4, 5, 3).permute(0, 3, 1, 2)] * 2, dim=1),
    "stack_transposed": lambda L, r: L.stack([r(5, 3).t()] * 2),
    "stack_transposed_last": lambda L, r: L.stack([r(5, 3).t()] * 2, dim=-1),
    "stack_permuted_1d_slices": lambda L, r: L.stack([r(4, 3)[:, 0], r(4, 3)[:, 1]], dim=1),
}


@pytest.mark.parametrize("name", list(_LAYOUTS))
def test_cat_and_stack_lay_out_their_output_as_torch(name):
    # pykan's extend_grid concatenates columns onto a transposed grid: PyTorch's result is
    # row-major (channels-last kept only for 4-D/5-D inputs all so laid out), where NumPy's
    # concatenate kept the transposed order (a grid buffer gradkit reported non-contiguous)
    torch = pytest.importorskip("torch")
    outs = []
    for lib in (gk, torch):
        rng = np.random.default_rng(0)
        out = _LAYOUTS[name](lib, lambda *s, L=lib, g=rng: L.tensor(g.standard_normal(s)))
        outs.append((tuple(out.stride()), out.is_contiguous(), out.numpy().tolist()))
    assert outs[0] == outs[1]
