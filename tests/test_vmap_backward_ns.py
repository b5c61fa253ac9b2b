"""The namespace backward rules get for batched cotangents (``_vmap/backward_ns.py``): each
call on batched values equals the plain namespace's call entry by entry."""

import numpy as np
import pytest

import gradkit as gk
from gradkit._tensor.namespace import tensor_ns
from gradkit._vmap.backward_ns import batched_ns

X = gk.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4) / 3 - 1)
MASK = np.array([True, False, True, True])

# name -> call on (namespace, value)
CALLS = {
    "where_batched_cond_numbers": lambda ns, t: ns.where(t > 0, 1.0, 0.0),
    "where_batched_cond": lambda ns, t: ns.where(t > 0, t, 0.0),
    "where_array_cond": lambda ns, t: ns.where(MASK, t * 2, t),
    "keep": lambda ns, t: ns.keep(MASK, t),
    "maximum_number": lambda ns, t: ns.maximum(t, 0.5),
    "minimum": lambda ns, t: ns.minimum(t * 2, t),
    "sum_to": lambda ns, t: ns.sum_to(ns.broadcast_to(t, (2, 4)), (1, 4)),
    "flip_int_axis": lambda ns, t: ns.flip(t, 0),
    "transpose": lambda ns, t: ns.transpose(ns.reshape(t, (2, 2))),
    "zeros_like": lambda ns, t: ns.zeros_like(t) + t,
    "pad": lambda ns, t: ns.pad(t, ((1, 2),)),
    "index_add": lambda ns, t: ns.index_add((3,), np.array([0, 2, 0, 1]), t),
    "cumsum_amax": lambda ns, t: ns.cumsum(t, 0) + ns.amax(t, axis=0, keepdims=True),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_batched_namespace_calls_equal_the_plain_ones_entry_by_entry(name):
    call = CALLS[name]
    batched = gk.func.vmap(lambda t: call(batched_ns(), t))(X)
    for i in range(X.shape[0]):
        np.testing.assert_allclose(batched[i].numpy(), call(tensor_ns, X[i]).numpy(),
                                   rtol=1e-6, err_msg=name)
