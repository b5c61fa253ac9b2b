"""gradkit.vision.models.inception_v3 and its public blocks.

The parameter count is the ``num_params`` torchvision publishes for its Inception v3 ImageNet
weights; the block shapes follow Szegedy et al. 2015 as torchvision builds them (Mixed_5b..7c).
FID feature extractors (pytorch-fid, piq) subclass ``torchvision.models.inception.InceptionA``,
``InceptionC`` and ``InceptionE`` and patch them into ``inception_v3(...)``: the module must be
reachable by that name and the blocks must keep their constructor arguments and ``_forward``.
"""

import warnings

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.nn import functional as F
from gradkit.vision import models


@pytest.fixture(scope="module")
def full():
    gk.manual_seed(0)
    return models.inception_v3(init_weights=True)


def test_inception_v3_parameters_and_state_dict_keys(full):
    m = full
    assert sum(p.numel() for p in m.parameters()) == 27161264
    sd = m.state_dict()
    assert tuple(sd["Conv2d_1a_3x3.conv.weight"].shape) == (32, 3, 3, 3)
    assert tuple(sd["Mixed_6b.branch7x7_2.conv.weight"].shape) == (128, 128, 1, 7)
    assert tuple(sd["Mixed_7c.branch3x3dbl_3b.conv.weight"].shape) == (384, 384, 3, 1)
    assert tuple(sd["AuxLogits.conv1.conv.weight"].shape) == (768, 128, 5, 5)
    assert tuple(sd["fc.weight"].shape) == (1000, 2048)
    assert sd["Mixed_5b.branch_pool.bn.num_batches_tracked"].shape == ()
    # the aux fc is drawn with std 0.001, the others with 0.1 (truncated at +-2)
    assert float(m.AuxLogits.fc.weight.std()) < 0.002
    assert 0.05 < float(m.fc.weight.std()) < 0.11


def test_inception_v3_outputs_train_and_eval(full):
    m = full
    m.train()
    # the auxiliary head reads the 17x17 grid a 299x299 image gives at Mixed_6e
    aux = m.AuxLogits(gk.randn(2, 768, 17, 17))
    out = m.eager_outputs(gk.randn(2, 7), aux)
    assert type(out).__name__ == "InceptionOutputs"
    assert tuple(out.logits.shape) == (2, 7) and tuple(out.aux_logits.shape) == (2, 1000)
    m.eval()
    assert tuple(m.eager_outputs(out.logits, aux).shape) == (2, 7)
    m.train()
    small = models.inception_v3(num_classes=5, aux_logits=False, init_weights=False)
    assert small.AuxLogits is None
    out = small(gk.randn(2, 3, 75, 75))
    assert tuple(out.shape) == (2, 5)
    out.sum().backward()
    assert small.Conv2d_1a_3x3.conv.weight.grad is not None
    small.eval()
    with gk.no_grad():
        assert tuple(small(gk.randn(1, 3, 75, 75)).shape) == (1, 5)


def test_inception_v3_default_init_warns_as_torchvision():
    # the warning comes first, as torchvision's (before the blocks are checked or built)
    with pytest.warns(FutureWarning, match="inception_v3"), \
            pytest.raises(ValueError, match="inception_blocks should be 7"):
        models.Inception3(inception_blocks=[object] * 6)


def test_inception_blocks_subclass_and_patch_as_fid_extractors_do():
    from gradkit.vision.models import inception

    class MaxPoolA(inception.InceptionA):
        def forward(self, x):
            b = self._forward(x)
            b[-1] = self.branch_pool(F.max_pool2d(x, kernel_size=3, stride=1, padding=1))
            return gk.cat(b, 1)

    m = gk.nn.Module()  # stands in for the network the block is patched into
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.Mixed_5b = MaxPoolA(192, pool_features=32)
    assert isinstance(m.Mixed_5b, nn.Module)
    x = gk.randn(1, 192, 9, 9)
    y = m.Mixed_5b(x)
    assert tuple(y.shape) == (1, 256, 9, 9)
    ref = inception.InceptionA(192, pool_features=32)
    ref.load_state_dict(m.Mixed_5b.state_dict())
    m.Mixed_5b.eval(), ref.eval()
    # the first three branches are the same, the pool branch differs
    with gk.no_grad():
        a, b = m.Mixed_5b(x).numpy(), ref(x).numpy()
    np.testing.assert_allclose(a[:, :224], b[:, :224], rtol=1e-6)
    assert not np.allclose(a[:, 224:], b[:, 224:])
    for cls, args, c_out in [(inception.InceptionB, (288,), 768),
                             (inception.InceptionC, (768, 128), 768),
                             (inception.InceptionD, (768,), 1280),
                             (inception.InceptionE, (1280,), 2048)]:
        blk = cls(*args)
        blk.eval()
        with gk.no_grad():
            assert blk(gk.randn(1, args[0], 17, 17)).shape[1] == c_out
