#!/usr/bin/env bash
# Builds and starts Dixon Counter on its embedded defaults. Extra arguments go to the app,
# e.g. scripts/run.sh --data-dir /tmp/dixon-demo
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
npm --prefix ui run build --silent
exec cargo run --quiet -p dixon-counter -- "$@"
