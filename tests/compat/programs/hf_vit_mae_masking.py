"""MAE-style (masked autoencoder) ViT code as the Hugging Face / reference implementation
writes it: patchify with unfold/reshape/einsum, random masking by argsort of uniform noise with
ids_restore and torch.gather, a CLS token expanded per batch, fixed 2-D sin-cos position
embeddings registered as a non-trainable buffer, mask tokens scattered back with gather, a
normalised-pixel loss only on masked patches, and an unpatchify check."""
import torch
import torch.nn as nn

torch.manual_seed(0)
B, C, H, P, D = 4, 3, 16, 4, 32
N = (H // P) ** 2


def sincos_2d(dim, grid):
    gh, gw = torch.meshgrid(torch.arange(grid, dtype=torch.float32),
                            torch.arange(grid, dtype=torch.float32), indexing="xy")
    omega = 1.0 / 10000 ** (torch.arange(dim // 4, dtype=torch.float32) / (dim / 4))

    def one(pos):
        out = torch.einsum("m,d->md", pos.reshape(-1), omega)
        return torch.cat([out.sin(), out.cos()], dim=1)

    emb = torch.cat([one(gh), one(gw)], dim=1)
    return torch.cat([torch.zeros(1, dim), emb], dim=0).unsqueeze(0)


def patchify(imgs):
    h = w = imgs.shape[2] // P
    x = imgs.reshape(imgs.shape[0], C, h, P, w, P)
    x = torch.einsum("nchpwq->nhwpqc", x)
    return x.reshape(imgs.shape[0], h * w, P * P * C)


def unpatchify(x):
    h = w = int(x.shape[1] ** 0.5)
    x = x.reshape(x.shape[0], h, w, P, P, C)
    x = torch.einsum("nhwpqc->nchpwq", x)
    return x.reshape(x.shape[0], C, h * P, w * P)


class MAE(nn.Module):
    def __init__(self, mask_ratio=0.75):
        super().__init__()
        self.mask_ratio = mask_ratio
        self.patch_embed = nn.Conv2d(C, D, P, stride=P)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, D))
        self.register_buffer("pos_embed", sincos_2d(D, H // P))
        layer = nn.TransformerEncoderLayer(D, 4, 64, dropout=0.0, batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.decoder = nn.Sequential(nn.Linear(D, D), nn.GELU(), nn.Linear(D, P * P * C))
        torch.nn.init.normal_(self.cls_token, std=0.02)
        torch.nn.init.normal_(self.mask_token, std=0.02)

    def random_masking(self, x):
        n, length, d = x.shape
        keep = int(length * (1 - self.mask_ratio))
        noise = torch.rand(n, length)
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :keep]
        x_masked = torch.gather(x, 1, ids_keep.unsqueeze(-1).repeat(1, 1, d))
        mask = torch.ones(n, length)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return x_masked, mask, ids_restore

    def forward(self, imgs):
        x = self.patch_embed(imgs).flatten(2).transpose(1, 2) + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.random_masking(x)
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = self.encoder(torch.cat([cls, x], dim=1))
        mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
        pred = self.decoder(x_ + self.pos_embed[:, 1:, :])
        target = patchify(imgs)
        mean, var = target.mean(-1, keepdim=True), target.var(-1, keepdim=True)
        target = (target - mean) / (var + 1e-6) ** 0.5
        loss = ((pred - target) ** 2).mean(-1)
        return (loss * mask).sum() / mask.sum(), pred, mask


imgs = torch.rand(B, C, H, H)
print("patchify", tuple(patchify(imgs).shape), "round trip",
      torch.equal(unpatchify(patchify(imgs)), imgs))
model = MAE()
print("buffers", [n for n, _ in model.named_buffers()], "trainable pos",
      any("pos_embed" in n for n, _ in model.named_parameters()))
print("pos embed", tuple(model.pos_embed.shape), "norm %.4f" % model.pos_embed.norm().item())
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.05)
for step in range(10):
    loss, pred, mask = model(imgs)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"step {step} loss {loss.item():.5f} masked {int(mask.sum().item())}")
print("mask per image", mask.sum(1).tolist(), "pred", tuple(pred.shape))
