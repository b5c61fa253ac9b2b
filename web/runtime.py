# Runs in the page's worker after gradkit is installed: the data, the training entry point and
# the prediction for a drawn digit. DIGITS (the bytes of digits.bin) and post (a JS function
# taking a JSON string) are set by worker.js.
import json
import time
import traceback

import numpy as np

import gradkit as gk

_raw = np.frombuffer(DIGITS.to_py(), dtype=np.uint8).reshape(-1, 65)  # noqa: F821
_images = (_raw[:, :64].astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
_labels = _raw[:, 64].astype(np.int64)
_order = np.random.default_rng(0).permutation(len(_labels))
_test, _train = _order[:360], _order[360:]
X_train, y_train = gk.tensor(_images[_train]), gk.tensor(_labels[_train])
X_test, y_test = gk.tensor(_images[_test]), gk.tensor(_labels[_test])
_state = {"model": None}


def report(**values):
    """Send numbers to the page (loss, progress, epoch, test_accuracy, ...)."""
    post(json.dumps({"type": "metrics", **values}))  # noqa: F821


def train(code):
    ns = {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test,
          "report": report, "__name__": "__main__"}
    t0 = time.perf_counter()
    try:
        exec(compile(code, "train.py", "exec"), ns)
    except BaseException:  # noqa: BLE001 - shown on the page
        post(json.dumps({"type": "error", "text": traceback.format_exc()}))  # noqa: F821
        return
    model = ns.get("model")
    if not isinstance(model, gk.nn.Module):
        post(json.dumps({"type": "error",  # noqa: F821
                         "text": "the script must leave a gradkit.nn.Module named `model`"}))
        return
    model.eval()
    with gk.no_grad():
        acc = (model(X_test).argmax(1) == y_test).float().mean().item()
    _state["model"] = model
    post(json.dumps({"type": "trained", "test_accuracy": acc,  # noqa: F821
                     "seconds": time.perf_counter() - t0}))


def predict(pixels):
    """Class probabilities for 64 intensities in [0, 1] (an 8x8 image, row by row)."""
    model = _state["model"]
    if model is None:
        return json.dumps(None)
    x = gk.tensor(np.asarray(pixels.to_py(), dtype=np.float32).reshape(1, 1, 8, 8))
    model.eval()
    with gk.no_grad():
        probs = gk.softmax(model(x), dim=1)[0]
    return json.dumps([float(p) for p in probs.tolist()])
