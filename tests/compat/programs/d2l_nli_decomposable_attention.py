"""Dive into Deep Learning's natural language inference with decomposable attention on a toy
premise/hypothesis set: the mlp(num_inputs, num_hiddens, flatten) helper with Dropout/Flatten,
Attend (e_ij = bmm(f_A, f_B.permute(0, 2, 1)), beta/alpha by F.softmax over either axis),
Compare (torch.cat([A, beta], dim=2)), Aggregate (sum over tokens, linear to three classes),
DecomposableAttention tying it together, training with Adam and a predict_snli helper returning
'entailment'/'contradiction'/'neutral'."""
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


def mlp(num_inputs, num_hiddens, flatten):
    net = []
    net.append(nn.Dropout(0.2))
    net.append(nn.Linear(num_inputs, num_hiddens))
    net.append(nn.ReLU())
    if flatten:
        net.append(nn.Flatten(start_dim=1))
    net.append(nn.Dropout(0.2))
    net.append(nn.Linear(num_hiddens, num_hiddens))
    net.append(nn.ReLU())
    if flatten:
        net.append(nn.Flatten(start_dim=1))
    return nn.Sequential(*net)


class Attend(nn.Module):
    def __init__(self, num_inputs, num_hiddens, **kwargs):
        super(Attend, self).__init__(**kwargs)
        self.f = mlp(num_inputs, num_hiddens, flatten=False)

    def forward(self, A, B):
        f_A = self.f(A)
        f_B = self.f(B)
        e = torch.bmm(f_A, f_B.permute(0, 2, 1))
        beta = torch.bmm(F.softmax(e, dim=-1), B)
        alpha = torch.bmm(F.softmax(e.permute(0, 2, 1), dim=-1), A)
        return beta, alpha


class Compare(nn.Module):
    def __init__(self, num_inputs, num_hiddens, **kwargs):
        super(Compare, self).__init__(**kwargs)
        self.g = mlp(num_inputs, num_hiddens, flatten=False)

    def forward(self, A, B, beta, alpha):
        V_A = self.g(torch.cat([A, beta], dim=2))
        V_B = self.g(torch.cat([B, alpha], dim=2))
        return V_A, V_B


class Aggregate(nn.Module):
    def __init__(self, num_inputs, num_hiddens, num_outputs, **kwargs):
        super(Aggregate, self).__init__(**kwargs)
        self.h = mlp(num_inputs, num_hiddens, flatten=True)
        self.linear = nn.Linear(num_hiddens, num_outputs)

    def forward(self, V_A, V_B):
        V_A = V_A.sum(dim=1)
        V_B = V_B.sum(dim=1)
        Y_hat = self.linear(self.h(torch.cat([V_A, V_B], dim=1)))
        return Y_hat


class DecomposableAttention(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_inputs_attend=16,
                 num_inputs_compare=32, num_inputs_agg=64, **kwargs):
        super(DecomposableAttention, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.attend = Attend(num_inputs_attend, num_hiddens)
        self.compare = Compare(num_inputs_compare, num_hiddens)
        self.aggregate = Aggregate(num_inputs_agg, num_hiddens, num_outputs=3)

    def forward(self, X):
        premises, hypotheses = X
        A = self.embedding(premises)
        B = self.embedding(hypotheses)
        beta, alpha = self.attend(A, B)
        V_A, V_B = self.compare(A, B, beta, alpha)
        Y_hat = self.aggregate(V_A, V_B)
        return Y_hat


words = ['<pad>', 'a', 'man', 'woman', 'is', 'not', 'sleeping', 'running', 'outside', 'person',
         'dog', 'cat', 'eating']
vocab = {w: i for i, w in enumerate(words)}
subjects, verbs = ['man', 'woman', 'dog', 'cat'], ['sleeping', 'running', 'eating']
premises, hypotheses, labels = [], [], []
for s in subjects:
    for v in verbs:
        for v2 in verbs:
            premises.append(['a', s, 'is', v])
            if v2 == v:
                hypotheses.append(['a', s, 'is', v])
                labels.append(0)
            else:
                hypotheses.append(['a', s, 'is', 'not', v])
                labels.append(1)
        premises.append(['a', s, 'is', v])
        hypotheses.append(['a', s, 'is', v, 'outside'])
        labels.append(2)


def encode(sents, n=5):
    return torch.tensor([[vocab[w] for w in s] + [0] * (n - len(s)) for s in sents])


P, H, Y = encode(premises), encode(hypotheses), torch.tensor(labels)
print(P.shape, H.shape, Y.bincount())
net = DecomposableAttention(len(vocab), 16, 32)
print(net.attend.f, sum(p.numel() for p in net.parameters()))
trainer = torch.optim.Adam(net.parameters(), lr=0.005)
loss = nn.CrossEntropyLoss(reduction="none")
for epoch in range(15):
    net.train()
    perm = torch.randperm(len(Y))
    for i in range(0, len(Y), 12):
        idx = perm[i:i + 12]
        l = loss(net([P[idx], H[idx]]), Y[idx])
        trainer.zero_grad()
        l.sum().backward()
        trainer.step()
    if epoch % 5 == 4:
        net.eval()
        with torch.no_grad():
            acc = (net([P, H]).argmax(1) == Y).float().mean().item()
        print(f'epoch {epoch + 1}: loss {l.mean().item():.4f}, acc {acc:.3f}')


def predict_snli(net, premise, hypothesis):
    net.eval()
    premise = torch.tensor([vocab[w] for w in premise], device='cpu')
    hypothesis = torch.tensor([vocab[w] for w in hypothesis], device='cpu')
    label = torch.argmax(net([premise.reshape((1, -1)), hypothesis.reshape((1, -1))]), dim=1)
    return 'entailment' if label == 0 else 'contradiction' if label == 1 else 'neutral'


print(predict_snli(net, ['a', 'dog', 'is', 'running'], ['a', 'dog', 'is', 'not', 'running']))
print(predict_snli(net, ['a', 'cat', 'is', 'eating'], ['a', 'cat', 'is', 'eating']))
with torch.no_grad():
    A = net.embedding(P[:2])
    B = net.embedding(H[:2])
    beta, alpha = net.attend(A, B)
print(beta.shape, alpha.shape)
