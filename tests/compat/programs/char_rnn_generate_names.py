"""The "generating names with a character-level RNN" tutorial: a category one-hot concatenated
with the input letter and hidden state, i2h/i2o/o2o Linear layers, dropout(0.1), LogSoftmax and
NLLLoss summed over the letters of a line (target_line_tensor.unsqueeze_(-1)), manual parameter
updates, sampling by topk from a start letter until EOS, and a max_length cut-off."""
import random
import string

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1  # EOS
category_lines = {
    "German": ["Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer"],
    "Spanish": ["Garcia", "Martinez", "Lopez", "Sanchez", "Ramirez", "Torres"],
    "Russian": ["Ivanov", "Smirnov", "Popov", "Volkov", "Morozov", "Lebedev"],
}
all_categories = list(category_lines)
n_categories = len(all_categories)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def randomTrainingPair():
    category = random.choice(all_categories)
    return category, random.choice(category_lines[category])


def categoryTensor(category):
    tensor = torch.zeros(1, n_categories)
    tensor[0][all_categories.index(category)] = 1
    return tensor


def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        tensor[li][0][all_letters.find(line[li])] = 1
    return tensor


def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)
    return torch.LongTensor(letter_indexes)


torch.manual_seed(1)
random.seed(1)
criterion = nn.NLLLoss()
learning_rate = 0.0005
rnn = RNN(n_letters, 48, n_letters)


def train(category_tensor, input_line_tensor, target_line_tensor):
    target_line_tensor.unsqueeze_(-1)
    hidden = rnn.initHidden()
    rnn.zero_grad()
    loss = torch.Tensor([0])
    for i in range(input_line_tensor.size(0)):
        output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
        l = criterion(output, target_line_tensor[i])
        loss += l
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item() / input_line_tensor.size(0)


total = 0
for it in range(1, 201):
    category, line = randomTrainingPair()
    output, loss = train(categoryTensor(category), inputTensor(line), targetTensor(line))
    total += loss
    if it % 50 == 0:
        print(it, line, f"{loss:.5f}", f"{total / 50:.5f}")
        total = 0
print(targetTensor("Abc"), inputTensor("Ab").shape, output.shape)

max_length = 8


def sample(category, start_letter="A"):
    with torch.no_grad():
        category_tensor = categoryTensor(category)
        input = inputTensor(start_letter)
        hidden = rnn.initHidden()
        output_name = start_letter
        for i in range(max_length):
            output, hidden = rnn(category_tensor, input[0], hidden)
            topv, topi = output.topk(1)
            topi = topi[0][0]
            if topi == n_letters - 1:
                break
            letter = all_letters[topi]
            output_name += letter
            input = inputTensor(letter)
        return output_name, round(topv.item(), 4)


rnn.eval()
for category in all_categories:
    print(category, [sample(category, c) for c in "ABC"])
