#!/usr/bin/env bash
# The README's test command: type-check, lint, then unit and integration tests on real servers.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
cd "$ADVSCREEN_ROOT"

# The integration tests need a Redis server: a container where Docker runs, else Debian's
# redis-server; writing 4:2:2 JPEGs (training, its tests) needs libjpeg-turbo's cjpeg. On a fresh
# Debian machine without them, install them (as root, or via sudo).
missing=()
if ! command -v redis-server >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then missing+=(redis-server); fi
command -v cjpeg >/dev/null 2>&1 || missing+=(libjpeg-turbo-progs)
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
  echo "advscreen: installing Debian's ${missing[*]} for the tests" >&2
  ($sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}") >&2 ||
    echo "advscreen: could not install ${missing[*]}; install it (or run Docker for Redis) and run npm test again" >&2
fi

# The metrics test scrapes the monitor with a real Prometheus: Debian's binary, unpacked into
# .tools/ rather than installed (no service, no root needed once the package lists exist).
prometheus_dir="$ADVSCREEN_ROOT/.tools/prometheus"
if ! command -v prometheus >/dev/null 2>&1 && [ ! -x "$prometheus_dir/usr/bin/prometheus" ] &&
  command -v apt-get >/dev/null 2>&1; then
  echo "advscreen: fetching Debian's prometheus into .tools/ for the tests (one time)" >&2
  download="$(mktemp -d)"
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
  if (cd "$download" && { apt-get download -qq prometheus 2>/dev/null ||
    { $sudo apt-get update -qq && apt-get download -qq prometheus 2>/dev/null; }; }) &&
    dpkg-deb -x "$download"/prometheus_*.deb "$prometheus_dir"; then :; else
    echo "advscreen: could not fetch Debian's prometheus; put a prometheus binary on PATH and run npm test again" >&2
  fi
  rm -rf "$download"
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
