"""Neural collaborative filtering (He et al. 2017) as its PyTorch ports write it: implicit
feedback from a synthetic interaction matrix, negative sampling with a Python set per user,
GMF (element-wise product of user/item embeddings), MLP tower on concatenated embeddings,
NeuMF fusing both with a final Linear, BCEWithLogitsLoss, and leave-one-out evaluation with
HR@10 / NDCG@10 computed by torch.topk and math.log2 in a loop."""
import math
import random

import torch
import torch.nn as nn

torch.manual_seed(0)
random.seed(0)

n_users, n_items = 40, 60
user_f, item_f = torch.randn(n_users, 3), torch.randn(n_items, 3)
affinity = user_f @ item_f.T
interactions = (affinity > 1.0)
for u in range(n_users):  # everyone has at least 3 items
    if interactions[u].sum() < 3:
        interactions[u, torch.topk(affinity[u], 3).indices] = True
print("density", interactions.float().mean().item())

test_item, train_pairs = {}, []
for u in range(n_users):
    items = interactions[u].nonzero().flatten().tolist()
    test_item[u] = items[-1]
    train_pairs += [(u, i) for i in items[:-1]]
user_pos = {u: set(interactions[u].nonzero().flatten().tolist()) for u in range(n_users)}
print("train interactions", len(train_pairs))


def sample_epoch(num_neg=4):
    users, items, labels = [], [], []
    for u, i in train_pairs:
        users.append(u), items.append(i), labels.append(1.0)
        for _ in range(num_neg):
            j = random.randint(0, n_items - 1)
            while j in user_pos[u]:
                j = random.randint(0, n_items - 1)
            users.append(u), items.append(j), labels.append(0.0)
    return torch.tensor(users), torch.tensor(items), torch.tensor(labels)


class NeuMF(nn.Module):
    def __init__(self, factor_num=8, layers=(32, 16, 8), model="NeuMF"):
        super().__init__()
        self.model = model
        self.embed_user_GMF = nn.Embedding(n_users, factor_num)
        self.embed_item_GMF = nn.Embedding(n_items, factor_num)
        self.embed_user_MLP = nn.Embedding(n_users, layers[0] // 2)
        self.embed_item_MLP = nn.Embedding(n_items, layers[0] // 2)
        mlp = []
        for a, b in zip(layers[:-1], layers[1:]):
            mlp += [nn.Dropout(0.0), nn.Linear(a, b), nn.ReLU()]
        self.MLP_layers = nn.Sequential(*mlp)
        predict_size = {"GMF": factor_num, "MLP": layers[-1]}.get(model, factor_num + layers[-1])
        self.predict_layer = nn.Linear(predict_size, 1)
        for m in [self.embed_user_GMF, self.embed_item_GMF, self.embed_user_MLP, self.embed_item_MLP]:
            nn.init.normal_(m.weight, std=0.01)
        for m in self.MLP_layers:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                m.bias.data.zero_()
        nn.init.kaiming_uniform_(self.predict_layer.weight, a=1, nonlinearity="sigmoid")

    def forward(self, user, item):
        parts = []
        if self.model != "MLP":
            parts.append(self.embed_user_GMF(user) * self.embed_item_GMF(item))
        if self.model != "GMF":
            interaction = torch.cat((self.embed_user_MLP(user), self.embed_item_MLP(item)), -1)
            parts.append(self.MLP_layers(interaction))
        return self.predict_layer(torch.cat(parts, -1)).view(-1)


def evaluate(model, top_k=10):
    model.eval()
    HR, NDCG = [], []
    with torch.no_grad():
        for u in range(n_users):
            candidates = [test_item[u]] + [j for j in range(n_items) if j not in user_pos[u]][:29]
            items = torch.tensor(candidates)
            scores = model(torch.full_like(items, u), items)
            _, indices = torch.topk(scores, top_k)
            recommends = torch.take(items, indices).tolist()
            gt = test_item[u]
            if gt in recommends:
                HR.append(1)
                NDCG.append(1 / math.log2(recommends.index(gt) + 2))
            else:
                HR.append(0)
                NDCG.append(0)
    return sum(HR) / len(HR), sum(NDCG) / len(NDCG)


for kind in ("GMF", "MLP", "NeuMF"):
    torch.manual_seed(1)
    random.seed(1)
    model = NeuMF(model=kind)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_function = nn.BCEWithLogitsLoss()
    for epoch in range(4):
        model.train()
        users, items, labels = sample_epoch()
        perm = torch.randperm(len(users))
        for b in perm.split(256):
            prediction = model(users[b], items[b])
            loss = loss_function(prediction, labels[b])
            model.zero_grad()
            loss.backward()
            opt.step()
    hr, ndcg = evaluate(model)
    print(f"{kind:6s} loss {loss.item():.4f} HR@10 {hr:.3f} NDCG@10 {ndcg:.4f}")
