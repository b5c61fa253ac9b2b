"""Dive into Deep Learning's modern RNN chapters: GRU and LSTM written from scratch
(three()/four-gate parameter triples, torch.sigmoid gates, `H = Z * H + (1 - Z) * H_tilda`,
`C = F * C + I * C_tilda`, init_lstm_state returning (H, C)) checked against nn.GRU/nn.LSTM after
copying the gate weights in PyTorch's (r, z, n) and (i, f, g, o) orders; a deep RNN from a list
of layers, a bidirectional nn.LSTM with num_layers=2 and its output/h_n relation, and training a
small LSTM language model with gradient clipping by hand."""
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)
vocab_size, num_hiddens, device = 12, 8, torch.device('cpu')


def normal(shape):
    return torch.randn(size=shape, device=device) * 0.1


def three():
    return (normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)),
            torch.zeros(num_hiddens, device=device))


def get_gru_params():
    W_xz, W_hz, b_z = three()
    W_xr, W_hr, b_r = three()
    W_xh, W_hh, b_h = three()
    W_hq = normal((num_hiddens, vocab_size))
    b_q = torch.zeros(vocab_size, device=device)
    params = [W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_gru_state(batch_size):
    return (torch.zeros((batch_size, num_hiddens), device=device), )


def gru(inputs, state, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
        R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
        H_tilda = torch.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilda
        Y = H @ W_hq + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


X = torch.randint(0, vocab_size, (3, 5))
inputs = F.one_hot(X.T, vocab_size).type(torch.float32)
params = get_gru_params()
Y, (H,) = gru(inputs, init_gru_state(3), params)
ref = nn.GRU(vocab_size, num_hiddens, bias=True)
W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, _, _ = params
with torch.no_grad():
    ref.weight_ih_l0.copy_(torch.cat([W_xr.T, W_xz.T, W_xh.T]))
    ref.weight_hh_l0.copy_(torch.cat([W_hr.T, W_hz.T, W_hh.T]))
    ref.bias_ih_l0.zero_()
    ref.bias_hh_l0.zero_()
out, h_n = ref(inputs)


def gru_reset_after(inputs, H, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h = params[:9]
    for X in inputs:
        Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
        R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
        H = Z * H + (1 - Z) * torch.tanh((X @ W_xh) + R * (H @ W_hh) + b_h)
    return H


H_ref_form = gru_reset_after(inputs, init_gru_state(3)[0], params)
print('reset gate after the matmul as nn.GRU does', torch.allclose(out[-1], H_ref_form, atol=1e-6),
      torch.allclose(H_ref_form, H, atol=1e-3))
print('GRU scratch vs nn.GRU hidden', torch.allclose(out[-1], H, atol=1e-6), Y.shape, h_n.shape)


def get_lstm_params():
    W_xi, W_hi, b_i = three()
    W_xf, W_hf, b_f = three()
    W_xo, W_ho, b_o = three()
    W_xc, W_hc, b_c = three()
    W_hq = normal((num_hiddens, vocab_size))
    b_q = torch.zeros(vocab_size, device=device)
    params = [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_lstm_state(batch_size):
    return (torch.zeros((batch_size, num_hiddens), device=device),
            torch.zeros((batch_size, num_hiddens), device=device))


def lstm(inputs, state, params):
    [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q] = params
    (H, C) = state
    outputs = []
    for X in inputs:
        I = torch.sigmoid((X @ W_xi) + (H @ W_hi) + b_i)
        F_ = torch.sigmoid((X @ W_xf) + (H @ W_hf) + b_f)
        O = torch.sigmoid((X @ W_xo) + (H @ W_ho) + b_o)
        C_tilda = torch.tanh((X @ W_xc) + (H @ W_hc) + b_c)
        C = F_ * C + I * C_tilda
        H = O * torch.tanh(C)
        Y = (H @ W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H, C)


params = get_lstm_params()
Y, (H, C) = lstm(inputs, init_lstm_state(3), params)
ref = nn.LSTM(vocab_size, num_hiddens)
p = params
with torch.no_grad():
    ref.weight_ih_l0.copy_(torch.cat([p[0].T, p[3].T, p[9].T, p[6].T]))
    ref.weight_hh_l0.copy_(torch.cat([p[1].T, p[4].T, p[10].T, p[7].T]))
    ref.bias_ih_l0.zero_()
    ref.bias_hh_l0.zero_()
out, (h_n, c_n) = ref(inputs)
print('LSTM scratch vs nn.LSTM', torch.allclose(h_n[0], H, atol=1e-6),
      torch.allclose(c_n[0], C, atol=1e-6))
Y.sum().backward()
print([round(q.grad.norm().item(), 5) for q in params[:4]])


class DeepRNN(nn.Module):
    def __init__(self, num_inputs, num_hiddens, num_layers):
        super().__init__()
        self.rnns = nn.Sequential(*[nn.GRU(num_inputs if i == 0 else num_hiddens, num_hiddens)
                                    for i in range(num_layers)])

    def forward(self, inputs, Hs=None):
        outputs = inputs
        if Hs is None:
            Hs = [None] * len(self.rnns)
        for i in range(len(self.rnns)):
            outputs, Hs[i] = self.rnns[i](outputs, Hs[i])
            outputs = torch.stack([o for o in outputs], 0)
        return outputs, Hs


deep = DeepRNN(vocab_size, num_hiddens, 3)
outputs, Hs = deep(inputs)
print(outputs.shape, [h.shape for h in Hs])
stacked = nn.GRU(vocab_size, num_hiddens, num_layers=3)
with torch.no_grad():
    for i, layer in enumerate(deep.rnns):
        for name, value in layer.named_parameters():
            getattr(stacked, name.replace('l0', f'l{i}')).copy_(value)
so, sh = stacked(inputs)
print(torch.allclose(so, outputs, atol=1e-6), torch.allclose(torch.cat(Hs), sh, atol=1e-6))

bi = nn.LSTM(vocab_size, num_hiddens, num_layers=2, bidirectional=True)
out, (h_n, c_n) = bi(inputs)
print(out.shape, h_n.shape, c_n.shape)
print(torch.allclose(out[-1, :, :num_hiddens], h_n[2]), torch.allclose(out[0, :, num_hiddens:], h_n[3]))
print([n for n, _ in bi.named_parameters()][:6], bi)

text = torch.tensor([i % vocab_size for i in range(200)]) ^ torch.tensor([(i // 7) % 2 for i in range(200)])
Xs = text[:-1].reshape(1, -1)
Ys = text[1:].reshape(1, -1)
model = nn.LSTM(vocab_size, 16, num_layers=2)
head = nn.Linear(16, vocab_size)
params = list(model.parameters()) + list(head.parameters())
opt = torch.optim.SGD(params, lr=1.0)
state = None
for epoch in range(3):
    total = 0.0
    for i in range(0, 190, 19):
        x, y = Xs[:, i:i + 19], Ys[:, i:i + 19]
        if state is not None:
            state = tuple(s.detach() for s in state)
        o, state = model(F.one_hot(x.T, vocab_size).float(), state)
        l = F.cross_entropy(head(o.reshape(-1, 16)), y.T.reshape(-1))
        opt.zero_grad()
        l.backward()
        norm = torch.sqrt(sum(torch.sum(q.grad ** 2) for q in params))
        if norm > 1:
            for q in params:
                q.grad[:] *= 1 / norm
        opt.step()
        total += l.item()
    print(f'epoch {epoch}: loss {total / 10:.5f} last norm {norm.item():.4f}')
