"""BERT-style model code written the way Hugging Face modeling files are, without the library:
a config dataclass, embeddings with register_buffer("position_ids", arange().expand((1, -1)),
persistent=False) and token_type_ids, an extended attention mask filled with
torch.finfo(dtype).min, a PreTrainedModel-like base with _init_weights applied by
module.apply(...) in post_init, task heads in an nn.ModuleDict, cross_entropy with
ignore_index=-100 for token classification, a num_parameters(exclude_embeddings=...) helper,
and an OrderedDict-style ModelOutput."""
import math
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class BertConfig:
    vocab_size: int = 50
    hidden_size: int = 32
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    intermediate_size: int = 64
    max_position_embeddings: int = 16
    type_vocab_size: int = 2
    hidden_dropout_prob: float = 0.0
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    num_labels: int = 3
    id2label: dict = field(default_factory=lambda: {0: "O", 1: "B", 2: "I"})


class ModelOutput(OrderedDict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(name) from e

    def to_tuple(self):
        return tuple(self[k] for k in self.keys())


class Embeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size,
                                            padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings,
                                                config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.register_buffer("position_ids",
                             torch.arange(config.max_position_embeddings).expand((1, -1)),
                             persistent=False)
        self.register_buffer("token_type_ids", torch.zeros(self.position_ids.size(),
                                                           dtype=torch.long), persistent=False)

    def forward(self, input_ids, token_type_ids=None):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = self.token_type_ids[:, :seq_length].expand(input_ids.shape[0],
                                                                        seq_length)
        emb = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        emb = emb + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(emb))


class SelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.output = nn.Linear(config.hidden_size, config.hidden_size)

    def transpose_for_scores(self, x):
        new_shape = x.size()[:-1] + (self.num_heads, self.head_dim)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def forward(self, hidden, attention_mask):
        q = self.transpose_for_scores(self.query(hidden))
        k = self.transpose_for_scores(self.key(hidden))
        v = self.transpose_for_scores(self.value(hidden))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + attention_mask
        probs = nn.functional.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.size()[:-2] + (self.num_heads * self.head_dim,))
        return self.output(ctx), probs


class Layer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = SelfAttention(config)
        self.ln1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.intermediate = nn.Linear(config.hidden_size, config.intermediate_size)
        self.out = nn.Linear(config.intermediate_size, config.hidden_size)
        self.ln2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden, mask):
        attn, probs = self.attention(hidden, mask)
        hidden = self.ln1(hidden + attn)
        return self.ln2(hidden + self.out(F.gelu(self.intermediate(hidden)))), probs


class PreTrainedModel(nn.Module):
    config_class = BertConfig

    def __init__(self, config):
        super().__init__()
        self.config = config

    def post_init(self):
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def num_parameters(self, only_trainable=False, exclude_embeddings=False):
        skip = set()
        if exclude_embeddings:
            skip = {f"{n}.weight" for n, m in self.named_modules() if isinstance(m, nn.Embedding)}
        return sum(p.numel() for n, p in self.named_parameters()
                   if n not in skip and (p.requires_grad or not only_trainable))

    @property
    def dtype(self):
        return next(self.parameters()).dtype

    def get_extended_attention_mask(self, attention_mask):
        ext = attention_mask[:, None, None, :].to(dtype=self.dtype)
        return (1.0 - ext) * torch.finfo(self.dtype).min


class BertMultiTask(PreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList([Layer(config) for _ in range(config.num_hidden_layers)])
        self.pooler = nn.Sequential(nn.Linear(config.hidden_size, config.hidden_size), nn.Tanh())
        self.heads = nn.ModuleDict({
            "sequence": nn.Linear(config.hidden_size, 2),
            "token": nn.Linear(config.hidden_size, config.num_labels),
        })
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None,
                task="sequence", output_attentions=False):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        ext = self.get_extended_attention_mask(attention_mask)
        hidden = self.embeddings(input_ids, token_type_ids)
        attentions = ()
        for layer in self.layers:
            hidden, probs = layer(hidden, ext)
            attentions += (probs,)
        if task == "sequence":
            logits = self.heads["sequence"](self.pooler(hidden[:, 0]))
        else:
            logits = self.heads["token"](hidden)
        out = ModelOutput(logits=logits)
        if labels is not None:
            out["loss"] = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1),
                                          ignore_index=-100)
            out.move_to_end("loss", last=False)
        if output_attentions:
            out["attentions"] = attentions
        return out


torch.manual_seed(0)
config = BertConfig()
print(asdict(config)["hidden_size"], config.id2label)
model = BertMultiTask(config)
print("num_parameters", model.num_parameters(),
      "without embeddings", model.num_parameters(exclude_embeddings=True))
print("buffers in state_dict", [k for k in model.state_dict() if "position_ids" in k])
print("non-persistent buffers", len(list(model.buffers())), "named",
      [n for n, _ in model.named_buffers()])
print("pad row zero", bool((model.embeddings.word_embeddings.weight[0] == 0).all()))
print("finfo min", torch.finfo(torch.float32).min)

B, T = 8, 10
lengths = torch.randint(4, T + 1, (B,))
input_ids = torch.randint(1, config.vocab_size, (B, T))
attention_mask = (torch.arange(T) < lengths[:, None]).long()
input_ids = input_ids.masked_fill(attention_mask == 0, config.pad_token_id)
seq_labels = (input_ids[:, 1] > 25).long()
tok_labels = torch.randint(0, config.num_labels, (B, T)).masked_fill(attention_mask == 0, -100)

out = model(input_ids, attention_mask, output_attentions=True)
att = out.attentions[0]
print("attention on padding", f"{(att * (1 - attention_mask[:, None, None, :])).sum().item():.3e}")
print("keys", list(out.keys()), "tuple len", len(out.to_tuple()))

opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
for step in range(12):
    task = "sequence" if step % 2 == 0 else "token"
    labels = seq_labels if task == "sequence" else tok_labels
    out = model(input_ids, attention_mask, labels=labels, task=task)
    opt.zero_grad()
    out.loss.backward()
    opt.step()
    if step >= 8:
        print(f"step {step} {task:8s} loss {out.loss.item():.5f} first key {next(iter(out))}")
n_ignored = (tok_labels == -100).sum().item()
full = F.cross_entropy(out.logits.view(-1, 3), tok_labels.view(-1), ignore_index=-100,
                       reduction="sum")
print("ignored tokens", n_ignored, f"sum loss {full.item():.4f}")
