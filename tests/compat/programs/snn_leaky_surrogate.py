"""A spiking MLP in the style of snntorch: leaky integrate-and-fire and synaptic neurons whose
Heaviside spike has a fast-sigmoid surrogate gradient (a custom autograd.Function), rate-coded
input spikes drawn with a seeded generator, the rate cross-entropy and spike-count MSE losses,
hidden state reset between batches, and torch._dynamo.explain on one neuron step as snntorch's
tests use it to check that a neuron compiles without graph breaks."""
import torch
import torch._dynamo as dynamo
import torch.nn as nn
import torch.nn.functional as F


class FastSigmoidSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, mem, slope):
        ctx.save_for_backward(mem)
        ctx.slope = slope
        return (mem > 0).to(mem.dtype)

    @staticmethod
    def backward(ctx, grad):
        (mem,) = ctx.saved_tensors
        return grad / (ctx.slope * mem.abs() + 1.0) ** 2, None


class Leaky(nn.Module):
    def __init__(self, beta, threshold=1.0, learn_beta=False):
        super().__init__()
        beta = torch.as_tensor(beta)
        if learn_beta:
            self.beta = nn.Parameter(beta)
        else:
            self.register_buffer("beta", beta)
        self.threshold = threshold

    def forward(self, cur, mem):
        reset = FastSigmoidSpike.apply(mem - self.threshold, 25.0).detach()
        mem = self.beta.clamp(0, 1) * mem + cur - reset * self.threshold
        return FastSigmoidSpike.apply(mem - self.threshold, 25.0), mem


class Synaptic(Leaky):
    def __init__(self, alpha, beta):
        super().__init__(beta, learn_beta=True)
        self.register_buffer("alpha", torch.as_tensor(alpha))

    def forward(self, cur, syn, mem):
        syn = self.alpha * syn + cur
        spk, mem = super().forward(syn, mem)
        return spk, syn, mem


class Net(nn.Module):
    def __init__(self, n_in=12, n_hid=20, n_out=4):
        super().__init__()
        self.fc1, self.lif1 = nn.Linear(n_in, n_hid), Leaky(0.9)
        self.fc2, self.lif2 = nn.Linear(n_hid, n_out), Synaptic(0.8, 0.85)

    def forward(self, spikes):
        mem1 = torch.zeros(spikes.shape[1], self.fc1.out_features)
        syn2 = mem2 = torch.zeros(spikes.shape[1], self.fc2.out_features)
        spk_rec, mem_rec = [], []
        for t in range(spikes.shape[0]):
            spk1, mem1 = self.lif1(self.fc1(spikes[t]), mem1)
            spk2, syn2, mem2 = self.lif2(self.fc2(spk1), syn2, mem2)
            spk_rec.append(spk2)
            mem_rec.append(mem2)
        return torch.stack(spk_rec), torch.stack(mem_rec)


def rate_code(data, num_steps, generator):
    return torch.bernoulli(data.expand(num_steps, *data.shape), generator=generator)


def ce_rate_loss(spk, targets):
    logp = F.log_softmax(spk, dim=-1)
    return torch.stack([F.nll_loss(lp, targets) for lp in logp]).mean()


def mse_count_loss(spk, targets, correct=0.8, incorrect=0.2):
    steps, n_out = spk.shape[0], spk.shape[-1]
    want = torch.where(F.one_hot(targets, n_out).bool(), correct * steps, incorrect * steps)
    return F.mse_loss(spk.sum(0), want) / steps


torch.manual_seed(0)
net = Net()
g = torch.Generator().manual_seed(3)
data = torch.rand(16, 12, generator=g)
targets = torch.randint(0, 4, (16,), generator=g)
spikes = rate_code(data, 15, g)
print("input spikes", tuple(spikes.shape), int(spikes.sum()))
opt = torch.optim.Adam(net.parameters(), lr=5e-3)
for it in range(6):
    spk, mem = net(spikes)
    loss = (ce_rate_loss if it % 2 == 0 else mse_count_loss)(spk, targets)
    opt.zero_grad()
    loss.backward()
    gnorm = torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
    opt.step()
    acc = (spk.sum(0).argmax(1) == targets).float().mean()
    print(f"it {it} loss {loss.item():.6f} grad-norm {gnorm.item():.5f} acc {acc.item():.4f} "
          f"spikes {int(spk.sum())} beta {net.lif2.beta.item():.6f}")

explanation = dynamo.explain(net.lif1)(torch.ones(2, 20), torch.zeros(2, 20))
print("graph breaks:", explanation.graph_break_count)
