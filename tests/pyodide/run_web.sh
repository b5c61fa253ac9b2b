#!/usr/bin/env bash
# The web page's test in headless Chromium: bash tests/pyodide/run_web.sh
#
# Lays out web/ (web/build.sh: Pyodide 0.27.7, its NumPy checked by hash, gradkit's wheel),
# installs Debian's chromium when missing and the npm driver puppeteer-core (npm ci, pinned by
# tests/pyodide/browser/package-lock.json; it downloads no browser), serves web/ on 127.0.0.1,
# and runs tests/pyodide/web_test.mjs: the page loads from its own origin, training reaches >= 90%
# test accuracy, drawn digits are classified, the page works offline. The screenshot is kept in
# $GRADKIT_ARTIFACTS (default .pyodide-cache/artifacts/web-page.png). Ends with
# "N passed, M failed"; exit code 0 only when all passed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${GRADKIT_PYODIDE_CACHE:-$ROOT/.pyodide-cache}
ARTIFACTS=${GRADKIT_ARTIFACTS:-$CACHE/artifacts}
PYTHON=${PYTHON:-python3}
T0=$(date +%s)
say() { echo "[web-job $(( $(date +%s) - T0 ))s] $*"; }

bash "$ROOT/web/build.sh" | sed 's/^/  /'

# shellcheck source=browser/setup.sh
. "$HERE/browser/setup.sh"   # sets CHROMIUM and BROWSER_DIR, defines serve

serve "$ROOT/web" "$CACHE/http.log"   # sets PORT
mkdir -p "$ARTIFACTS"
say "testing http://127.0.0.1:$PORT/ in headless Chromium"
set +e
CHROMIUM=$CHROMIUM BROWSER_MODULES=$BROWSER_DIR/node_modules \
  node "$HERE/web_test.mjs" "http://127.0.0.1:$PORT/" "$ARTIFACTS/web-page.png"
rc=$?
set -e
say "done (exit $rc)"
exit $rc
