"""A differentiable "soft rasteriser" in the spirit of SoftRas: filled discs and a triangle are
rendered on a pixel grid by sigmoid of signed distances (meshgrid with indexing='xy'), combined
with soft union (1 - prod(1 - a)); the shapes' centres, radii and vertices are recovered from a
target image by gradient descent through the renderer, with a sharpness schedule."""
import torch

torch.manual_seed(0)
H = W = 32
ys, xs = torch.meshgrid(torch.linspace(0, 1, H), torch.linspace(0, 1, W), indexing="ij")
pix = torch.stack([xs, ys], dim=-1)


def render_discs(centres, radii, sigma):
    d = torch.linalg.vector_norm(pix.unsqueeze(-2) - centres, dim=-1) - radii
    alpha = torch.sigmoid(-d / sigma)
    return 1 - torch.prod(1 - alpha, dim=-1)


def render_triangle(v, sigma):
    edges = []
    for i in range(3):
        a, b = v[i], v[(i + 1) % 3]
        e = b - a
        normal = torch.stack([e[1], -e[0]]) / e.norm()
        edges.append(((pix - a) * normal).sum(-1))
    sd = torch.stack(edges, dim=-1)
    orientation = torch.sign((v[1, 0] - v[0, 0]) * (v[2, 1] - v[0, 1])
                             - (v[1, 1] - v[0, 1]) * (v[2, 0] - v[0, 0]))
    inside = (-orientation * sd).amin(dim=-1)
    return torch.sigmoid(inside / sigma)


target = render_discs(torch.tensor([[0.3, 0.3], [0.7, 0.6]]), torch.tensor([0.15, 0.2]), 0.01)
print("target coverage %.5f" % target.mean().item())
centres = torch.tensor([[0.4, 0.4], [0.6, 0.5]], requires_grad=True)
log_r = torch.log(torch.tensor([0.1, 0.1])).requires_grad_(True)
opt = torch.optim.Adam([centres, log_r], lr=0.02)
for it in range(60):
    sigma = 0.05 * 0.97 ** it + 0.01
    img = render_discs(centres, log_r.exp(), sigma)
    loss = (img - target).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 20 == 19:
        print(f"discs iter {it + 1} loss {loss.item():.6f} sigma {sigma:.5f}")
print("centres", [[round(v, 3) for v in row] for row in centres.tolist()],
      "radii", [round(v, 3) for v in log_r.exp().tolist()])

tri_target = render_triangle(torch.tensor([[0.2, 0.2], [0.8, 0.3], [0.4, 0.8]]), 0.01)
verts = torch.tensor([[0.3, 0.3], [0.7, 0.3], [0.5, 0.7]], requires_grad=True)
opt = torch.optim.Adam([verts], lr=0.01)
for it in range(50):
    img = render_triangle(verts, 0.03)
    loss = torch.nn.functional.binary_cross_entropy(img.clamp(1e-6, 1 - 1e-6), tri_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"triangle loss {loss.item():.5f} iou "
      f"{((img > 0.5) & (tri_target > 0.5)).sum().item() / ((img > 0.5) | (tri_target > 0.5)).sum().item():.4f}")
print("vertices", [[round(v, 3) for v in row] for row in verts.tolist()])
