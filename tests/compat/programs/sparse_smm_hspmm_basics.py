"""Sparse COO basics a user touches: ``sparse_coo_tensor``, ``coalesce``, ``torch.sparse.mm``
with a gradient, ``torch.smm``/``torch.hspmm`` (sparse results of a sparse-dense product), CSR
conversion, and the sparse invariant-check switch (PyTorch 2.13 warns once when a constructor
is called before the program chose a setting)."""

import warnings

import torch

torch.manual_seed(0)
i = torch.tensor([[0, 1, 1, 2], [2, 0, 2, 1]])
v = torch.tensor([3.0, 4.0, 5.0, 6.0])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    s = torch.sparse_coo_tensor(i, v, (3, 3))
    s2 = torch.sparse_coo_tensor(i, v, (3, 3))
print("warnings", [str(w.message).split(".")[0] for w in caught])
d = torch.randn(3, 2)
print(torch.sparse.mm(s, d))
sm = torch.smm(s, d)
print(sm)
print(sm.to_dense(), sm.is_coalesced())
print(torch.hspmm(s, d))
w = torch.randn(3, 2, requires_grad=True)
torch.sparse.mm(s, w).pow(2).sum().backward()
print(w.grad)
dup = torch.sparse_coo_tensor(torch.tensor([[0, 0, 1], [1, 1, 0]]), torch.tensor([1.0, 2.0, 3.0]),
                              (2, 2), check_invariants=True)
print(dup.coalesce())
csr = torch.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, 0.0]]).to_sparse_csr()
print(csr.crow_indices(), csr.col_indices(), csr.values())
print(torch.sparse.sum(s, dim=1).to_dense())
