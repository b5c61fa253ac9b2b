"""Dive into Deep Learning, RNN from scratch on a tiny character corpus: vocab from
collections.Counter, random/sequential partitioning iterators, `F.one_hot(X.T, vocab_size)`,
get_params with normal(shape)*0.01, init_rnn_state returning a tuple, rnn() looping over time
with torch.tanh and torch.cat(outputs, dim=0), RNNModelScratch, predict with a warm-up prefix,
grad_clipping by hand (sqrt of the sum of squared grads, `param.grad[:] *= theta / norm`),
perplexity via math.exp, then the concise nn.RNN model with its `begin_state`."""
import collections
import math
import random

import torch
from torch import nn
from torch.nn import functional as F

random.seed(0)
torch.manual_seed(0)
text = ('the time machine by h g wells the time traveller for so it will be convenient to '
        'speak of him was expounding a recondite matter to us his grey eyes shone and '
        'twinkled and his usually pale face was flushed and animated ') * 3
tokens = list(text)
counter = collections.Counter(tokens)
token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
idx_to_token = ['<unk>'] + [t for t, _ in token_freqs]
token_to_idx = {t: i for i, t in enumerate(idx_to_token)}
corpus = [token_to_idx[t] for t in tokens]
vocab_size = len(idx_to_token)
print(vocab_size, token_freqs[:5], len(corpus))


def seq_data_iter_random(corpus, batch_size, num_steps):
    corpus = corpus[random.randint(0, num_steps - 1):]
    num_subseqs = (len(corpus) - 1) // num_steps
    initial_indices = list(range(0, num_subseqs * num_steps, num_steps))
    random.shuffle(initial_indices)

    def data(pos):
        return corpus[pos: pos + num_steps]

    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        initial_indices_per_batch = initial_indices[i: i + batch_size]
        X = [data(j) for j in initial_indices_per_batch]
        Y = [data(j + 1) for j in initial_indices_per_batch]
        yield torch.tensor(X), torch.tensor(Y)


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset: offset + num_tokens])
    Ys = torch.tensor(corpus[offset + 1: offset + 1 + num_tokens])
    Xs, Ys = Xs.reshape(batch_size, -1), Ys.reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        X = Xs[:, i: i + num_steps]
        Y = Ys[:, i: i + num_steps]
        yield X, Y


my_seq = list(range(35))
for X, Y in seq_data_iter_random(my_seq, batch_size=2, num_steps=5):
    print('X: ', X, '\nY:', Y)
    break
for X, Y in seq_data_iter_sequential(my_seq, batch_size=2, num_steps=5):
    print('X: ', X, '\nY:', Y)
    break

print(F.one_hot(torch.tensor([0, 2]), len(idx_to_token)).shape)
X = torch.arange(10).reshape((2, 5))
print(F.one_hot(X.T, 28).shape, F.one_hot(X.T, 28).dtype)


def get_params(vocab_size, num_hiddens, device):
    num_inputs = num_outputs = vocab_size

    def normal(shape):
        return torch.randn(size=shape, device=device) * 0.01

    W_xh = normal((num_inputs, num_hiddens))
    W_hh = normal((num_hiddens, num_hiddens))
    b_h = torch.zeros(num_hiddens, device=device)
    W_hq = normal((num_hiddens, num_outputs))
    b_q = torch.zeros(num_outputs, device=device)
    params = [W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_rnn_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device), )


def rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


class RNNModelScratch:
    def __init__(self, vocab_size, num_hiddens, device, get_params, init_state, forward_fn):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, device)
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        return self.forward_fn(X, state, self.params)

    def begin_state(self, batch_size, device):
        return self.init_state(batch_size, self.num_hiddens, device)


device = torch.device('cpu')
num_hiddens = 64
net = RNNModelScratch(vocab_size, num_hiddens, device, get_params, init_rnn_state, rnn)
state = net.begin_state(X.shape[0], device)
Y, new_state = net(X.to(device), state)
print(Y.shape, len(new_state), new_state[0].shape)


def predict_ch8(prefix, num_preds, net, device):
    state = net.begin_state(batch_size=1, device=device)
    outputs = [token_to_idx[prefix[0]]]

    def get_input():
        return torch.tensor([outputs[-1]], device=device).reshape((1, 1))

    for y in prefix[1:]:
        _, state = net(get_input(), state)
        outputs.append(token_to_idx[y])
    for _ in range(num_preds):
        y, state = net(get_input(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return ''.join([idx_to_token[i] for i in outputs])


print(predict_ch8('time traveller ', 10, net, device))


def grad_clipping(net, theta):
    if isinstance(net, nn.Module):
        params = [p for p in net.parameters() if p.requires_grad]
    else:
        params = net.params
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter):
    state = None
    total, n = 0.0, 0
    for X, Y in train_iter:
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        else:
            if isinstance(net, nn.Module) and not isinstance(state, tuple):
                state.detach_()
            else:
                for s in state:
                    s.detach_()
        y = Y.T.reshape(-1)
        X, y = X.to(device), y.to(device)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.backward()
            grad_clipping(net, 1)
            updater.step()
        else:
            l.backward()
            grad_clipping(net, 1)
            updater(batch_size=1)
        total += l.item() * y.numel()
        n += y.numel()
    return math.exp(total / n)


loss = nn.CrossEntropyLoss()
for epoch in range(6):
    ppl = train_epoch_ch8(net, seq_data_iter_sequential(corpus, 8, 10), loss,
                          lambda batch_size: sgd(net.params, 1.0, batch_size), device, False)
    print(f'epoch {epoch}: perplexity {ppl:.3f}')
print(predict_ch8('time traveller ', 10, net, device))
net = RNNModelScratch(vocab_size, num_hiddens, device, get_params, init_rnn_state, rnn)
ppl = train_epoch_ch8(net, seq_data_iter_random(corpus, 8, 10), loss,
                      lambda batch_size: sgd(net.params, 1.0, batch_size), device, True)
print(f'random iter: perplexity {ppl:.3f}')


class RNNModel(nn.Module):
    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        if not self.rnn.bidirectional:
            self.num_directions = 1
            self.linear = nn.Linear(self.num_hiddens, self.vocab_size)
        else:
            self.num_directions = 2
            self.linear = nn.Linear(self.num_hiddens * 2, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size)
        X = X.to(torch.float32)
        Y, state = self.rnn(X, state)
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, device, batch_size=1):
        if not isinstance(self.rnn, nn.LSTM):
            return torch.zeros((self.num_directions * self.rnn.num_layers, batch_size,
                                self.num_hiddens), device=device)
        else:
            return (torch.zeros((self.num_directions * self.rnn.num_layers, batch_size,
                                 self.num_hiddens), device=device),
                    torch.zeros((self.num_directions * self.rnn.num_layers, batch_size,
                                 self.num_hiddens), device=device))


rnn_layer = nn.RNN(vocab_size, num_hiddens)
state = torch.zeros((1, 4, num_hiddens))
X = torch.rand(size=(10, 4, vocab_size))
Y, state_new = rnn_layer(X, state)
print(Y.shape, state_new.shape)
net = RNNModel(rnn_layer, vocab_size=vocab_size)
updater = torch.optim.SGD(net.parameters(), 1.0)
for epoch in range(4):
    ppl = train_epoch_ch8(net, seq_data_iter_sequential(corpus, 8, 10), loss, updater, device,
                          False)
    print(f'concise epoch {epoch}: perplexity {ppl:.3f}')
print(predict_ch8('time traveller ', 10, net, device))
