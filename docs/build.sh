#!/usr/bin/env bash
# Builds the documentation site and checks it: bash docs/build.sh
#
# Installs the pinned documentation tools (docs/requirements.txt) into the current Python
# environment, which must have gradkit installed with its `train` extra (the figures use
# matplotlib and the digits), builds the site into site/ with `mkdocs build --strict` (warnings
# are errors: a broken internal link or anchor, a docstring reference that resolves nowhere),
# then serves site/ on 127.0.0.1 and opens pages in headless Chromium (docs/check_pages.mjs:
# each renders its content, search works, no console errors; screenshots kept in
# $GRADKIT_ARTIFACTS, default .pyodide-cache/artifacts/). Exit code 0 only when all passed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${GRADKIT_PYODIDE_CACHE:-$ROOT/.pyodide-cache}
ARTIFACTS=${GRADKIT_ARTIFACTS:-$CACHE/artifacts}
PYTHON=${PYTHON:-python3}
T0=$(date +%s)
say() { echo "[docs-job $(( $(date +%s) - T0 ))s] $*"; }
mkdir -p "$CACHE" "$ARTIFACTS"
cd "$ROOT"

say "installing the documentation tools (docs/requirements.txt)"
"$PYTHON" -m pip install --quiet -r docs/requirements.txt
say "mkdocs build --strict"
rm -rf site
NO_MKDOCS_2_WARNING=1 "$PYTHON" -m mkdocs build --strict --site-dir site
say "built $(find site -name '*.html' | wc -l) pages"

# shellcheck source=../tests/pyodide/browser/setup.sh
. "$ROOT/tests/pyodide/browser/setup.sh"   # sets CHROMIUM and BROWSER_DIR, defines serve
serve site "$CACHE/docs-http.log"   # sets PORT
say "opening pages of http://127.0.0.1:$PORT/ in headless Chromium"
set +e
CHROMIUM=$CHROMIUM BROWSER_MODULES=$BROWSER_DIR/node_modules \
  node "$ROOT/docs/check_pages.mjs" "http://127.0.0.1:$PORT/" "$ARTIFACTS"
rc=$?
set -e
say "done (exit $rc)"
exit $rc
