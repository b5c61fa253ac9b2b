"""CTC training in the speech-recognition style: a Conv1d front end + bidirectional LSTM over
(T, N, C) log-probabilities, nn.CTCLoss with varying input/target lengths (padded and
concatenated targets; reduction mean/sum/none; zero_infinity), Adam, and greedy decoding with
unique_consecutive."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
C, N, T, F_in = 6, 3, 20, 8  # 5 symbols + blank(0)
x = torch.randn(N, F_in, T)
targets = [torch.tensor([1, 2, 3]), torch.tensor([4, 4, 5, 1]), torch.tensor([2, 5])]
target_lengths = torch.tensor([len(t) for t in targets])
padded_targets = nn.utils.rnn.pad_sequence(targets, batch_first=True)
concat_targets = torch.cat(targets)
input_lengths = torch.tensor([20, 17, 12])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(F_in, 16, kernel_size=3, padding=1)
        self.rnn = nn.LSTM(16, 12, bidirectional=True)
        self.fc = nn.Linear(24, C)

    def forward(self, x):
        h = F.relu(self.conv(x)).permute(2, 0, 1)  # (T, N, 16)
        h, _ = self.rnn(h)
        return self.fc(h).log_softmax(2)


model = Model()
ctc = nn.CTCLoss(blank=0)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(30):
    logp = model(x)
    loss = ctc(logp, padded_targets, input_lengths, target_lengths)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 6 == 0:
        print(step, f"{loss.item():.5f}")

logp = model(x).detach().requires_grad_()
for red in ("mean", "sum", "none"):
    print(red, F.ctc_loss(logp, concat_targets, input_lengths, target_lengths, reduction=red))
loss = F.ctc_loss(logp, padded_targets, input_lengths, target_lengths)
loss.backward()
print(logp.grad.shape, logp.grad[:3, 0], logp.grad[15:, 2].abs().sum())

# impossible alignment: target longer than input -> inf, or 0 with zero_infinity
short = torch.randn(3, 1, C).log_softmax(2)
tgt = torch.tensor([[1, 2, 1, 2]])
print(F.ctc_loss(short, tgt, torch.tensor([3]), torch.tensor([4]), reduction="sum"))
print(F.ctc_loss(short, tgt, torch.tensor([3]), torch.tensor([4]), zero_infinity=True))

best = logp.argmax(2).T  # (N, T)
for b in range(N):
    path = torch.unique_consecutive(best[b, : input_lengths[b]])
    print(b, path[path != 0].tolist(), targets[b].tolist())
print(torch.unique_consecutive(torch.tensor([1, 1, 0, 2, 2, 2, 1]), return_counts=True,
                               return_inverse=True))
