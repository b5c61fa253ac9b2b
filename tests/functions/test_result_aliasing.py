"""Which results share memory with their input, as PyTorch's: a write into the result of a
function that copies must not reach the input (pykeen corrupts ``repeat_interleave(1)`` of its
positive triples in place to make negatives: the positives were corrupted too), and a view's
write must."""

import pytest

import gradkit as gk

EXPRESSIONS = [
    "x.repeat_interleave(1, dim=0)", "x.repeat_interleave(1)", "x.repeat_interleave(2, dim=1)",
    "x[:1].repeat_interleave(3, dim=0)", "x.repeat_interleave(1, dim=-1)",
    "x.repeat_interleave(torch.tensor([1]), dim=0)", "torch.repeat_interleave(x, 1, 0)",
    "x.flip(0)", "x.flip([])", "x.flip((0, 1))", "x.fliplr()", "x.flipud()",
    "x.rot90(0, [0, 1])", "x.roll(0)", "x.roll(1, 0)", "x.repeat(1, 1)", "x.tile((1,))",
    "x.narrow_copy(0, 0, 3)", "x.clone()", "x.to(copy=True)", "x.T.contiguous()",
    "x.sort(0).values", "x.abs()", "x.clamp(-9, 99)", "x.nan_to_num()", "torch.cat([x])",
    "torch.stack([x])[0]", "torch.hstack([x])", "x.index_select(0, torch.arange(3))",
    "x[torch.arange(3)]", "x.cumsum(0)", "x * 1",
    # views: the write reaches x
    "x.view(-1)", "x.reshape(3, 2)", "x.flatten()", "x.contiguous()", "x.positive()",
    "x.expand(3, 2)", "x.narrow(0, 0, 3)", "x.squeeze()", "x.T.T", "x[...]", "x.view_as(x)",
    "x.to(torch.int64)", "x.long()", "torch.atleast_2d(x)", "x.unflatten(0, (3,))",
    "torch.Tensor(x)", "torch.LongTensor(x)",  # (the legacy constructors alias a tensor)
]


def _reaches_input(lib, expr):
    x = lib.arange(6).view(3, 2) + 1
    before = x.clone()
    y = eval(expr, {"torch": lib, "x": x})
    y[(0,) * y.ndim] = 99  # (the result's first element, wherever it lies in x)
    return not lib.equal(x, before)


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_a_write_into_the_result_reaches_the_input_as_in_pytorch(expr):
    torch = pytest.importorskip("torch")
    assert _reaches_input(gk, expr) == _reaches_input(torch, expr)
