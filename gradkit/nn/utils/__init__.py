"""``gradkit.nn.utils``: gradient clipping, parameter/vector conversion, parametrizations, the
hook-based ``weight_norm``/``spectral_norm``."""

from .clip_grad import *  # noqa: F401,F403
from .convert_parameters import *  # noqa: F401,F403
from . import rnn  # noqa: F401  (PackedSequence, pack_padded_sequence, ...)
from . import parametrizations, parametrize, prune  # noqa: E402,F401
from .spectral_norm import *  # noqa: E402,F401,F403  (the hook-based API)
from .weight_norm import *  # noqa: E402,F401,F403
from .fusion import *  # noqa: E402,F401,F403  (fuse_conv_bn_eval, ...)
from . import fusion, stateless  # noqa: E402,F401
from .init import skip_init  # noqa: E402,F401
from .memory_format import *  # noqa: E402,F401,F403  (convert_conv2d_weight_memory_format)
from . import memory_format  # noqa: E402,F401
