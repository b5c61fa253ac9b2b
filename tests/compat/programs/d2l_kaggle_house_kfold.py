"""Dive into Deep Learning's Kaggle house-price chapter without pandas: a synthetic table with
numeric and categorical columns and missing values, standardisation `(x - mean) / std` with NaNs
filled by 0 after it (torch.nan_to_num / torch.where(torch.isnan)), one-hot dummies built with
F.one_hot over category codes, log_rmse with torch.clamp(net(features), 1, float('inf')),
get_k_fold_data slicing folds with slice(j * fold_size, (j + 1) * fold_size) and torch.cat,
k_fold training with Adam and weight_decay, and the final predictions' summary statistics."""
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)
n = 120
area = torch.rand(n) * 200 + 50
rooms = torch.randint(1, 6, (n,)).float()
year = torch.randint(1950, 2020, (n,)).float()
zone = torch.randint(0, 4, (n,))
price = 1000 * area + 15000 * rooms + 500 * (year - 1950) + 20000 * (zone == 2).float()
price = price * torch.exp(0.1 * torch.randn(n))
missing = torch.rand(n) < 0.1
area_obs = torch.where(missing, torch.tensor(float('nan')), area)
numeric = torch.stack([area_obs, rooms, year], dim=1)
print(numeric.isnan().sum(0), numeric.shape)
mean = torch.nanmean(numeric, dim=0)
std = torch.sqrt(torch.nanmean((numeric - mean) ** 2, dim=0))
numeric = (numeric - mean) / std
numeric = torch.nan_to_num(numeric, nan=0.0)
print(numeric.mean(0).abs().max().item() < 1e-4, numeric.std(0), numeric.isnan().any().item())
zone_missing = torch.rand(n) < 0.05
codes = torch.where(zone_missing, torch.tensor(4), zone)
dummies = F.one_hot(codes, num_classes=5).float()
print(dummies.sum(0), dummies.dtype)
features = torch.cat([numeric, dummies], dim=1)
labels = price.reshape(-1, 1)
train_features, test_features = features[:100], features[100:]
train_labels = labels[:100]
print(train_features.shape, test_features.shape)

loss = nn.MSELoss()
in_features = train_features.shape[1]


def get_net():
    net = nn.Sequential(nn.Linear(in_features, 1))
    return net


def log_rmse(net, features, labels):
    clipped_preds = torch.clamp(net(features), 1, float('inf'))
    rmse = torch.sqrt(loss(torch.log(clipped_preds), torch.log(labels)))
    return rmse.item()


def load_array(data_arrays, batch_size, is_train=True):
    dataset = torch.utils.data.TensorDataset(*data_arrays)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=is_train)


def train(net, train_features, train_labels, test_features, test_labels, num_epochs,
          learning_rate, weight_decay, batch_size):
    train_ls, test_ls = [], []
    train_iter = load_array((train_features, train_labels), batch_size)
    optimizer = torch.optim.Adam(net.parameters(), lr=learning_rate, weight_decay=weight_decay)
    for epoch in range(num_epochs):
        for X, y in train_iter:
            optimizer.zero_grad()
            l = loss(net(X), y)
            l.backward()
            optimizer.step()
        train_ls.append(log_rmse(net, train_features, train_labels))
        if test_labels is not None:
            test_ls.append(log_rmse(net, test_features, test_labels))
    return train_ls, test_ls


def get_k_fold_data(k, i, X, y):
    assert k > 1
    fold_size = X.shape[0] // k
    X_train, y_train = None, None
    for j in range(k):
        idx = slice(j * fold_size, (j + 1) * fold_size)
        X_part, y_part = X[idx, :], y[idx]
        if j == i:
            X_valid, y_valid = X_part, y_part
        elif X_train is None:
            X_train, y_train = X_part, y_part
        else:
            X_train = torch.cat([X_train, X_part], 0)
            y_train = torch.cat([y_train, y_part], 0)
    return X_train, y_train, X_valid, y_valid


def k_fold(k, X_train, y_train, num_epochs, learning_rate, weight_decay, batch_size):
    train_l_sum, valid_l_sum = 0, 0
    for i in range(k):
        data = get_k_fold_data(k, i, X_train, y_train)
        net = get_net()
        train_ls, valid_ls = train(net, *data, num_epochs, learning_rate, weight_decay,
                                   batch_size)
        train_l_sum += train_ls[-1]
        valid_l_sum += valid_ls[-1]
        print(f'fold {i + 1}, train log rmse {float(train_ls[-1]):f}, '
              f'valid log rmse {float(valid_ls[-1]):f}')
    return train_l_sum / k, valid_l_sum / k


k, num_epochs, lr, weight_decay, batch_size = 4, 30, 5000, 0, 16
train_l, valid_l = k_fold(k, train_features, train_labels, num_epochs, lr, weight_decay,
                          batch_size)
print(f'{k}-fold validation: avg train log rmse: {float(train_l):f}, '
      f'avg valid log rmse: {float(valid_l):f}')
net = get_net()
train_ls, _ = train(net, train_features, train_labels, None, None, num_epochs, lr,
                    weight_decay, batch_size)
print(f'final train log rmse {float(train_ls[-1]):f}')
preds = net(test_features).detach().numpy()
print(preds.shape, preds[:3, 0], float(preds.mean()) > 0)
