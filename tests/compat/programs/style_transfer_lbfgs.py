"""Neural style transfer, the way the PyTorch tutorial writes it: a frozen conv feature
extractor, content/style losses as modules (gram matrix, detach() of the targets), the input
image as the parameter of optim.LBFGS with a closure that clamps it under no_grad."""
# compat: rtol=2e-3 atol=1e-4 (the image prints to 4 decimals: PyTorch alone flips a last digit between MKL's kernel paths)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(31)


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class ContentLoss(nn.Module):
    def __init__(self, target):
        super().__init__()
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super().__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        self.loss = F.mse_loss(gram_matrix(input), self.target)
        return input


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


cnn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1),
                    nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU()).eval()
for p in cnn.parameters():
    p.requires_grad_(False)
style_img, content_img = torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16)
model = nn.Sequential(Normalization([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))
content_losses, style_losses = [], []
i = 0
for layer in cnn.children():
    if isinstance(layer, nn.Conv2d):
        i += 1
        name = f"conv_{i}"
    elif isinstance(layer, nn.ReLU):
        name = f"relu_{i}"
        layer = nn.ReLU(inplace=False)
    else:
        name = f"pool_{i}"
    model.add_module(name, layer)
    if name == "conv_2":
        target = model(content_img).detach()
        cl = ContentLoss(target)
        model.add_module(f"content_loss_{i}", cl)
        content_losses.append(cl)
    if name.startswith("conv"):
        sl = StyleLoss(model(style_img).detach())
        model.add_module(f"style_loss_{i}", sl)
        style_losses.append(sl)
print(model)
input_img = content_img.clone()
input_img.requires_grad_(True)
model.eval()
model.requires_grad_(False)
optimizer = torch.optim.LBFGS([input_img], lr=0.5, max_iter=4, history_size=5)
run = [0]
while run[0] <= 12:
    def closure():
        with torch.no_grad():
            input_img.clamp_(0, 1)
        optimizer.zero_grad()
        model(input_img)
        style_score = sum(sl.loss for sl in style_losses) * 1000.0
        content_score = sum(cl.loss for cl in content_losses)
        loss = style_score + content_score
        loss.backward()
        run[0] += 1
        if run[0] % 4 == 0:
            print(f"run {run[0]}: Style Loss : {style_score.item():4f} Content Loss: {content_score.item():4f}")
        return style_score + content_score
    optimizer.step(closure)
with torch.no_grad():
    input_img.clamp_(0, 1)
print(input_img[0, 0, :2, :4], input_img.requires_grad, input_img.grad.abs().sum() > 0)
print(sorted(optimizer.state[input_img].keys()), optimizer.state[input_img]["n_iter"])
