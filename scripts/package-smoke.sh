#!/usr/bin/env bash
# The installed package's smoke test: installs the .deb scripts/package.sh made (apt pulls its
# dependencies), then runs the installed programs as a new user would — HOME an empty folder, so
# neither the build's caches (~/.corgi-rs-cache, the cargo registry) nor any data folder are in
# reach — and checks the offline VIN decoder, the OBD simulator, PDF printing, reading a VIN
# from a picture file (OCR of a windshield plate), the demo shop, and that the app starts.
#
#   scripts/package-smoke.sh [PATH.deb]     (root or sudo; removes nothing it did not install)
set -euo pipefail
cd "$(dirname "$0")/.."
deb="${1:-$(ls -t "${CARGO_TARGET_DIR:-$PWD/target}"/release/bundle/deb/*.deb | head -1)}"
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "Installing $deb"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$(realpath "$deb")" >/dev/null

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
run() { env -i HOME="$home" PATH=/usr/bin:/bin DIXON_VPIC_URL=http://127.0.0.1:9 DIXON_RECALLS_URL=http://127.0.0.1:9 "$@"; }
data="$home/shop"

say "The offline VIN decoder (vPIC unreachable, no build caches)"
run dixon --data-dir "$data" vin decode 1C6RR7LT2JS179571 | tee /dev/stderr | grep -q "2018 Ram 1500"

say "The OBD simulator, kept with a repair order"
run dixon --data-dir "$data" --json ro new --name "Pat Lee" --phone "(559) 234-5678" --vin 1C6RR7LT2JS179571 \
  --year 2018 --make Ram --model 1500 --concern "Check engine light" >/dev/null
run dixon --data-dir "$data" obd scan --sim shop_demo --ro 1001 | tee /dev/stderr | grep -q "P0301"

say "PDF printing"
run dixon --data-dir "$data" estimate add 1001 labor "Diagnose misfire" --qty 1 --price 145 >/dev/null
run dixon --data-dir "$data" estimate print 1001 --out "$home/estimate.pdf" >/dev/null
head -c 5 "$home/estimate.pdf" | grep -q "%PDF-"

say "A picture file: a windshield plate's VIN read by OCR (Tesseract from the package's dependencies)"
run dixon --data-dir "$data" scan ocr tests/fixtures/windshield-plate.jpg | tee /dev/stderr | grep -q "4A3AA46G3WE014285"

say "The demo shop"
run dixon --data-dir "$data" demo | tee /dev/stderr | grep -q "5 repair orders"

say "The app starts and stays up (Xvfb)"
if command -v xvfb-run >/dev/null; then
  run xvfb-run -a timeout 8 dixon-counter --data-dir "$data" && status=0 || status=$?
  [[ $status -eq 124 ]] || { echo "dixon-counter ended with $status before 8 s" >&2; exit 1; }
fi
say "The installed package works."
