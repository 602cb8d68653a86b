#!/usr/bin/env bash
# The README's test command: type-check, lint, then unit and integration tests on real servers.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
cd "$ADVSCREEN_ROOT"

# What the steps below install or copy outside the repository needs root: directly, or through
# passwordless sudo.
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"

# Package downloads get three tries a few seconds apart: a mirror's passing failure should not
# fail the tests.
three_tries() {
  for attempt in 1 2 3; do
    "$@" && return 0
    [ "$attempt" -lt 3 ] && sleep $((attempt * 5))
  done
  return 1
}

# The integration tests need a Redis server: a container where Docker runs, else Debian's
# redis-server; writing 4:2:2 JPEGs (training, its tests) needs libjpeg-turbo's cjpeg. On a fresh
# Debian machine without them, install them (as root, or via sudo).
missing=()
if ! command -v redis-server >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then missing+=(redis-server); fi
command -v cjpeg >/dev/null 2>&1 || missing+=(libjpeg-turbo-progs)
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "advscreen: installing Debian's ${missing[*]} for the tests" >&2
  three_tries sh -c "$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends ${missing[*]}" >&2 ||
    echo "advscreen: could not install ${missing[*]}; install it (or run Docker for Redis) and run npm test again" >&2
fi

# The metrics tests run a real Prometheus and Alertmanager: Debian's binaries, unpacked into
# .tools/ rather than installed (no service, no root needed once the package lists exist).
tools_dir="$ADVSCREEN_ROOT/.tools/prometheus"
fetch_into_tools() {
  (cd "$download" && { apt-get download -qq "$1" 2>/dev/null ||
    { $sudo apt-get update -qq && apt-get download -qq "$1" 2>/dev/null; }; }) &&
    mkdir -p "$tools_dir" && dpkg-deb -x "$download/$1"_*.deb "$tools_dir"
}
for package in prometheus prometheus-alertmanager; do
  if ! command -v "$package" >/dev/null 2>&1 && [ ! -x "$tools_dir/usr/bin/$package" ] &&
    command -v apt-get >/dev/null 2>&1; then
    echo "advscreen: fetching Debian's $package into .tools/ for the tests (one time)" >&2
    download="$(mktemp -d)"
    three_tries fetch_into_tools "$package" ||
      echo "advscreen: could not fetch Debian's $package; put its binary on PATH and run npm test again" >&2
    rm -rf "$download"
  fi
done
# Debian's Alertmanager reads its default message templates from this fixed path (patched in).
templates=/usr/share/prometheus/alertmanager
if [ -d "$tools_dir$templates" ] && [ ! -f "$templates/default.tmpl" ]; then
  { $sudo mkdir -p "$templates" && $sudo cp "$tools_dir$templates"/*.tmpl "$templates/"; } 2>/dev/null ||
    echo "advscreen: could not copy Alertmanager's templates to $templates; copy them from $tools_dir$templates and run npm test again" >&2
fi

npx tsc --build
npx biome check .
report="$(mktemp)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report"
rm -f "$report"
exit "$status"
