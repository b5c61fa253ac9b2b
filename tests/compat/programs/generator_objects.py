"""torch.Generator objects as reproducible code passes them around: manual_seed chaining,
initial_seed, get_state/set_state and clone-by-state, generator= on randperm / randn / rand /
randint / normal / multinomial / bernoulli / Tensor.random_ / uniform_ / exponential_, a
sampler and a DataLoader(shuffle=True, generator=) that repeat exactly, and the global RNG
untouched by it all."""
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

g = torch.Generator().manual_seed(2024)
print(type(g).__name__, g.initial_seed(), g.device)
state = g.get_state()
print(state.dtype, state.shape)

torch.manual_seed(0)
global_before = torch.get_rng_state()
a = torch.randperm(10, generator=g)
b = torch.randn(2, 3, generator=g)
c = torch.rand(4, generator=g)
d = torch.randint(0, 100, (5,), generator=g)
e = torch.normal(mean=torch.zeros(3), std=torch.ones(3), generator=g)
f = torch.multinomial(torch.tensor([0.1, 0.2, 0.7]), 6, replacement=True, generator=g)
h = torch.bernoulli(torch.full((6,), 0.5), generator=g)
print(a, b, c, d, e, f, h, sep="\n")
print("global RNG untouched:", torch.equal(global_before, torch.get_rng_state()))

g.set_state(state)
print("replay equal:", torch.equal(a, torch.randperm(10, generator=g)),
      torch.equal(b, torch.randn(2, 3, generator=g)))

t = torch.empty(5)
t.uniform_(-1, 1, generator=g)
print(t)
t.exponential_(2.0, generator=g)
print(t)
t.normal_(0, 0.1, generator=g)
print(t)
ints = torch.empty(6, dtype=torch.int64).random_(0, 10, generator=g)
print(ints)
print(torch.empty(4).bernoulli_(0.3, generator=g))
print(torch.empty(3).cauchy_(generator=g).shape, torch.empty(3).log_normal_(generator=g).shape)

# two generators with the same seed agree; a clone through get_state continues identically
g1 = torch.Generator().manual_seed(7)
g2 = torch.Generator()
g2.manual_seed(7)
print(torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2)))
g3 = torch.Generator()
g3.set_state(g1.get_state())
print(torch.equal(torch.randn(4, generator=g1), torch.randn(4, generator=g3)))

# sampler and loader reproducibility
ds = TensorDataset(torch.arange(8))
order1 = list(RandomSampler(ds, generator=torch.Generator().manual_seed(3)))
order2 = list(RandomSampler(ds, generator=torch.Generator().manual_seed(3)))
print(order1, order1 == order2)
loader_gen = torch.Generator()
loader_gen.manual_seed(5)
loader = DataLoader(ds, batch_size=3, shuffle=True, generator=loader_gen)
epoch1 = [b[0].tolist() for b in loader]
epoch2 = [b[0].tolist() for b in loader]
print(epoch1, epoch2, epoch1 != epoch2)
loader_gen.manual_seed(5)
print([b[0].tolist() for b in loader] == epoch1)

# the default generator object
dg = torch.default_generator
dg.manual_seed(11)
x1 = torch.rand(2)
torch.manual_seed(11)
print(torch.equal(x1, torch.rand(2)), torch.initial_seed(), dg.initial_seed())
seed = torch.Generator().seed()
print(type(seed).__name__, seed >= 0)
