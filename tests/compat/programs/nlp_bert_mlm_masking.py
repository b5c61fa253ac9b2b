"""BERT-style masked language modelling the way DataCollatorForLanguageModeling does it:
a probability matrix filled with 0.15, special tokens and padding excluded with masked_fill_,
torch.bernoulli picks, 80% [MASK] / 10% random word / 10% unchanged, labels -100 elsewhere, and an
encoder with token-type and position embeddings trained on it; accuracy on masked positions."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2)
PAD, CLS, SEP, MASK, VOCAB = 0, 1, 2, 3, 30


def mask_tokens(inputs, special_mask, mlm_probability=0.15):
    labels = inputs.clone()
    probability_matrix = torch.full(labels.shape, mlm_probability)
    probability_matrix.masked_fill_(special_mask, value=0.0)
    masked_indices = torch.bernoulli(probability_matrix).bool()
    labels[~masked_indices] = -100
    indices_replaced = torch.bernoulli(torch.full(labels.shape, 0.8)).bool() & masked_indices
    inputs[indices_replaced] = MASK
    indices_random = (torch.bernoulli(torch.full(labels.shape, 0.5)).bool() & masked_indices
                      & ~indices_replaced)
    random_words = torch.randint(VOCAB, labels.shape, dtype=torch.long)
    inputs[indices_random] = random_words[indices_random]
    return inputs, labels


class BertEmbeddings(nn.Module):
    def __init__(self, hidden=32, max_pos=40):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, hidden, padding_idx=PAD)
        self.position_embeddings = nn.Embedding(max_pos, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(0.1)
        self.register_buffer("position_ids", torch.arange(max_pos).expand((1, -1)),
                             persistent=False)

    def forward(self, input_ids, token_type_ids):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        emb = (self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
               + self.position_embeddings(position_ids))
        return self.dropout(self.LayerNorm(emb))


class BertForMaskedLM(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.embeddings = BertEmbeddings(hidden)
        layer = nn.TransformerEncoderLayer(hidden, 4, 64, dropout=0.1, activation="gelu",
                                           batch_first=True, layer_norm_eps=1e-12)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.transform = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(),
                                       nn.LayerNorm(hidden, eps=1e-12))
        self.decoder = nn.Linear(hidden, VOCAB)
        self.decoder.weight = self.embeddings.word_embeddings.weight

    def forward(self, input_ids, token_type_ids, attention_mask):
        h = self.embeddings(input_ids, token_type_ids)
        h = self.encoder(h, src_key_padding_mask=attention_mask == 0)
        return self.decoder(self.transform(h))


def make_batch(n=8, seq=14):
    ids = torch.randint(4, VOCAB, (n, seq))
    lengths = torch.randint(8, seq + 1, (n,))
    attention_mask = (torch.arange(seq)[None, :] < lengths[:, None]).long()
    ids[:, 0] = CLS
    ids[torch.arange(n), lengths - 1] = SEP
    ids = ids.masked_fill(attention_mask == 0, PAD)
    split = lengths // 2
    token_type_ids = (torch.arange(seq)[None, :] >= split[:, None]).long() * attention_mask
    special = (ids == PAD) | (ids == CLS) | (ids == SEP)
    return ids, token_type_ids, attention_mask, special


model = BertForMaskedLM()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
for step in range(6):
    ids, tt, am, special = make_batch()
    inputs, labels = mask_tokens(ids.clone(), special)
    print(step, "masked", int((labels != -100).sum()), "as [MASK]", int((inputs == MASK).sum()))
    model.train()
    logits = model(inputs, tt, am)
    loss = F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1), ignore_index=-100)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"  loss {loss.item():.5f}")

model.eval()
with torch.no_grad():
    ids, tt, am, special = make_batch(16)
    inputs, labels = mask_tokens(ids.clone(), special)
    logits = model(inputs, tt, am)
    sel = labels != -100
    preds = logits.argmax(-1)
    print("eval masked", int(sel.sum()), "correct", int((preds[sel] == labels[sel]).sum()))
    print("eval loss", round(F.cross_entropy(logits[sel], labels[sel]).item(), 5))
