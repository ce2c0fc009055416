#!/usr/bin/env bash
# Installs what the tests need, then runs every test: the UI's unit tests and type check, and
# every Rust test in the workspace (unit, store, CLI, headless commands, WebDriver end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
echo "==> UI: type check, unit tests, build"
npm --prefix ui run build --silent
npm --prefix ui test --silent
echo "==> Rust: every test in the workspace"
cargo test --workspace --locked
