"""A convolutional autoencoder: Conv2d/MaxPool2d encoder, ConvTranspose2d decoder, Sigmoid,
MSE reconstruction, Adam with weight decay."""
import torch
import torch.nn as nn

torch.manual_seed(9)


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.decoder = nn.Sequential(nn.ConvTranspose2d(8, 4, 2, stride=2), nn.ReLU(),
                                     nn.ConvTranspose2d(4, 1, 2, stride=2), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


x = torch.rand(16, 1, 8, 8)
model = Autoencoder()
opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-5)
crit = nn.MSELoss()
for epoch in range(25):
    recon = model(x)
    loss = crit(recon, x)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 5 == 0:
        print(f"epoch [{epoch + 1}/25], loss:{loss.item():.4f}")
print(model.encoder(x).shape, recon.shape)
