"""CS231n assignment 3 in tensors: rnn_step_forward/backward (tanh; dtanh = (1 - next_h**2) *
dnext_h), rnn_forward/backward over T steps, lstm_step_forward/backward with the four gate blocks
sliced from one affine (i, f, o, g ordering as the assignment writes it), word_embedding_forward
with backward by index_put_ accumulate=True, temporal_affine_forward, temporal_softmax_loss with a
mask over <NULL> tokens, each gradient checked against autograd by rel_error, and a CaptioningRNN
loss on a tiny batch trained a few Adam steps with greedy sampling."""
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def rel_error(x, y):
    return (torch.abs(x - y) / torch.clamp(torch.abs(x) + torch.abs(y), min=1e-8)).max().item()


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = torch.tanh(prev_h @ Wh + x @ Wx + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = (1 - next_h ** 2) * dnext_h
    return dtanh @ Wx.T, dtanh @ Wh.T, x.T @ dtanh, prev_h.T @ dtanh, dtanh.sum(0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h, caches, prev = [], [], h0
    for t in range(T):
        prev, cache = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h.append(prev)
        caches.append(cache)
    return torch.stack(h, dim=1), caches


def rnn_backward(dh, caches):
    N, T, H = dh.shape
    D = caches[0][0].shape[1]
    dx = torch.zeros(N, T, D)
    dWx, dWh, db = torch.zeros(D, H), torch.zeros(H, H), torch.zeros(H)
    dprev = torch.zeros(N, H)
    for t in reversed(range(T)):
        dx_t, dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev, caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev, dWx, dWh, db


N, D, T, H = 2, 3, 4, 5
x = torch.randn(N, T, D)
h0 = torch.randn(N, H)
Wx, Wh, b = torch.randn(D, H), torch.randn(H, H), torch.randn(H)
h, caches = rnn_forward(x, h0, Wx, Wh, b)
dout = torch.randn(*h.shape)
grads = rnn_backward(dout, caches)
leaves = [t.clone().requires_grad_(True) for t in (x, h0, Wx, Wh, b)]
rnn_forward(*leaves)[0].backward(dout)
print('rnn backward:', [rel_error(g, leaf.grad) < 1e-9 for g, leaf in zip(grads, leaves)])
ref = torch.nn.RNN(D, H, batch_first=True)
with torch.no_grad():
    ref.weight_ih_l0.copy_(Wx.T)
    ref.weight_hh_l0.copy_(Wh.T)
    ref.bias_ih_l0.copy_(b)
    ref.bias_hh_l0.zero_()
print('vs nn.RNN:', rel_error(ref(x, h0[None])[0], h) < 1e-9)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = torch.sigmoid(a[:, :H])
    f = torch.sigmoid(a[:, H:2 * H])
    o = torch.sigmoid(a[:, 2 * H:3 * H])
    g = torch.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * torch.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = torch.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = torch.cat([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                    dc * i * (1 - g ** 2)], dim=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(0)


x1, ph, pc = torch.randn(N, D), torch.randn(N, H), torch.randn(N, H)
Wx4, Wh4, b4 = torch.randn(D, 4 * H), torch.randn(H, 4 * H), torch.randn(4 * H)
nh, nc, cache = lstm_step_forward(x1, ph, pc, Wx4, Wh4, b4)
dnh, dnc = torch.randn(N, H), torch.randn(N, H)
grads = lstm_step_backward(dnh, dnc, cache)
leaves = [t.clone().requires_grad_(True) for t in (x1, ph, pc, Wx4, Wh4, b4)]
h_, c_, _ = lstm_step_forward(*leaves)
torch.autograd.backward([h_, c_], [dnh, dnc])
order = [0, 1, 2, 3, 4, 5]
print('lstm step backward:', [rel_error(grads[k], leaves[k].grad) < 1e-8 for k in order])


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = torch.zeros_like(W)
    dW.index_put_((x.reshape(-1),), dout.reshape(-1, W.shape[1]), accumulate=True)
    return dW


V = 6
idx = torch.tensor([[0, 3, 1, 2], [2, 1, 0, 3]])
W_embed = torch.randn(V, D)
out, cache = word_embedding_forward(idx, W_embed)
dout = torch.randn(*out.shape)
dW = word_embedding_backward(dout, cache)
We = W_embed.clone().requires_grad_(True)
We[idx].backward(dout)
print('embedding backward:', rel_error(dW, We.grad) < 1e-12, out.shape)


def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    x_flat, y_flat, mask_flat = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    probs = torch.exp(x_flat - x_flat.max(dim=1, keepdim=True).values)
    probs = probs / probs.sum(dim=1, keepdim=True)
    loss = -torch.sum(mask_flat * torch.log(probs[torch.arange(N * T), y_flat])) / N
    dx_flat = probs.clone()
    dx_flat[torch.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)


N, T, V = 100, 1, 10
for p in (1.0, 10.0, 0.1):
    x = 0.001 * torch.randn(N, T, V)
    y = torch.randint(V, size=(N, T))
    mask = torch.rand(N, T) <= p
    print(f'temporal softmax loss (p={p}): {temporal_softmax_loss(x, y, mask)[0].item():.3f}')
x = torch.randn(7, 8, V)
y = torch.randint(V, size=(7, 8))
mask = torch.rand(7, 8) > 0.5
loss, dx = temporal_softmax_loss(x, y, mask)
xa = x.clone().requires_grad_(True)
ref = torch.nn.functional.cross_entropy(xa.reshape(-1, V), y.reshape(-1), reduction='none')
(ref * mask.reshape(-1)).sum().div(7).backward()
print('masked loss matches cross_entropy:', abs(loss.item() - (ref * mask.reshape(-1)).sum().item() / 7) < 1e-10,
      rel_error(dx, xa.grad) < 1e-9)

NULL, START, END = 0, 1, 2
captions = torch.tensor([[START, 3, 4, 5, END, NULL], [START, 4, 3, END, NULL, NULL]])
features = torch.randn(2, 8)
params = {'W_proj': torch.randn(8, 16) / 8 ** 0.5, 'b_proj': torch.zeros(16),
          'W_embed': torch.randn(V, 6) / 10, 'Wx': torch.randn(6, 16) / 6 ** 0.5,
          'Wh': torch.randn(16, 16) / 4, 'b': torch.zeros(16),
          'W_vocab': torch.randn(16, V) / 4, 'b_vocab': torch.zeros(V)}
for t in params.values():
    t.requires_grad_(True)


def captioning_loss(features, captions):
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    mask = captions_out != NULL
    h0 = features @ params['W_proj'] + params['b_proj']
    x = params['W_embed'][captions_in]
    h, _ = rnn_forward(x, h0, params['Wx'], params['Wh'], params['b'])
    scores = h @ params['W_vocab'] + params['b_vocab']
    return temporal_softmax_loss(scores, captions_out, mask)[0]


opt = torch.optim.Adam(params.values(), lr=0.05)
for it in range(20):
    loss = captioning_loss(features, captions)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 5 == 4:
        print(f'(Iteration {it + 1}) loss: {loss.item():.6f}')
with torch.no_grad():
    h = features @ params['W_proj'] + params['b_proj']
    word = torch.full((2,), START)
    sampled = []
    for t in range(5):
        h, _ = rnn_step_forward(params['W_embed'][word], h, params['Wx'], params['Wh'], params['b'])
        word = (h @ params['W_vocab'] + params['b_vocab']).argmax(1)
        sampled.append(word)
print(torch.stack(sampled, 1))
torch.set_default_dtype(torch.float32)
