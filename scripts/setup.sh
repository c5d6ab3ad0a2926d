#!/usr/bin/env bash
# Everything `make run` and `make test` need on a fresh Debian 12 machine (run as root):
# system packages, the virtualenv, pinned Python and npm packages, static files, migrations.
# Each step is skipped when already done, so a second run takes a few seconds.
#   scripts/setup.sh            runtime set-up
#   scripts/setup.sh --test     also the test tools (chromium for browser tests, PostgreSQL, Redis)
#   scripts/setup.sh --bench    also what the benchmarks need (redis-server for the Redis runs,
#                               chromium and Playwright for the Janus capacity run)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
want_bench=0
[ "${1:-}" = "--bench" ] && want_bench=1
PYTHON=${PYTHON:-python3}
VENV=.venv
stamp_dir=var/.setup
mkdir -p "$stamp_dir"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- System packages ------------------------------------------------------------------------
packages=(gettext fonts-nanum ffmpeg)  # ffmpeg: ffprobe checks and HLS transcodes of uploads
# Janus (live classes' media server), janus-pp-rec for its recordings, and the browser library
# that matches it (janus.js with webrtc-adapter), copied into static files below.
packages+=(janus janus-tools libjs-janus-gateway libjs-webrtc-adapter)
[ "$want_test" = 1 ] && packages+=(chromium fonts-noto-cjk postgresql)
# manage.py backup and restore run pg_dump and pg_restore on a PostgreSQL installation.
[[ "${OPENCLASS_DATABASE_URL:-}" == postgres* ]] && packages+=(postgresql-client)
# The scaled profile's test pass puts Debian's nginx (with deploy/nginx.conf) in front.
[ "$want_test" = 1 ] && packages+=(nginx openssl)
[ "$want_bench" = 1 ] && packages+=(chromium)  # bench/janus_capacity's fake-media pages
# The tests and the benchmarks start throw-away redis-servers of their own (the Redis profile).
{ [ "$want_test" = 1 ] || [ "$want_bench" = 1 ]; } && packages+=(redis-server)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v npm >/dev/null || missing+=(nodejs npm)
# python3-venv only matters when the interpreter is Debian's own.
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then missing+=(python3-venv); fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages: ${missing[*]} — run as root or install them with apt-get." >&2
    exit 1
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the nginx it installs on port 80; the tests run their own, so it stays off.
  if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null; then
    systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

# --- Python ---------------------------------------------------------------------------------
reqs=requirements.txt
{ [ "$want_test" = 1 ] || [ "$want_bench" = 1 ]; } && reqs=requirements-dev.txt  # + Playwright
if [ ! -x "$VENV/bin/python" ]; then
  say "Creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
req_hash=$(cat requirements.txt "$reqs" | sha256sum | cut -c1-16)
if [ ! -f "$stamp_dir/pip-$req_hash" ]; then
  say "pip install -r $reqs"
  "$VENV/bin/pip" install --disable-pip-version-check -q -r "$reqs"
  rm -f "$stamp_dir"/pip-*
  touch "$stamp_dir/pip-$req_hash"
fi

# --- Front-end libraries from npm (pinned by package-lock.json), copied into static files ------
npm_hash=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
if [ ! -f "$stamp_dir/npm-$npm_hash" ] || [ ! -d node_modules ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  rm -f "$stamp_dir"/npm-*
  touch "$stamp_dir/npm-$npm_hash"
fi
vendor=openclass/web/static/vendor
mkdir -p "$vendor/htmx" "$vendor/hls.js" "$vendor/tus-js-client"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx/htmx.min.js"
# hls.worker.js lets hls.js run its worker from our own origin (the CSP forbids blob: workers).
# The .map files go along: the minified files name them, and collectstatic's manifest insists.
for file in hls.min.js hls.min.js.map hls.worker.js hls.worker.js.map; do
  cp "node_modules/hls.js/dist/$file" "$vendor/hls.js/$file"
done
cp node_modules/tus-js-client/dist/tus.min.js node_modules/tus-js-client/dist/tus.min.js.map \
  "$vendor/tus-js-client/"
# janus.js (a classic script defining the global Janus) and the webrtc-adapter it expects, from
# Debian's packages so they match the Janus server.
mkdir -p "$vendor/janus"
cp /usr/share/javascript/janus-gateway/janus.js /usr/share/javascript/webrtc-adapter/adapter.js \
  "$vendor/janus/"

# --- The project's own bytecode --------------------------------------------------------------
# Compiled once here (pip does the same for the packages): where Python runs with
# PYTHONDONTWRITEBYTECODE=1, as it does on the CI machine, every process would otherwise compile
# each of our modules it imports, about 0.8 s of a core for each server, worker and command the
# tests start. Only missing or stale files are compiled; an edited module is compiled afresh
# in memory until the next set-up.
"$VENV/bin/python" -m compileall -q -j 0 openclass bench scripts conftest.py manage.py >/dev/null

# --- Django ---------------------------------------------------------------------------------
say "collectstatic and migrate"
# The tests copy one migrated database of their own (openclass/core/tests/live_server.py), made
# once per set of migrations; made here beside the developer's, each takes half a minute of one
# core (Django renders the migration state hundreds of times), and the machine has two.
template_job=
if [ "$want_test" = 1 ]; then
  "$VENV/bin/python" -c 'from openclass.core.tests.live_server import migrated_template as m; m()' &
  template_job=$!
fi
"$VENV/bin/python" manage.py collectstatic --noinput -v 0
"$VENV/bin/python" manage.py migrate --noinput -v 0
[ -z "$template_job" ] || wait "$template_job"
