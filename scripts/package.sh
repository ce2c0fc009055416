#!/usr/bin/env bash
# Builds Dixon Counter for release and makes its Linux installer: a .deb with the app, the `dixon`
# CLI (/usr/bin/dixon) and everything they need at run time — the UI, the offline VIN data
# (NHTSA vPIC tables, /usr/lib/Dixon Counter/vpic), DTC descriptions and PDF fonts (built into
# the programs); Tesseract's English data and the webview come from Debian packages the .deb
# depends on. Writes the installer's path and size at the end.
#
#   scripts/package.sh            # .deb into $CARGO_TARGET_DIR/release/bundle/deb/
#   scripts/package.sh appimage   # also an AppImage (Tauri downloads linuxdeploy from GitHub)
#
# Then prove it: scripts/package-smoke.sh installs the .deb and runs it with an empty HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
[ -x ui/node_modules/.bin/tauri ] || npm --prefix ui ci --no-audit --no-fund

# The offline VIN tables are written by the corgi-rs build script (CORGI_CACHE_DIR, default
# ~/.corgi-rs-cache); building the CLI first makes sure they exist before they are bundled.
tables="${CORGI_CACHE_DIR:-$HOME/.corgi-rs-cache}"
cargo build --release --locked -p dixon-cli
[ -f "$tables/wmi.fst" ] || { echo "the offline VIN tables are not in $tables" >&2; exit 1; }

targets='["deb"]'
if [ "${1:-}" = appimage ]; then targets='["deb", "appimage"]'; fi
config=$(mktemp --suffix=.json)
trap 'rm -f "$config"' EXIT
# the UI is built here: Tauri's CLI would run the build command from the folder above this one
npm --prefix ui run build --silent
cat > "$config" <<JSON
{
  "build": { "beforeBuildCommand": "" },
  "bundle": {
    "targets": $targets,
    "resources": { "$tables/*.fst": "vpic/", "$tables/*.bin": "vpic/" },
    "linux": {
      "deb": {
        "depends": ["libtesseract5", "tesseract-ocr-eng"],
        "files": { "/usr/bin/dixon": "$CARGO_TARGET_DIR/release/dixon" }
      }
    }
  }
}
JSON
ui/node_modules/.bin/tauri build --ci --config "$config"

for bundle in "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/appimage/*.AppImage; do
  [ -f "$bundle" ] && printf '%s\t%s\n' "$(du -h "$bundle" | cut -f1)" "$bundle"
done
