"""Weight tying between input embedding and output projection (Press & Wolf), and the gradient
clipping variants LM code uses: clip_grad_value_, clip_grad_norm_ with norm_type 2 and inf and
foreach=True, error_if_nonfinite raising on a NaN gradient, get_total_norm with
clip_grads_with_norm_, and shared parameters counted once by parameters() but twice by
named_parameters(remove_duplicate=False)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)


class RNNLM(nn.Module):
    def __init__(self, ntoken=40, ninp=16, tie_weights=True):
        super().__init__()
        self.drop = nn.Dropout(0.2)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, ninp, 2, dropout=0.2)
        self.decoder = nn.Linear(ninp, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.init_weights()

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, x, hidden):
        output, hidden = self.rnn(self.drop(self.encoder(x)), hidden)
        return F.log_softmax(self.decoder(self.drop(output)), dim=-1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(2, bsz, 16), weight.new_zeros(2, bsz, 16))


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


model = RNNLM()
print("tied", model.decoder.weight is model.encoder.weight,
      len(list(model.parameters())),
      len(list(model.named_parameters(remove_duplicate=False))),
      sum(p.numel() for p in model.parameters()))
print(sorted(model.state_dict())[:3], len(model.state_dict()))
data = torch.randint(0, 40, (41, 4))
hidden = model.init_hidden(4)
lr = 5.0
for i, clip in enumerate(["value", "norm2", "inf", "foreach"]):
    for b in range(0, 40, 10):
        x, y = data[b:b + 10], data[b + 1:b + 11]
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        out, hidden = model(x, hidden)
        loss = F.nll_loss(out.view(-1, 40), y.reshape(-1))
        loss.backward()
        if clip == "value":
            torch.nn.utils.clip_grad_value_(model.parameters(), 0.05)
            norm = max(p.grad.abs().max() for p in model.parameters())
        elif clip == "norm2":
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        elif clip == "inf":
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1, norm_type=float("inf"))
        else:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25, foreach=True)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
    print(f"{clip:8s} loss {loss.item():.5f} norm {float(norm):.5f} "
          f"enc-grad {model.encoder.weight.grad.norm():.5f}")

grads = [p.grad for p in model.parameters()]
total = torch.nn.utils.get_total_norm(grads, norm_type=2.0)
print("total norm", round(total.item(), 6))
torch.nn.utils.clip_grads_with_norm_(model.parameters(), max_norm=0.01, total_norm=total)
print("after", round(torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]).item(),
                     6))
model.decoder.bias.grad[0] = float("nan")
try:
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
except RuntimeError as e:
    print("nonfinite:", str(e)[:60])
n = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
print("without check", n)
model.eval()
with torch.no_grad():
    out, _ = model(data[:5], model.init_hidden(4))
    print("eval ppl", round(torch.exp(F.nll_loss(out.view(-1, 40), data[1:6].reshape(-1))).item(),
                            4))
