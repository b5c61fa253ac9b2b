"""torch.Size as the tuple it is: indexing and slicing (a Size again), concatenation with
tuples, comparison with tuples and lists, unpacking, numel, len, hashing as a dict key,
passing a Size (or a slice of one) to view/reshape/zeros/expand/new_empty, and size(dim)."""
# compat: exact
import torch

x = torch.zeros(2, 3, 4)
s = x.shape
print(s, s[0], s[-1], s[1:], s[:-1], s[::2], s[::-1], type(s[1:]).__name__, type(s[0]).__name__)
print(s + (5,), (1,) + s, s + s[1:], s * 2, len(s), s.numel(), s.count(3), s.index(4))
print(s == (2, 3, 4), s == [2, 3, 4], s == torch.Size([2, 3, 4]), s != (2, 3), tuple(s) == s)
b, c, d = s
print(b * c * d, max(s), sum(s), sorted(s, reverse=True), list(reversed(s)), 3 in s)
cache = {s: "first", torch.Size([1]): "second"}
print(cache[(2, 3, 4)], cache[torch.Size([2, 3, 4])], hash(s) == hash((2, 3, 4)))
print(torch.zeros(s).shape, torch.ones(s[1:]).shape, x.view(s[0], -1).shape, x.reshape(*s[:2], 2, 2).shape)
print(x.new_empty(s[1:]).shape, torch.randn(3).expand(s[0], 3).shape, x.size(), x.size(1), x.size(-1))
print(torch.Size([]), torch.Size([]).numel(), torch.tensor(1.0).shape, torch.tensor(1.0).shape == (), len(torch.tensor(1.0).shape))
print(torch.Size([0, 3]).numel(), torch.zeros(0, 3).shape, torch.empty(torch.Size([2])).shape)
print(torch.Size((1, 2)), torch.Size(range(3)), repr(torch.Size([7])), str(torch.Size([7, 1])))
print(x.permute(2, 0, 1).shape, x.transpose(0, 2).shape, x.flatten(1).shape, x.unsqueeze(-1).shape, x[..., 0].shape)
print(x.sum(dim=(0, 2)).shape, x.mean(1, keepdim=True).shape, x.movedim(0, -1).shape, x.squeeze().shape)
print(torch.broadcast_shapes((2, 1, 4), (3, 1)), torch.broadcast_tensors(torch.ones(3, 1), torch.ones(4))[0].shape)
print(x.dim(), x.ndim, x.ndimension(), x.nelement(), x.numel(), x.stride(), x.stride(-1))
print([tuple(t.shape) for t in x.split(2, dim=2)], [t.shape for t in x.unbind(0)])
n, *rest = x.shape
print(n, rest, f"{x.shape}", f"{x.shape[1:]}", "%s" % (x.shape,), str(list(x.shape)))
try:
    x.view(s + (2,))
except RuntimeError as e:
    print("view too big", type(e).__name__)
try:
    torch.Size([2, "a"])
except TypeError as e:
    print("bad size", type(e).__name__)
