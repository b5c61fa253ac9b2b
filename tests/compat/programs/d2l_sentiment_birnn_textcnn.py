"""Dive into Deep Learning's sentiment analysis chapter on a tiny synthetic review set: tokenise,
build a vocab with min_freq and <pad>, truncate_pad to num_steps, a BiRNN (Embedding, two-layer
bidirectional nn.LSTM, torch.cat((outputs[0], outputs[-1]), dim=1), Linear(4 * hidden, 2)) with
the book's init_weights walking m._flat_weights_names, loading "pretrained" vectors into
net.embedding.weight.data.copy_ and freezing with requires_grad = False; then TextCNN
(two embeddings, one frozen; nn.AdaptiveAvgPool1d(1); Conv1d per kernel size; torch.cat of
squeezed pools; Dropout), both trained with Adam and CrossEntropyLoss(reduction='none'), and
predict_sentiment on new text."""
import collections

import torch
from torch import nn

torch.manual_seed(0)
pos_words = ['great', 'good', 'wonderful', 'love', 'fun', 'best', 'enjoyed']
neg_words = ['bad', 'awful', 'boring', 'hate', 'worst', 'dull', 'poor']
filler = ['the', 'movie', 'was', 'a', 'and', 'i', 'it', 'plot', 'actors', 'this']
g = torch.Generator().manual_seed(1)


def make_review(label):
    words = pos_words if label else neg_words
    n = int(torch.randint(5, 12, (1,), generator=g))
    toks = []
    for _ in range(n):
        if torch.rand(1, generator=g).item() < 0.35:
            toks.append(words[int(torch.randint(0, len(words), (1,), generator=g))])
        else:
            toks.append(filler[int(torch.randint(0, len(filler), (1,), generator=g))])
    return ' '.join(toks)


labels = [i % 2 for i in range(80)]
reviews = [make_review(lab) for lab in labels]
print(reviews[0], '|', reviews[1])
tokens = [r.split() for r in reviews]
counter = collections.Counter(t for line in tokens for t in line)
idx_to_token = ['<unk>', '<pad>'] + sorted(t for t, c in counter.items() if c >= 2)
token_to_idx = {t: i for i, t in enumerate(idx_to_token)}
num_steps = 10


def truncate_pad(line, num_steps, padding_token):
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))


features = torch.tensor([truncate_pad([token_to_idx.get(t, 0) for t in line], num_steps,
                                      token_to_idx['<pad>']) for line in tokens])
y = torch.tensor(labels)
print(features.shape, len(idx_to_token), features[0])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(features[:64], y[:64]),
                                         batch_size=16, shuffle=True)


class BiRNN(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, **kwargs):
        super(BiRNN, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.encoder = nn.LSTM(embed_size, num_hiddens, num_layers=num_layers, bidirectional=True)
        self.decoder = nn.Linear(4 * num_hiddens, 2)

    def forward(self, inputs):
        embeddings = self.embedding(inputs.T)
        self.encoder.flatten_parameters()
        outputs, _ = self.encoder(embeddings)
        encoding = torch.cat((outputs[0], outputs[-1]), dim=1)
        outs = self.decoder(encoding)
        return outs


def init_weights(module):
    if type(module) == nn.Linear:  # noqa: E721 (as the book writes it)
        nn.init.xavier_uniform_(module.weight)
    if type(module) == nn.LSTM:  # noqa: E721 (as the book writes it)
        for param in module._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(module._parameters[param])


embed_size, num_hiddens, num_layers = 12, 16, 2
net = BiRNN(len(idx_to_token), embed_size, num_hiddens, num_layers)
net.apply(init_weights)
glove_like = torch.randn(len(idx_to_token), embed_size) * 0.5
net.embedding.weight.data.copy_(glove_like)
net.embedding.weight.requires_grad = False
print(sum(p.numel() for p in net.parameters() if p.requires_grad), net.encoder)


def accuracy(y_hat, y):
    return float((y_hat.argmax(axis=1).type(y.dtype) == y).type(y.dtype).sum())


def train(net, lr, num_epochs):
    trainer = torch.optim.Adam((p for p in net.parameters() if p.requires_grad), lr=lr)
    loss = nn.CrossEntropyLoss(reduction="none")
    for epoch in range(num_epochs):
        net.train()
        total_l, total_acc, n = 0.0, 0.0, 0
        for X, Y in train_iter:
            trainer.zero_grad()
            pred = net(X)
            l = loss(pred, Y)
            l.sum().backward()
            trainer.step()
            total_l += l.sum().item()
            total_acc += accuracy(pred, Y)
            n += Y.numel()
        net.eval()
        with torch.no_grad():
            test_acc = accuracy(net(features[64:]), y[64:]) / 16
        print(f'epoch {epoch + 1}: loss {total_l / n:.3f}, train acc {total_acc / n:.3f}, '
              f'test acc {test_acc:.3f}')


train(net, 0.01, 4)
print(torch.equal(net.embedding.weight, glove_like), net.embedding.weight.grad)


def predict_sentiment(net, sequence):
    sequence = torch.tensor([token_to_idx.get(t, 0) for t in sequence.split()])
    label = torch.argmax(net(sequence.reshape(1, -1)), dim=1)
    return 'positive' if label == 1 else 'negative'


print(predict_sentiment(net, 'this movie is so great'), predict_sentiment(net, 'this movie is so bad'))


class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, **kwargs):
        super(TextCNN, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.constant_embedding = nn.Embedding(vocab_size, embed_size)
        self.dropout = nn.Dropout(0.5)
        self.decoder = nn.Linear(sum(num_channels), 2)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.relu = nn.ReLU()
        self.convs = nn.ModuleList()
        for c, k in zip(num_channels, kernel_sizes):
            self.convs.append(nn.Conv1d(2 * embed_size, c, k))

    def forward(self, inputs):
        embeddings = torch.cat((self.embedding(inputs), self.constant_embedding(inputs)), dim=2)
        embeddings = embeddings.permute(0, 2, 1)
        encoding = torch.cat([torch.squeeze(self.relu(self.pool(conv(embeddings))), dim=-1)
                              for conv in self.convs], dim=1)
        outputs = self.decoder(self.dropout(encoding))
        return outputs


def init_cnn_weights(module):
    if type(module) in (nn.Linear, nn.Conv1d):
        nn.init.xavier_uniform_(module.weight)


net = TextCNN(len(idx_to_token), embed_size, [3, 4, 5], [8, 8, 8])
net.apply(init_cnn_weights)
net.embedding.weight.data.copy_(glove_like)
net.constant_embedding.weight.data.copy_(glove_like)
net.constant_embedding.weight.requires_grad = False
train(net, 0.01, 4)
print(predict_sentiment(net, 'this movie is so great'), predict_sentiment(net, 'this movie is so bad'))
print(net.convs[1], net.pool)
