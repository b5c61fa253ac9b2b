"""An integer tensor where an int argument goes, as PyTorch's argument parser reads it: a 0-d
integer tensor is an int everywhere (``x.tril(torch.tensor(1))``, ``torch.eye(torch.tensor(3))``);
an integer tensor holding one element, of any shape, is one where PyTorch declares the argument
``SymInt`` (``tril``'s diagonal, ``kthvalue``'s k, ``narrow``, ``select``, ``eye``) and as an int
list of one (``x.sum(torch.tensor([1]))``, ``x.roll(torch.tensor([1]), torch.tensor([0]))``),
and is refused, with PyTorch's TypeError, where the argument is a plain int (``diagonal``'s
offset, ``round``'s decimals, ``chunk``, ``cumsum``'s dim) or an unsized int list
(``prod``/``all``/``any``/``squeeze``'s dim)."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

X = np.random.default_rng(3).standard_normal((3, 3))


def x(m):
    return m.tensor(X)


def t0(m, v):
    return m.tensor(v)


def t1(m, v):
    return m.tensor([v])


ACCEPTS = {
    # a 0-d integer tensor: an int everywhere
    "tril_diagonal": lambda m: x(m).tril(t0(m, 1)),
    "triu_function_diagonal": lambda m: m.triu(x(m), diagonal=t0(m, -1)),
    "diagonal_offset": lambda m: x(m).diagonal(t0(m, 1)),
    "diagflat_offset": lambda m: m.diagflat(x(m), offset=t0(m, 1)),
    "diag_embed_offset": lambda m: m.diag_embed(x(m), offset=t0(m, 1)),
    "round_decimals": lambda m: x(m).round(decimals=t0(m, 1)),
    "chunk_chunks": lambda m: x(m).chunk(t0(m, 2))[1],
    "narrow_length": lambda m: x(m).narrow(0, t0(m, 0), t0(m, 2)),
    "kthvalue_k": lambda m: x(m).kthvalue(t0(m, 2)).values,
    "polygamma_n": lambda m: m.polygamma(t0(m, 1), x(m).abs() + 1),
    "mvlgamma_p": lambda m: m.mvlgamma(x(m).abs() + 2, t0(m, 2)),
    "histc_bins": lambda m: m.histc(x(m), t0(m, 4)),
    "bincount_minlength": lambda m: m.bincount(m.tensor([1, 2]), minlength=t0(m, 4)),
    "combinations_r": lambda m: m.combinations(x(m)[0], t0(m, 2)),
    "diff_n": lambda m: x(m).diff(t0(m, 1)),
    "unfold_size_step": lambda m: x(m).unfold(0, t0(m, 2), t0(m, 1)),
    "rot90_k": lambda m: x(m).rot90(t0(m, 1)),
    "triu_indices_row_col": lambda m: m.triu_indices(t0(m, 3), t0(m, 3), t0(m, 1)),
    "eye_n": lambda m: m.eye(t0(m, 3)),
    "bartlett_window_length": lambda m: m.bartlett_window(t0(m, 4)),
    "hann_window_length": lambda m: m.hann_window(t0(m, 4)),
    "linspace_steps": lambda m: m.linspace(0, 1, t0(m, 3)),
    "matrix_power_n": lambda m: x(m).matrix_power(t0(m, 2)),
    "linalg_cross_dim": lambda m: m.linalg.cross(x(m), x(m).T, dim=t0(m, 1)),
    "roll_shifts_dims": lambda m: x(m).roll(t0(m, 1), t0(m, 0)),
    "tile_dims": lambda m: x(m).tile(t0(m, 2)),
    "movedim_source": lambda m: x(m).movedim(t0(m, 0), t0(m, 1)),
    "split_size": lambda m: x(m).split(t0(m, 2))[1],
    "max_pool1d_kernel": lambda m: m.nn.functional.max_pool1d(x(m)[None], t0(m, 2)),
    "avg_pool1d_kernel": lambda m: m.nn.functional.avg_pool1d(x(m)[None], t0(m, 2)),
    # one element of any shape: PyTorch's SymInt arguments and int lists
    "tril_diagonal_one_element": lambda m: x(m).tril(t1(m, 1)),
    "tril_diagonal_2d_one_element": lambda m: x(m).tril(m.tensor([[1]])),
    "kthvalue_k_one_element": lambda m: x(m).kthvalue(t1(m, 2)).values,
    "narrow_one_element": lambda m: x(m).narrow(0, 0, t1(m, 2)),
    "select_index_one_element": lambda m: x(m).select(0, t1(m, 1)),
    "eye_one_element": lambda m: m.eye(t1(m, 3)),
    "unsafe_split_one_element": lambda m: x(m).unsafe_split(t1(m, 1))[2],
    "split_one_element": lambda m: x(m).split(t1(m, 2))[1],
    "bincount_minlength_one_element": lambda m: m.bincount(m.tensor([1]), minlength=t1(m, 3)),
    "tensor_split_one_element": lambda m: x(m).tensor_split([t1(m, 1)])[1],
    "sum_dim_one_element": lambda m: x(m).sum(t1(m, 1)),
    "amax_dim_one_element": lambda m: m.amax(x(m), dim=t1(m, 1)),
    "mean_dim_one_element": lambda m: x(m).mean(t1(m, 0)),
    "std_dim_one_element": lambda m: x(m).std(t1(m, 0)),
    "logsumexp_dim_one_element": lambda m: x(m).logsumexp(t1(m, 1)),
    "roll_one_element": lambda m: x(m).roll(t1(m, 1), t1(m, 0)),
    "tile_one_element": lambda m: x(m).tile(t1(m, 2)),
    "max_pool1d_kernel_one_element": lambda m: m.nn.functional.max_pool1d(x(m)[None], t1(m, 2)),
    "max_pool2d_kernel_list": lambda m: m.nn.functional.max_pool2d(x(m)[None], [t0(m, 2)] * 2),
}

# a tensor of one element (or more) where PyTorch's argument is a plain int: TypeError
REFUSES = {
    "diagonal_offset_one_element": lambda m: x(m).diagonal(t1(m, 1)),
    "round_decimals_one_element": lambda m: x(m).round(decimals=t1(m, 1)),
    "chunk_one_element": lambda m: x(m).chunk(t1(m, 2)),
    "polygamma_n_one_element": lambda m: m.polygamma(t1(m, 1), x(m)),
    "cumsum_dim_one_element": lambda m: x(m).cumsum(t1(m, 0)),
    "softmax_dim_one_element": lambda m: x(m).softmax(t1(m, 0)),
    "bartlett_window_one_element": lambda m: m.bartlett_window(t1(m, 3)),
    "prod_dim_one_element": lambda m: x(m).prod(t1(m, 0)),
    "all_dim_one_element": lambda m: x(m).all(t1(m, 0)),
    "any_dim_one_element": lambda m: x(m).any(t1(m, 0)),
    "squeeze_dim_one_element": lambda m: m.squeeze(x(m)[None], t1(m, 0)),
    "movedim_one_element": lambda m: x(m).movedim(t1(m, 0), t1(m, 1)),
    "amax_dim_two_elements": lambda m: x(m).amax(m.tensor([0, 1])),
    "roll_two_elements": lambda m: x(m).roll(m.tensor([1, 1]), m.tensor([0, 1])),
    "tril_float_0d": lambda m: x(m).tril(m.tensor(1.0)),
    "max_pool2d_kernel_two_elements": lambda m: m.nn.functional.max_pool2d(x(m)[None],
                                                                           m.tensor([2, 2])),
}


@pytest.mark.parametrize("name", sorted(ACCEPTS))
def test_integer_tensor_taken_for_an_int_as_torch(torch, name):
    t = ACCEPTS[name](torch)
    g = ACCEPTS[name](gk)
    assert tuple(g.shape) == tuple(t.shape)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", sorted(REFUSES))
def test_tensor_refused_where_torch_takes_only_an_int(torch, name):
    with pytest.raises(TypeError):
        REFUSES[name](torch)
    with pytest.raises(TypeError) as info:
        REFUSES[name](gk)
    assert "Tensor" in str(info.value)


def test_count_nonzero_refuses_a_one_element_dim_tensor(torch):
    # (PyTorch's method takes it positionally by a quirk of its overloads; every other form,
    # the keyword and the function face, raises TypeError)
    with pytest.raises(TypeError):
        torch.count_nonzero(x(torch), dim=t1(torch, 1))
    with pytest.raises(TypeError, match="count_nonzero"):
        gk.count_nonzero(x(gk), dim=t1(gk, 1))
    assert gk.count_nonzero(x(gk), dim=t0(gk, 1)).tolist() == \
        torch.count_nonzero(x(torch), dim=t0(torch, 1)).tolist()
