"""``gradkit.datasets``: real data sets that need no download.

* ``Digits``: 1,797 8x8 handwritten digits bundled with scikit-learn (``pip install
  gradkit[train]``).
* ``MNIST`` / ``FashionMNIST``: the standard IDX files from a folder you name.
* ``CharCorpus``: a character-level corpus from any text file, or Python's own documentation.
"""

from .digits import Digits
from .mnist import MNIST, FashionMNIST, IDXFormatError, read_idx
from .text import CharCorpus, default_corpus_text

__all__ = ["MNIST", "CharCorpus", "Digits", "FashionMNIST", "IDXFormatError",
           "default_corpus_text", "read_idx"]
