"""A VQ-VAE in the style of the reference implementations: a conv encoder, a VectorQuantizer
(codebook nn.Embedding with uniform_ init, distances by the expanded square, argmin, one-hot via
scatter_, straight-through estimator, codebook + commitment loss, perplexity), a transposed-conv
decoder, and the same trained with an EMA codebook update."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class VectorQuantizer(nn.Module):
    def __init__(self, num_embeddings, embedding_dim, commitment_cost):
        super().__init__()
        self._embedding_dim = embedding_dim
        self._num_embeddings = num_embeddings
        self._embedding = nn.Embedding(num_embeddings, embedding_dim)
        self._embedding.weight.data.uniform_(-1 / num_embeddings, 1 / num_embeddings)
        self._commitment_cost = commitment_cost

    def forward(self, inputs):
        inputs = inputs.permute(0, 2, 3, 1).contiguous()
        input_shape = inputs.shape
        flat_input = inputs.view(-1, self._embedding_dim)
        distances = (torch.sum(flat_input ** 2, dim=1, keepdim=True)
                     + torch.sum(self._embedding.weight ** 2, dim=1)
                     - 2 * torch.matmul(flat_input, self._embedding.weight.t()))
        encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
        encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings)
        encodings.scatter_(1, encoding_indices, 1)
        quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
        e_latent_loss = F.mse_loss(quantized.detach(), inputs)
        q_latent_loss = F.mse_loss(quantized, inputs.detach())
        loss = q_latent_loss + self._commitment_cost * e_latent_loss
        quantized = inputs + (quantized - inputs).detach()
        avg_probs = torch.mean(encodings, dim=0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings


class VectorQuantizerEMA(VectorQuantizer):
    def __init__(self, num_embeddings, embedding_dim, commitment_cost, decay, epsilon=1e-5):
        super().__init__(num_embeddings, embedding_dim, commitment_cost)
        self._embedding.weight.data.normal_()
        self.register_buffer("_ema_cluster_size", torch.zeros(num_embeddings))
        self._ema_w = nn.Parameter(torch.Tensor(num_embeddings, embedding_dim))
        self._ema_w.data.normal_()
        self._decay, self._epsilon = decay, epsilon

    def forward(self, inputs):
        loss, quantized, perplexity, encodings = super().forward(inputs)
        if self.training:
            flat_input = inputs.permute(0, 2, 3, 1).reshape(-1, self._embedding_dim)
            self._ema_cluster_size = (self._ema_cluster_size * self._decay
                                      + (1 - self._decay) * torch.sum(encodings, 0))
            n = torch.sum(self._ema_cluster_size.data)
            self._ema_cluster_size = ((self._ema_cluster_size + self._epsilon)
                                      / (n + self._num_embeddings * self._epsilon) * n)
            dw = torch.matmul(encodings.t(), flat_input.detach())
            self._ema_w = nn.Parameter(self._ema_w * self._decay + (1 - self._decay) * dw)
            self._embedding.weight = nn.Parameter(self._ema_w / self._ema_cluster_size.unsqueeze(1))
        return loss, quantized, perplexity, encodings


class Model(nn.Module):
    def __init__(self, vq):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 16, 4, 2, 1), nn.ReLU(),
                                     nn.Conv2d(16, 8, 3, 1, 1))
        self.vq = vq
        self.decoder = nn.Sequential(nn.Conv2d(8, 16, 3, 1, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(16, 1, 4, 2, 1))

    def forward(self, x):
        loss, q, perplexity, _ = self.vq(self.encoder(x))
        return loss, self.decoder(q), perplexity


data = torch.zeros(32, 1, 8, 8)
for i in range(32):
    r, c = i % 4, (i // 4) % 4
    data[i, 0, r:r + 4, c:c + 4] = 1.0
data = data + 0.05 * torch.randn_like(data)

for name, vq in (("vq", VectorQuantizer(16, 8, 0.25)), ("ema", VectorQuantizerEMA(16, 8, 0.25,
                                                                                0.9))):
    torch.manual_seed(1)
    model = Model(vq)
    opt = torch.optim.Adam([p for n, p in model.named_parameters() if "vq" not in n or
                            name == "vq"], lr=3e-3, amsgrad=False)
    for step in range(30):
        perm = torch.randperm(32)[:16]
        x = data[perm]
        vq_loss, recon, perplexity = model(x)
        recon_error = F.mse_loss(recon, x)
        loss = recon_error + vq_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 9:
            print(f"{name} step {step + 1} recon {recon_error.item():.5f} "
                  f"vq {vq_loss.item():.5f} perplexity {perplexity.item():.3f}")
    model.eval()
    with torch.no_grad():
        z = model.encoder(data[:2])
        _, q, _, enc = model.vq(z)
        print(name, q.shape, enc.argmax(1).view(2, -1).tolist())
    enc_grad = model.encoder[0].weight.grad
    print(name, "encoder gets gradient through the straight-through estimator:",
          enc_grad is not None and enc_grad.abs().sum().item() > 0)
