"""Adversarial examples (the FGSM tutorial): input.requires_grad = True, the sign of the input
gradient, clamp to [0, 1], accuracy per epsilon, and PGD with a projection via torch.clamp with
tensor bounds, model in eval mode with dropout."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, 1)
        self.conv2 = nn.Conv2d(6, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(torch.flatten(x, 1))
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


protos = torch.rand(3, 1, 12, 12)
def data(n):
    y = torch.randint(0, 3, (n,))
    return (protos[y] + 0.15 * torch.randn(n, 1, 12, 12)).clamp(0, 1), y


model = Net()
opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
for step in range(15):
    x, y = data(32)
    loss = F.nll_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("train loss", round(loss.item(), 4))
model.eval()


def fgsm_attack(image, epsilon, data_grad):
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon * sign_data_grad
    return torch.clamp(perturbed_image, 0, 1)


x_test, y_test = data(40)
for epsilon in [0, 0.05, 0.1, 0.2]:
    correct = 0
    examples = []
    for i in range(len(x_test)):
        data_i, target = x_test[i:i + 1].clone(), y_test[i:i + 1]
        data_i.requires_grad = True
        output = model(data_i)
        init_pred = output.max(1, keepdim=True)[1]
        if init_pred.item() != target.item():
            continue
        loss = F.nll_loss(output, target)
        model.zero_grad()
        loss.backward()
        perturbed = fgsm_attack(data_i, epsilon, data_i.grad.data)
        final_pred = model(perturbed).max(1, keepdim=True)[1]
        if final_pred.item() == target.item():
            correct += 1
        if len(examples) < 2:
            examples.append((init_pred.item(), final_pred.item(), perturbed.squeeze().detach()[0, :3]))
    print(f"Epsilon: {epsilon}\tTest Accuracy = {correct} / {len(x_test)} = {correct / len(x_test):.3f}", examples[0])

xb, yb = x_test[:8], y_test[:8]
eps, alpha = 0.1, 0.02
adv = xb.clone().detach() + torch.empty_like(xb).uniform_(-eps, eps)
for _ in range(5):
    adv.requires_grad_(True)
    loss = F.nll_loss(model(adv), yb)
    grad, = torch.autograd.grad(loss, adv)
    adv = adv.detach() + alpha * grad.sign()
    adv = torch.min(torch.max(adv, xb - eps), xb + eps).clamp(0, 1)
    print(round(loss.item(), 5), (adv - xb).abs().max().item() <= eps + 1e-6)
print(torch.clamp(xb[0, 0, 0, :4], min=xb[1, 0, 0, :4], max=xb[1, 0, 0, :4] + 0.1))
