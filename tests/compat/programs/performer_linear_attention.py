"""Linear-complexity attention as the Performer and "Transformers are RNNs" papers' code write
it: positive orthogonal random features (a Gaussian block orthogonalised with torch.linalg.qr,
rows rescaled by chi-distributed norms), the softmax-kernel feature map exp(w.x - |x|^2/2 - max),
the non-causal form through einsum ('...nd,...ne->...de'), the causal form by prefix sums
(torch.cumsum over outer products), elu(x)+1 features, and the approximation error against exact
softmax attention; then a small sequence model trained with the linear attention."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def orthogonal_matrix_chunk(cols):
    unstructured_block = torch.randn((cols, cols))
    q, r = torch.linalg.qr(unstructured_block, mode="reduced")
    return q.t()


def gaussian_orthogonal_random_matrix(nb_rows, nb_columns, scaling=0):
    nb_full_blocks = int(nb_rows / nb_columns)
    block_list = [orthogonal_matrix_chunk(nb_columns) for _ in range(nb_full_blocks)]
    remaining_rows = nb_rows - nb_full_blocks * nb_columns
    if remaining_rows > 0:
        block_list.append(orthogonal_matrix_chunk(nb_columns)[:remaining_rows])
    final_matrix = torch.cat(block_list)
    if scaling == 0:
        multiplier = torch.randn((nb_rows, nb_columns)).norm(dim=1)
    else:
        multiplier = math.sqrt(float(nb_columns)) * torch.ones((nb_rows,))
    return torch.diag(multiplier) @ final_matrix


def softmax_kernel(data, projection_matrix, is_query, eps=1e-4):
    d = data.shape[-1]
    data_normalizer = d ** -0.25
    ratio = projection_matrix.shape[0] ** -0.5
    data_dash = torch.einsum("...id,jd->...ij", data_normalizer * data, projection_matrix)
    diag_data = (data ** 2).sum(dim=-1) / 2.0 * data_normalizer ** 2
    diag_data = diag_data.unsqueeze(-1)
    if is_query:
        data_dash = ratio * (torch.exp(data_dash - diag_data
                                       - torch.amax(data_dash, dim=-1, keepdim=True).detach()) + eps)
    else:
        data_dash = ratio * (torch.exp(data_dash - diag_data
                                       - torch.amax(data_dash, dim=(-1, -2), keepdim=True).detach()) + eps)
    return data_dash


def linear_attention(q, k, v):
    k_cumsum = k.sum(dim=-2)
    D_inv = 1.0 / torch.einsum("...nd,...d->...n", q, k_cumsum.type_as(q))
    context = torch.einsum("...nd,...ne->...de", k, v)
    return torch.einsum("...de,...nd,...n->...ne", context, q, D_inv)


def causal_linear_attention(q, k, v, eps=1e-6):
    kv = torch.einsum("...nd,...ne->...nde", k, v).cumsum(dim=-3)
    k_cum = k.cumsum(dim=-2)
    num = torch.einsum("...nd,...nde->...ne", q, kv)
    den = torch.einsum("...nd,...nd->...n", q, k_cum).unsqueeze(-1)
    return num / (den + eps)


B, H, L, D = 2, 2, 64, 16
q, k, v = torch.randn(B, H, L, D) * 0.5, torch.randn(B, H, L, D) * 0.5, torch.randn(B, H, L, D)
exact = F.scaled_dot_product_attention(q, k, v)
for m in (16, 64, 256):
    proj = gaussian_orthogonal_random_matrix(m, D)
    approx = linear_attention(softmax_kernel(q, proj, True), softmax_kernel(k, proj, False), v)
    err = (approx - exact).norm() / exact.norm()
    print(f"features {m:3d} relative error {err.item():.4f}")
W = orthogonal_matrix_chunk(D)
print("orthogonal block", torch.allclose(W @ W.T, torch.eye(D), atol=1e-5))

# causal form against an explicit masked computation with the same feature map
phi = lambda x: F.elu(x) + 1  # noqa: E731
qf, kf = phi(q), phi(k)
causal = causal_linear_attention(qf, kf, v)
scores = qf @ kf.transpose(-1, -2)
scores = scores.masked_fill(torch.triu(torch.ones(L, L, dtype=torch.bool), 1), 0.0)
ref = (scores @ v) / scores.sum(-1, keepdim=True)
print("causal prefix-sum == masked", torch.allclose(causal, ref, rtol=1e-4, atol=1e-5))


class LinearAttentionLM(nn.Module):
    def __init__(self, vocab=16, d=32, heads=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, 32, d) * 0.02)
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 64), nn.GELU(), nn.Linear(64, d))
        self.head = nn.Linear(d, vocab)
        self.h = heads

    def forward(self, x):
        b, n = x.shape
        h = self.emb(x) + self.pos[:, :n]
        qkv = self.qkv(self.ln1(h)).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n, self.h, -1).transpose(1, 2) for t in qkv)
        a = causal_linear_attention(phi(q), phi(k), v)
        h = h + self.out(a.transpose(1, 2).reshape(b, n, -1))
        h = h + self.ff(self.ln2(h))
        return self.head(h)


torch.manual_seed(1)
model = LinearAttentionLM()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(80):
    # sequences that count up mod 16 from a random start: next token = current + 1
    start = torch.randint(0, 16, (16, 1))
    seq = (start + torch.arange(17)) % 16
    logits = model(seq[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, 16), seq[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 0:
        print(f"step {step} loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    seq = torch.tensor([[3, 4, 5, 6]])
    for _ in range(6):
        nxt = model(seq)[:, -1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt], 1)
print("generated", seq.tolist())
