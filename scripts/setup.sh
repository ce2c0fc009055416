#!/usr/bin/env bash
# Installs what Dixon Counter needs on Debian/Ubuntu, and nothing twice.
#   scripts/setup.sh          what running the app needs (system libraries, Rust, Node, UI packages)
#   scripts/setup.sh --test   plus what the tests need (Xvfb, WebKitWebDriver, tauri-driver, poppler,
#                             the Prism mock server for contract tests, gnome-keyring for a real
#                             Secret Service)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# libtesseract-dev + libleptonica-dev + tesseract-ocr-eng: reading VINs from pictures (the app links
# the system's Tesseract; its English data is read at run time)
packages=(build-essential pkg-config curl ca-certificates libwebkit2gtk-4.1-dev libudev-dev libdbus-1-dev libclang-dev librsvg2-dev libtesseract-dev libleptonica-dev tesseract-ocr-eng)
# gnome-keyring + dbus: a real Secret Service for the tests that keep secrets (scripts/test.sh starts it);
# postgresql: the Dixon cloud's tests start their own throw-away clusters with its binaries;
# chromium + chromium-driver: the customer's approval page is tested in a phone-sized headless Chromium;
# tesseract-ocr: the plain command line the VIN OCR benchmark compares against
$want_test && packages+=(xvfb xauth webkit2gtk-driver poppler-utils socat python3 python3-venv gnome-keyring dbus dbus-x11 libsecret-tools postgresql chromium chromium-driver tesseract-ocr)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null || [[ $(node -p 'process.versions.node.split(".")[0]') -lt 18 ]]; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  if [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    say "Installing Rust (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  say "Installing UI packages (npm ci)"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi

if $want_test && { [[ ! -d tests/peers/node_modules ]] || [[ tests/peers/package-lock.json -nt tests/peers/node_modules/.package-lock.json ]]; }; then
  say "Installing the contract tests' mock servers (npm ci in tests/peers)"
  npm --prefix tests/peers ci --no-audit --no-fund --loglevel=error
fi

# The ELM327 emulator the OBD tests talk to, and python-OBD for the benchmark, in their own venv.
if $want_test && { [[ ! -x tests/peers/.venv/bin/python3 ]] || [[ tests/peers/requirements.txt -nt tests/peers/.venv/installed ]]; }; then
  say "Installing the Python test peers: the ELM327 emulator, moto (AWS SNS) and the benchmarks' references (tests/peers/.venv)"
  python3 -m venv tests/peers/.venv
  tests/peers/.venv/bin/python3 -m pip install --quiet --disable-pip-version-check -r tests/peers/requirements.txt
  touch tests/peers/.venv/installed
fi

if $want_test && ! command -v tauri-driver >/dev/null; then
  say "Installing tauri-driver (WebDriver bridge for the end-to-end test)"
  cargo install tauri-driver --locked --quiet
fi
