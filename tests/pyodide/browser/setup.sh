# Sourced by the headless-browser jobs (tests/pyodide/run_web.sh, docs/build.sh): installs
# Debian's chromium when missing and the npm driver puppeteer-core (npm ci, pinned by
# tests/pyodide/browser/package-lock.json; it downloads no browser) into $CACHE/browser.
# Needs CACHE, PYTHON and say(); sets CHROMIUM and BROWSER_DIR, and defines serve().
_BROWSER_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ]; then
  say "installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  CHROMIUM=$(command -v chromium)
fi
say "$("$CHROMIUM" --version 2>/dev/null | head -1)"

BROWSER_DIR=$CACHE/browser
if ! cmp -s "$_BROWSER_HERE/package-lock.json" "$BROWSER_DIR/package-lock.json" ||
   [ ! -d "$BROWSER_DIR/node_modules/puppeteer-core" ]; then
  say "npm ci (puppeteer-core)"
  rm -rf "$BROWSER_DIR"; mkdir -p "$BROWSER_DIR"
  cp "$_BROWSER_HERE/package.json" "$_BROWSER_HERE/package-lock.json" "$BROWSER_DIR/"
  (cd "$BROWSER_DIR" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# serve DIR LOG: a static server for DIR on a free 127.0.0.1 port, stopped on exit; sets PORT.
serve() {
  PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$PYTHON" -m http.server --bind 127.0.0.1 --directory "$1" "$PORT" >"$2" 2>&1 &
  _SERVER=$!
  trap 'kill $_SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    "$PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/')" \
      2>/dev/null && break
    sleep 0.1
  done
}
