#!/usr/bin/env bash
# Lay out the page's runtime next to it: web/pyodide/ (Pyodide 0.27.7 with its NumPy, micropip
# and packaging wheels, checked by hash) and web/wheels/ (gradkit's wheel built from this tree).
# Both are generated (git ignores them). Then serve the folder, e.g.
#   python -m http.server --bind 127.0.0.1 --directory web 8000   ->  http://127.0.0.1:8000/
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(bash "$HERE/../tests/pyodide/run.sh" --setup-only | tail -2)
DIST=$(echo "$OUT" | sed -n 's/^DIST=//p')
WHEEL=$(echo "$OUT" | sed -n 's/^WHEEL=//p')
rm -rf "$HERE/pyodide" "$HERE/wheels"
mkdir -p "$HERE/pyodide" "$HERE/wheels"
for f in pyodide.mjs pyodide.asm.js pyodide.asm.wasm python_stdlib.zip pyodide-lock.json; do
  cp "$DIST/$f" "$HERE/pyodide/"
done
cp "$DIST"/numpy-*.whl "$DIST"/micropip-*.whl "$DIST"/packaging-*.whl "$HERE/pyodide/"
cp "$WHEEL" "$HERE/wheels/"
# the files the service worker keeps for offline use, and the wheel's name
python3 - "$HERE" "$(basename "$WHEEL")" <<'PY'
import json, os, sys
here, wheel = sys.argv[1], sys.argv[2]
files = ["./", "index.html", "style.css", "app.js", "worker.js", "runtime.py", "train.py",
         "digits.bin", f"wheels/{wheel}"]
files += [f"pyodide/{n}" for n in sorted(os.listdir(os.path.join(here, "pyodide")))]
with open(os.path.join(here, "wheels", "manifest.json"), "w") as f:
    json.dump({"gradkit_wheel": wheel, "files": files}, f, indent=1)
PY
echo "web/ is ready: python -m http.server --bind 127.0.0.1 --directory $HERE 8000"
