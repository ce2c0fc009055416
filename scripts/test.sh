#!/usr/bin/env bash
# Installs what the tests need, then runs every test: the UI's unit tests and type check, and
# every Rust test in the workspace (unit, store, CLI, headless commands, WebDriver end to end).
#
# The Rust tests run inside their own D-Bus session with a real Secret Service (gnome-keyring,
# unlocked, its keyrings in a throwaway folder): secrets are saved and read the way a counter
# does it, and nothing touches this user's own keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
echo "==> UI: type check, unit tests, build"
npm --prefix ui run build --silent
npm --prefix ui test --silent
echo "==> Rust: every test in the workspace (with a real Secret Service)"
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
export XDG_DATA_HOME="$keyrings" DIXON_REQUIRE_KEYRING=1
dbus-run-session -- bash -c '
  echo -n dixon-tests | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec cargo test --workspace --locked "$@"' bash "$@"
