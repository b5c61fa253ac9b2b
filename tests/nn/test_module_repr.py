"""Printed modules, losses, containers, parametrized layers, optimizers, schedulers,
distributions and dtypes read as PyTorch's (``print(model)`` is in most programs' output):
each constructor call below is made in both libraries and their ``repr`` compared, with
gradkit's own namespace name read as ``torch`` (as ``gradkit run`` prints it) and addresses
left out."""

import re

import pytest

import gradkit

CONSTRUCTORS = [
    "nn.Linear(3, 4)", "nn.Linear(3, 4, bias=False)", "nn.Bilinear(2, 3, 4, bias=False)",
    "nn.Identity()", "nn.LazyLinear(4)", "nn.Conv1d(2, 4, 3)",
    ("nn.Conv1d(2, 4, 3, stride=2, padding='same' if False else 1, dilation=2, "
     "groups=2, bias=False, padding_mode='reflect')"),
    "nn.Conv2d(3, 8, 3)",
    ("nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(2, 1), "
     "padding_mode='circular')"),
    "nn.Conv2d(4, 4, 3, padding='same')", "nn.Conv2d(4, 4, 3, padding='valid')",
    "nn.Conv3d(2, 2, 3, stride=2)",
    ("nn.ConvTranspose1d(2, 3, 4, stride=2, padding=1, output_padding=1, groups=1, "
     "bias=False, dilation=2)"),
    "nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)", "nn.ConvTranspose3d(2, 2, 2)",
    "nn.MaxPool1d(3)", "nn.MaxPool2d(2)",
    "nn.MaxPool2d(3, stride=2, padding=1, dilation=1, return_indices=True, ceil_mode=True)",
    "nn.MaxPool3d(2)", "nn.AvgPool1d(3)",
    ("nn.AvgPool2d(3, stride=1, padding=1, ceil_mode=True, count_include_pad=False, "
     "divisor_override=2)"),
    "nn.AvgPool3d(2)", "nn.AdaptiveAvgPool1d(4)", "nn.AdaptiveAvgPool2d((None, 3))",
    "nn.AdaptiveAvgPool2d(1)", "nn.AdaptiveMaxPool2d((2, 2), return_indices=True)",
    "nn.AdaptiveAvgPool3d(2)", "nn.LPPool2d(2, 3)", "nn.LPPool1d(1.5, 2, stride=1)",
    "nn.FractionalMaxPool2d(3, output_size=5)", "nn.MaxUnpool2d(2)", "nn.BatchNorm1d(4)",
    "nn.BatchNorm2d(4, eps=1e-3, momentum=None, affine=False, track_running_stats=False)",
    "nn.BatchNorm3d(2)", "nn.SyncBatchNorm(3)", "nn.InstanceNorm1d(3)",
    "nn.InstanceNorm2d(3, affine=True, track_running_stats=True)", "nn.LayerNorm(4)",
    "nn.LayerNorm([4, 5], eps=1e-6, elementwise_affine=False)", "nn.LayerNorm(4, bias=False)",
    "nn.GroupNorm(2, 4)", "nn.GroupNorm(2, 4, affine=False)", "nn.LocalResponseNorm(3)",
    "nn.RMSNorm(4)", "nn.RMSNorm([2, 3], eps=1e-5)", "nn.CrossMapLRN2d(3)", "nn.Dropout()",
    "nn.Dropout(0.3, inplace=True)", "nn.Dropout1d(0.2)", "nn.Dropout2d()", "nn.Dropout3d(0.1)",
    "nn.AlphaDropout(0.2)", "nn.FeatureAlphaDropout()", "nn.ReLU()", "nn.ReLU(inplace=True)",
    "nn.ReLU6()", "nn.LeakyReLU()", "nn.LeakyReLU(0.2, True)", "nn.PReLU()",
    "nn.PReLU(3, init=0.1)", "nn.RReLU()", "nn.RReLU(0.1, 0.2, inplace=True)", "nn.ELU()",
    "nn.ELU(alpha=0.5, inplace=True)", "nn.CELU(2.0)", "nn.SELU()", "nn.GELU()",
    "nn.GELU(approximate='tanh')", "nn.SiLU()", "nn.SiLU(inplace=True)", "nn.Mish()",
    "nn.Sigmoid()", "nn.Tanh()", "nn.Hardtanh()", "nn.Hardtanh(-2, 2)", "nn.Hardsigmoid()",
    "nn.Hardswish()", "nn.Hardshrink()", "nn.Softshrink(0.3)", "nn.Tanhshrink()", "nn.Softplus()",
    "nn.Softplus(beta=2, threshold=10)", "nn.Softsign()", "nn.LogSigmoid()",
    "nn.Threshold(0.1, 20)", "nn.GLU()", "nn.GLU(dim=1)", "nn.Softmax()", "nn.Softmax(dim=-1)",
    "nn.LogSoftmax(dim=1)", "nn.Softmin(dim=0)", "nn.Softmax2d()", "nn.Embedding(10, 3)",
    ("nn.Embedding(10, 3, padding_idx=0, max_norm=2.0, norm_type=1.0, "
     "scale_grad_by_freq=True, sparse=True)"),
    "nn.EmbeddingBag(10, 3)", "nn.EmbeddingBag(10, 3, mode='sum', padding_idx=1)", "nn.RNN(2, 3)",
    ("nn.RNN(2, 3, num_layers=2, nonlinearity='relu', bias=False, batch_first=True, "
     "dropout=0.5, bidirectional=True)"),
    "nn.LSTM(3, 4)",
    "nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True, dropout=0.1, proj_size=2)",
    "nn.GRU(3, 4, 3)", "nn.RNNCell(2, 3)", "nn.RNNCell(2, 3, nonlinearity='relu')",
    "nn.LSTMCell(2, 3, bias=False)", "nn.GRUCell(2, 3)", "nn.MultiheadAttention(8, 2)",
    ("nn.MultiheadAttention(8, 2, dropout=0.1, bias=False, add_bias_kv=True, kdim=4, "
     "vdim=6, batch_first=True)"),
    "nn.TransformerEncoderLayer(8, 2, 16)",
    ("nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, activation='gelu', "
     "batch_first=True, norm_first=True)"),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), "
     "2, norm=nn.LayerNorm(8))"),
    "nn.Transformer(8, 2, 1, 1, 16)", "nn.Upsample(scale_factor=2)",
    "nn.Upsample(size=(4, 4), mode='bilinear', align_corners=True)",
    "nn.UpsamplingNearest2d(scale_factor=2)", "nn.UpsamplingBilinear2d(size=3)",
    "nn.PixelShuffle(2)", "nn.PixelUnshuffle(2)", "nn.ChannelShuffle(2)", "nn.ZeroPad2d(2)",
    "nn.ZeroPad2d((1, 2, 3, 4))", "nn.ConstantPad1d(2, 3.5)", "nn.ConstantPad3d(1, 0.0)",
    "nn.ReflectionPad2d(1)", "nn.ReplicationPad1d((1, 2))", "nn.CircularPad2d(1)",
    "nn.ZeroPad1d(1)", "nn.ReflectionPad3d(1)", "nn.Flatten()", "nn.Flatten(0, -1)",
    "nn.Unflatten(1, (2, 2))", "nn.Fold((4, 5), (2, 2))",
    "nn.Unfold(2, dilation=1, padding=1, stride=2)", "nn.CosineSimilarity()",
    "nn.PairwiseDistance(p=1.0, eps=1e-4, keepdim=True)", "nn.L1Loss()",
    "nn.MSELoss(reduction='sum')", "nn.CrossEntropyLoss()",
    "nn.CrossEntropyLoss(weight=None, ignore_index=3, label_smoothing=0.1)", "nn.NLLLoss()",
    "nn.BCELoss()", "nn.BCEWithLogitsLoss(pos_weight=torch.ones(2))",
    "nn.KLDivLoss(reduction='batchmean', log_target=True)", "nn.HuberLoss(delta=0.5)",
    "nn.SmoothL1Loss(beta=0.5)", "nn.CTCLoss(blank=1, zero_infinity=True)",
    "nn.MarginRankingLoss(margin=0.5)", "nn.TripletMarginLoss(margin=2.0, p=1)",
    "nn.CosineEmbeddingLoss()", "nn.HingeEmbeddingLoss()", "nn.MultiLabelMarginLoss()",
    "nn.MultiMarginLoss(p=2)", "nn.PoissonNLLLoss(log_input=False, full=True)",
    "nn.GaussianNLLLoss(full=True, eps=1e-3)", "nn.SoftMarginLoss()",
    "nn.MultiLabelSoftMarginLoss()", "nn.TripletMarginWithDistanceLoss(margin=0.5)",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4])", "nn.Sequential()",
    "nn.Sequential(nn.Linear(2, 2), nn.ReLU())", "nn.ModuleList()",
    "nn.ModuleList([nn.ReLU(), nn.Tanh()])", "nn.ModuleDict({'a': nn.ReLU()})",
    ("nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2, 3, "
     "dtype=torch.float64))])"),
    "nn.ParameterDict({'w': nn.Parameter(torch.ones(2))})", "nn.Parameter(torch.ones(2))",
    "nn.Buffer(torch.ones(2))", "nn.utils.parametrizations.weight_norm(nn.Linear(2, 3))",
    "nn.utils.parametrizations.spectral_norm(nn.Linear(2, 3))",
    "nn.utils.parametrizations.orthogonal(nn.Linear(3, 3))", "nn.utils.rnn.PackedSequence",
    "torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)",
    "torch.optim.Adam(nn.Linear(2, 2).parameters())",
    "torch.optim.AdamW(nn.Linear(2, 2).parameters(), lr=1e-3, weight_decay=0.1, amsgrad=True)",
    "torch.optim.lr_scheduler.StepLR(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), 2)",
    "torch.utils.data.TensorDataset(torch.ones(2))",
    "torch.distributions.Normal(torch.zeros(2), torch.ones(2))",
    "torch.distributions.Categorical(probs=torch.ones(3) / 3)",
    "torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))", "torch.Generator()",
    "torch.device('cpu')", "torch.float32", "torch.Size([2, 3])", "torch.finfo(torch.float32)",
    "torch.iinfo(torch.int8)",
]


def _printed(lib, code: str) -> str:
    lib.manual_seed(0)
    text = repr(eval(code, {"torch": lib, "nn": lib.nn}))
    return re.sub(r"0x[0-9a-f]+", "0x", text)


@pytest.mark.parametrize("code", CONSTRUCTORS)
def test_repr_as_torch(torch, code):
    ours = _printed(gradkit, code).replace("gradkit.", "torch.")
    assert ours == _printed(torch, code)
