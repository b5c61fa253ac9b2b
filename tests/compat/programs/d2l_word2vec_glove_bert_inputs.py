"""Dive into Deep Learning's NLP pretraining chapters: subsampling with math.sqrt(1e-4 / freq)
decided by random.uniform, get_centers_and_contexts with random window sizes, negative sampling
through a RandomGenerator over random.choices with weights, batchify padding with masks and labels
and a custom collate_fn in a DataLoader, the skip-gram forward with torch.bmm(v, u.permute(0, 2, 1)),
SigmoidBCELoss wrapping binary_cross_entropy_with_logits(weight=mask, reduction='none'), cosine
similarity nearest words; a GloVe-style weighted least-squares step with log co-occurrences;
and BERT's get_tokens_and_segments and BERTEncoder inputs (token + segment + learned position
embeddings) with MaskLM's `X[batch_idx, pred_positions]` gather and NextSentencePred."""
import collections
import math
import random

import torch
from torch import nn

random.seed(0)
torch.manual_seed(0)
words = ('the cat sat on the mat the dog sat on the log a cat and a dog are friends the mat '
         'is red the log is brown cats and dogs like mats and logs').split()
sentences = [words[i:i + 8] for i in range(0, len(words), 8)] * 6
counter = collections.Counter([tk for line in sentences for tk in line])
idx_to_token = ['<unk>'] + sorted(counter, key=lambda t: (-counter[t], t))
token_to_idx = {t: i for i, t in enumerate(idx_to_token)}
num_tokens = sum(counter.values())


def keep(token):
    return random.uniform(0, 1) < math.sqrt(1e-1 / counter[token] * num_tokens)


subsampled = [[token for token in line if keep(token)] for line in sentences]
print(sum(len(s) for s in sentences), sum(len(s) for s in subsampled))
corpus = [[token_to_idx[t] for t in line] for line in subsampled]


def get_centers_and_contexts(corpus, max_window_size):
    centers, contexts = [], []
    for line in corpus:
        if len(line) < 2:
            continue
        centers += line
        for i in range(len(line)):
            window_size = random.randint(1, max_window_size)
            indices = list(range(max(0, i - window_size), min(len(line), i + 1 + window_size)))
            indices.remove(i)
            contexts.append([line[idx] for idx in indices])
    return centers, contexts


all_centers, all_contexts = get_centers_and_contexts(corpus, 2)
print(f'# center-context pairs: {sum([len(contexts) for contexts in all_contexts])}')


class RandomGenerator:
    def __init__(self, sampling_weights):
        self.population = list(range(1, len(sampling_weights) + 1))
        self.sampling_weights = sampling_weights
        self.candidates = []
        self.i = 0

    def draw(self):
        if self.i == len(self.candidates):
            self.candidates = random.choices(self.population, self.sampling_weights, k=10000)
            self.i = 0
        self.i += 1
        return self.candidates[self.i - 1]


def get_negatives(all_contexts, K):
    sampling_weights = [counter[idx_to_token[i]]**0.75 for i in range(1, len(idx_to_token))]
    all_negatives, generator = [], RandomGenerator(sampling_weights)
    for contexts in all_contexts:
        negatives = []
        while len(negatives) < len(contexts) * K:
            neg = generator.draw()
            if neg not in contexts:
                negatives.append(neg)
        all_negatives.append(negatives)
    return all_negatives


all_negatives = get_negatives(all_contexts, 3)


def batchify(data):
    max_len = max(len(c) + len(n) for _, c, n in data)
    centers, contexts_negatives, masks, labels = [], [], [], []
    for center, context, negative in data:
        cur_len = len(context) + len(negative)
        centers += [center]
        contexts_negatives += [context + negative + [0] * (max_len - cur_len)]
        masks += [[1] * cur_len + [0] * (max_len - cur_len)]
        labels += [[1] * len(context) + [0] * (max_len - len(context))]
    return (torch.tensor(centers).reshape((-1, 1)), torch.tensor(contexts_negatives),
            torch.tensor(masks), torch.tensor(labels))


x_1 = (1, [2, 2], [3, 3, 3, 3])
x_2 = (1, [2, 2, 2], [3, 3])
batch = batchify((x_1, x_2))
names = ['centers', 'contexts_negatives', 'masks', 'labels']
for name, data in zip(names, batch):
    print(name, '=', data)


class PTBDataset(torch.utils.data.Dataset):
    def __init__(self, centers, contexts, negatives):
        assert len(centers) == len(contexts) == len(negatives)
        self.centers = centers
        self.contexts = contexts
        self.negatives = negatives

    def __getitem__(self, index):
        return (self.centers[index], self.contexts[index], self.negatives[index])

    def __len__(self):
        return len(self.centers)


dataset = PTBDataset(all_centers, all_contexts, all_negatives)
data_iter = torch.utils.data.DataLoader(dataset, 32, shuffle=True, collate_fn=batchify)
vocab_size = len(idx_to_token)


def skip_gram(center, contexts_and_negatives, embed_v, embed_u):
    v = embed_v(center)
    u = embed_u(contexts_and_negatives)
    pred = torch.bmm(v, u.permute(0, 2, 1))
    return pred


embed = nn.Embedding(num_embeddings=20, embedding_dim=4)
print(f'Parameter embedding_weight ({embed.weight.shape}, dtype={embed.weight.dtype})')
print(skip_gram(torch.ones((2, 1), dtype=torch.long), torch.ones((2, 4), dtype=torch.long),
                embed, embed).shape)


class SigmoidBCELoss(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, inputs, target, mask=None):
        out = nn.functional.binary_cross_entropy_with_logits(
            inputs, target, weight=mask, reduction="none")
        return out.mean(dim=1)


loss = SigmoidBCELoss()
pred = torch.tensor([[1.1, -2.2, 3.3, -4.4]] * 2)
label = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
print(loss(pred, label, mask) * mask.shape[1] / mask.sum(axis=1))


def sigmd(x):
    return -math.log(1 / (1 + math.exp(-x)))


print(f'{(sigmd(1.1) + sigmd(2.2) + sigmd(-3.3) + sigmd(4.4)) / 4:.4f}')
embed_size = 16
net = nn.Sequential(nn.Embedding(num_embeddings=vocab_size, embedding_dim=embed_size),
                    nn.Embedding(num_embeddings=vocab_size, embedding_dim=embed_size))


def init_weights(m):
    if type(m) == nn.Embedding:  # noqa: E721 (as the book writes it)
        nn.init.xavier_uniform_(m.weight)


net.apply(init_weights)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
for epoch in range(3):
    total, n = 0.0, 0
    for batch in data_iter:
        optimizer.zero_grad()
        center, context_negative, mask, label = batch
        pred = skip_gram(center, context_negative, net[0], net[1])
        l = (loss(pred.reshape(label.shape).float(), label.float(), mask)
             / mask.sum(axis=1) * mask.shape[1])
        l.sum().backward()
        optimizer.step()
        total += l.sum().item()
        n += l.numel()
    print(f'epoch {epoch + 1}, loss {total / n:.3f}')


def get_similar_tokens(query_token, k, embed):
    W = embed.weight.data
    x = W[token_to_idx[query_token]]
    cos = torch.mv(W, x) / torch.sqrt(torch.sum(W * W, dim=1) * torch.sum(x * x) + 1e-9)
    topk = torch.topk(cos, k=k + 1)[1].cpu().numpy().astype('int32')
    for i in topk[1:]:
        print(f'cosine sim={float(cos[i]):.3f}: {idx_to_token[i]}')


get_similar_tokens('cat', 3, net[0])

cooc = torch.zeros(vocab_size, vocab_size)
for line in corpus:
    for i, c in enumerate(line):
        for j in range(max(0, i - 2), min(len(line), i + 3)):
            if j != i:
                cooc[c, line[j]] += 1.0 / abs(i - j)
nz = cooc.nonzero(as_tuple=True)
x_ij = cooc[nz]
weight = torch.where(x_ij < 10, (x_ij / 10) ** 0.75, torch.ones_like(x_ij))
V = nn.Embedding(vocab_size, 8)
U = nn.Embedding(vocab_size, 8)
bv, bu = nn.Embedding(vocab_size, 1), nn.Embedding(vocab_size, 1)
glove_opt = torch.optim.Adagrad(list(V.parameters()) + list(U.parameters()) + list(bv.parameters())
                                + list(bu.parameters()), lr=0.1)
for step in range(4):
    pred = (V(nz[0]) * U(nz[1])).sum(1) + bv(nz[0]).squeeze(1) + bu(nz[1]).squeeze(1)
    l = (weight * (pred - torch.log(x_ij)) ** 2).sum()
    glove_opt.zero_grad()
    l.backward()
    glove_opt.step()
    print(f'glove step {step}: {l.item():.4f}')


def get_tokens_and_segments(tokens_a, tokens_b=None):
    tokens = ['<cls>'] + tokens_a + ['<sep>']
    segments = [0] * (len(tokens_a) + 2)
    if tokens_b is not None:
        tokens += tokens_b + ['<sep>']
        segments += [1] * (len(tokens_b) + 1)
    return tokens, segments


print(get_tokens_and_segments(['the', 'cat'], ['sat', 'down']))


class BERTEncoder(nn.Module):
    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout,
                 max_len=1000):
        super(BERTEncoder, self).__init__()
        self.token_embedding = nn.Embedding(vocab_size, num_hiddens)
        self.segment_embedding = nn.Embedding(2, num_hiddens)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module(f"{i}", nn.TransformerEncoderLayer(
                num_hiddens, num_heads, ffn_num_hiddens, dropout, batch_first=True))
        self.pos_embedding = nn.Parameter(torch.randn(1, max_len, num_hiddens))

    def forward(self, tokens, segments, valid_lens):
        X = self.token_embedding(tokens) + self.segment_embedding(segments)
        X = X + self.pos_embedding[:, :X.shape[1], :]
        pad = torch.arange(X.shape[1])[None, :] >= valid_lens[:, None]
        for blk in self.blks:
            X = blk(X, src_key_padding_mask=pad)
        return X


class MaskLM(nn.Module):
    def __init__(self, vocab_size, num_hiddens, **kwargs):
        super(MaskLM, self).__init__(**kwargs)
        self.mlp = nn.Sequential(nn.LazyLinear(num_hiddens), nn.ReLU(), nn.LayerNorm(num_hiddens),
                                 nn.LazyLinear(vocab_size))

    def forward(self, X, pred_positions):
        num_pred_positions = pred_positions.shape[1]
        pred_positions = pred_positions.reshape(-1)
        batch_size = X.shape[0]
        batch_idx = torch.arange(0, batch_size)
        batch_idx = torch.repeat_interleave(batch_idx, num_pred_positions)
        masked_X = X[batch_idx, pred_positions]
        masked_X = masked_X.reshape((batch_size, num_pred_positions, -1))
        mlm_Y_hat = self.mlp(masked_X)
        return mlm_Y_hat


class NextSentencePred(nn.Module):
    def __init__(self, **kwargs):
        super(NextSentencePred, self).__init__(**kwargs)
        self.output = nn.LazyLinear(2)

    def forward(self, X):
        return self.output(X)


vocab_size, num_hiddens, ffn_num_hiddens, num_heads = 30, 16, 32, 2
encoder = BERTEncoder(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, 2, 0.0)
encoder.eval()
tokens = torch.randint(0, vocab_size, (2, 8))
segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1]])
encoded_X = encoder(tokens, segments, torch.tensor([8, 6]))
print(encoded_X.shape)
mlm = MaskLM(vocab_size, num_hiddens)
mlm_positions = torch.tensor([[1, 5, 2], [6, 1, 5]])
mlm_Y_hat = mlm(encoded_X, mlm_positions)
print(mlm_Y_hat.shape)
mlm_Y = torch.tensor([[7, 8, 9], [10, 20, 29]])
loss = nn.CrossEntropyLoss(reduction='none')
mlm_l = loss(mlm_Y_hat.reshape((-1, vocab_size)), mlm_Y.reshape(-1))
print(mlm_l.shape, mlm_l)
encoded_X = torch.flatten(encoded_X, start_dim=1)
nsp = NextSentencePred()
nsp_Y_hat = nsp(encoded_X)
print(nsp_Y_hat.shape, loss(nsp_Y_hat, torch.tensor([0, 1])))
