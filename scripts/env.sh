# Sourced by ./advscreen and scripts/test.sh: puts Node 24 on PATH (fetched from the npm
# registry into .tools/ when the machine's node is another major) and installs dependencies
# when package-lock.json is newer than node_modules. Progress goes to stderr.
ADVSCREEN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ADVSCREEN_NODE_DIR="$ADVSCREEN_ROOT/.tools/node24"

advscreen_node_is_24() {
  command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "24" ]
}

if ! advscreen_node_is_24; then
  if [ ! -x "$ADVSCREEN_NODE_DIR/node_modules/node/bin/node" ]; then
    echo "advscreen: fetching Node 24 into .tools/ (one time)" >&2
    npm install --prefix "$ADVSCREEN_NODE_DIR" --no-audit --no-fund --loglevel=error node@24 >&2
  fi
  export PATH="$ADVSCREEN_NODE_DIR/node_modules/node/bin:$PATH"
fi

if [ ! -f "$ADVSCREEN_ROOT/node_modules/.package-lock.json" ] ||
  [ "$ADVSCREEN_ROOT/package-lock.json" -nt "$ADVSCREEN_ROOT/node_modules/.package-lock.json" ]; then
  echo "advscreen: installing dependencies (npm ci)" >&2
  # onnxruntime-node's CUDA files are downloaded at install time and fail offline; the GPU image
  # bakes CUDA in. Its current flag, beside .npmrc's older key (which npm 12 will stop passing on).
  (cd "$ADVSCREEN_ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error >&2)
fi
