"""CS224n-style homework: word-vector analogies by cosine similarity (most_similar with
F.normalize and topk, "king - man + woman"), co-occurrence counts reduced with torch.svd_lowrank
and torch.linalg.svd (TruncatedSVD-style), the arc-standard PartialParse (SHIFT/LA/RA) with
minibatch_parse, and the ParserModel feed-forward network: an embedding lookup flattened with
view, a hidden layer with xavier_uniform_ init, dropout, uniform_ embeddings, Adam with
CrossEntropyLoss trained on oracle transitions, and UAS computed over predicted dependencies."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
vocab = ['king', 'queen', 'man', 'woman', 'prince', 'princess', 'boy', 'girl', 'apple', 'pear']
royal = torch.tensor([1., 1, 0, 0, 1, 1, 0, 0, 0, 0])
female = torch.tensor([0., 1, 0, 1, 0, 1, 0, 1, 0, 0])
young = torch.tensor([0., 0, 0, 0, 1, 1, 1, 1, 0, 0])
fruit = torch.tensor([0., 0, 0, 0, 0, 0, 0, 0, 1, 1])
vectors = torch.stack([royal, female, young, fruit], 1) + 0.05 * torch.randn(10, 4)
w2i = {w: i for i, w in enumerate(vocab)}


def most_similar(positive, negative, topn=3):
    normed = F.normalize(vectors, dim=1)
    query = sum(normed[w2i[w]] for w in positive) - sum(normed[w2i[w]] for w in negative)
    sims = normed @ F.normalize(query, dim=0)
    for w in positive + negative:
        sims[w2i[w]] = -float('inf')
    values, idx = sims.topk(topn)
    return [(vocab[i], round(v, 4)) for i, v in zip(idx.tolist(), values.tolist())]


print(most_similar(['king', 'woman'], ['man']))
print(most_similar(['princess', 'boy'], ['girl']))
print(F.cosine_similarity(vectors[w2i['apple']], vectors[w2i['pear']], dim=0).item() > 0.9)

corpus = [['<START>', 'all', 'that', 'glitters', 'is', "isn't", 'gold', '<END>'],
          ['<START>', "all's", 'well', 'that', 'ends', 'well', '<END>']]
words = sorted({w for s in corpus for w in s})
M = torch.zeros(len(words), len(words))
index = {w: i for i, w in enumerate(words)}
for sent in corpus:
    for i, w in enumerate(sent):
        for j in range(max(0, i - 1), min(len(sent), i + 2)):
            if j != i:
                M[index[w], index[sent[j]]] += 1
print(words, M.sum().item(), torch.equal(M, M.T))
U, S, Vh = torch.linalg.svd(M)
reduced = U[:, :2] * S[:2]
print(S[:3], reduced.shape)
U2, S2, V2 = torch.svd_lowrank(M, q=4, niter=4)
print((U2.shape, S2.shape, V2.shape))
reduced = reduced / reduced.norm(dim=1, keepdim=True)
print(reduced.norm(dim=1)[:3])


class PartialParse(object):
    def __init__(self, sentence):
        self.sentence = sentence
        self.stack = ['ROOT']
        self.buffer = list(sentence)
        self.dependencies = []

    def parse_step(self, transition):
        if transition == 'S':
            self.stack.append(self.buffer.pop(0))
        elif transition == 'LA':
            dep = self.stack.pop(-2)
            self.dependencies.append((self.stack[-1], dep))
        elif transition == 'RA':
            dep = self.stack.pop()
            self.dependencies.append((self.stack[-1], dep))

    def parse(self, transitions):
        for transition in transitions:
            self.parse_step(transition)
        return self.dependencies


def minibatch_parse(sentences, model, batch_size):
    partial_parses = [PartialParse(s) for s in sentences]
    unfinished = partial_parses[:]
    while unfinished:
        batch = unfinished[:batch_size]
        transitions = model.predict(batch)
        for parse, t in zip(batch, transitions):
            parse.parse_step(t)
        unfinished = [p for p in unfinished if not (len(p.buffer) == 0 and len(p.stack) == 1)]
    return [p.dependencies for p in partial_parses]


print(PartialParse(['parse', 'this', 'sentence']).parse(['S', 'S', 'S', 'LA', 'RA', 'RA']))

tags = {'ROOT': 0, 'the': 1, 'cat': 2, 'sat': 3, 'dog': 4, 'ran': 5, 'a': 6, 'bird': 7, 'sang': 8,
        '<NULL>': 9}
gold = {}
for det, noun, verb in [('the', 'cat', 'sat'), ('a', 'dog', 'ran'), ('the', 'bird', 'sang'),
                        ('a', 'cat', 'ran'), ('the', 'dog', 'sang'), ('a', 'bird', 'sat')]:
    gold[(det, noun, verb)] = ['S', 'S', 'LA', 'S', 'LA', 'RA']


def features(parse):
    s = parse.stack[-2:] if len(parse.stack) >= 2 else ['<NULL>'] + parse.stack[-1:]
    b = (parse.buffer[:1] + ['<NULL>'])[:1]
    return [tags[w] for w in s + b]


class ParserModel(nn.Module):
    def __init__(self, n_tokens, n_features=3, embed_size=8, hidden_size=32, n_classes=3,
                 dropout_prob=0.5):
        super(ParserModel, self).__init__()
        self.n_features = n_features
        self.embed_size = embed_size
        self.embeddings = nn.Parameter(torch.empty(n_tokens, embed_size).uniform_(-0.1, 0.1))
        self.embed_to_hidden_weight = nn.Parameter(torch.empty(n_features * embed_size, hidden_size))
        nn.init.xavier_uniform_(self.embed_to_hidden_weight)
        self.embed_to_hidden_bias = nn.Parameter(torch.empty(hidden_size).uniform_())
        self.dropout = nn.Dropout(dropout_prob)
        self.hidden_to_logits_weight = nn.Parameter(torch.empty(hidden_size, n_classes))
        nn.init.xavier_uniform_(self.hidden_to_logits_weight)
        self.hidden_to_logits_bias = nn.Parameter(torch.empty(n_classes).uniform_())

    def embedding_lookup(self, w):
        x = torch.index_select(self.embeddings, 0, w.view(-1))
        return x.view(w.shape[0], self.n_features * self.embed_size)

    def forward(self, w):
        x = self.embedding_lookup(w)
        h = F.relu(torch.matmul(x, self.embed_to_hidden_weight) + self.embed_to_hidden_bias)
        return torch.matmul(self.dropout(h), self.hidden_to_logits_weight) + self.hidden_to_logits_bias

    def predict(self, parses):
        with torch.no_grad():
            logits = self(torch.tensor([features(p) for p in parses]))
        names = ['S', 'LA', 'RA']
        out = []
        for p, row in zip(parses, logits):
            if len(p.buffer) == 0:
                row[0] = -1e9
            if len(p.stack) < 3:
                row[1] = -1e9
            if len(p.stack) < 2:
                row[2] = -1e9
            out.append(names[int(row.argmax())])
        return out


X, Y = [], []
for sent, trans in gold.items():
    p = PartialParse(list(sent))
    for t in trans:
        X.append(features(p))
        Y.append(['S', 'LA', 'RA'].index(t))
        p.parse_step(t)
X, Y = torch.tensor(X), torch.tensor(Y)
model = ParserModel(len(tags))
print(model.embedding_lookup(X[:2]).shape, X.shape, Y.bincount())
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_func = nn.CrossEntropyLoss()
for epoch in range(30):
    model.train()
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 12):
        idx = perm[i:i + 12]
        optimizer.zero_grad()
        loss = loss_func(model(X[idx]), Y[idx])
        loss.backward()
        optimizer.step()
    if epoch % 10 == 9:
        print(f'epoch {epoch + 1} loss {loss.item():.4f}')
model.eval()
sentences = [list(s) for s in gold]
deps = minibatch_parse(sentences, model, batch_size=4)
correct = total = 0
for sent, d in zip(sentences, deps):
    ref = PartialParse(sent).parse(gold[tuple(sent)])
    correct += len(set(d) & set(ref))
    total += len(ref)
print('UAS:', correct / total, deps[0])
