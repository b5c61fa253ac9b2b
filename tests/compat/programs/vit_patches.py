"""A Vision Transformer from scratch: patches with a strided Conv2d and with F.unfold (checked
equal), a class token and learned position embedding initialised with trunc_normal_,
TransformerEncoderLayer(norm_first=True, activation="gelu"), AdamW with no weight decay on
norms/biases, cosine schedule, F.fold back to an image, and a DropPath written by hand."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(17)


class DropPath(nn.Module):
    def __init__(self, p=0.1):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class ViT(nn.Module):
    def __init__(self, img=16, patch=4, dim=32, depth=2, heads=4, ncls=5):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        n = (img // patch) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=2 * dim, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.drop_path = DropPath(0.1)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, ncls)
        self.apply(self._init)

    def _init(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.proj(x).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embed
        x = x + self.drop_path(self.encoder(x) - x)
        return self.head(self.norm(x)[:, 0])


model = ViT()
x = torch.randn(6, 3, 16, 16)
y = torch.randint(0, 5, (6,))
patches = F.unfold(x, kernel_size=4, stride=4)
print(patches.shape)
lin = patches.transpose(1, 2) @ model.proj.weight.flatten(1).T + model.proj.bias
print(torch.allclose(lin, model.proj(x).flatten(2).transpose(1, 2), atol=1e-5))
print(torch.equal(F.fold(patches, output_size=(16, 16), kernel_size=4, stride=4), x))
ov = F.fold(F.unfold(x, 3, padding=1), (16, 16), 3, padding=1)
print(torch.allclose(ov, x * F.fold(F.unfold(torch.ones_like(x), 3, padding=1), (16, 16), 3, padding=1)))
decay, no_decay = [], []
for name, p in model.named_parameters():
    (no_decay if p.ndim <= 1 or name in ("cls_token", "pos_embed") else decay).append(p)
print(len(decay), len(no_decay))
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                         {"params": no_decay, "weight_decay": 0.0}], lr=3e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
for step in range(6):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    print(step, round(loss.item(), 5), round(sched.get_last_lr()[0], 6))
model.eval()
with torch.no_grad():
    print(model(x).argmax(1), model.pos_embed.std().item() < 0.1)
print(model.encoder.layers[0])
