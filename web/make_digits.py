"""Write digits.bin, the data the page trains on: scikit-learn's 1,797 real 8x8 handwritten
digits (UCI optdigits test set), one record of 65 bytes per image: 64 pixel intensities 0..16,
row by row, then the label 0..9. Run once when the data must be regenerated:
python web/make_digits.py (needs scikit-learn)."""

import hashlib
import os

import numpy as np
from sklearn.datasets import load_digits

X, y = load_digits(return_X_y=True)
records = np.concatenate([X.astype(np.uint8), y.astype(np.uint8)[:, None]], axis=1)
assert records.shape == (1797, 65) and records[:, :64].max() == 16
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.bin")
with open(path, "wb") as f:
    f.write(records.tobytes())
print(path, records.nbytes, "bytes, sha256", hashlib.sha256(records.tobytes()).hexdigest())
