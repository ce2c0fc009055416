#!/usr/bin/env bash
# A local Dixon cloud to try counters against: a PostgreSQL cluster in a folder of its own, the
# schema, a demo shop with a one-time enrollment code, and the server on 127.0.0.1.
#   scripts/cloud.sh [--dir FOLDER] [--port 8787]      (Ctrl+C stops the server and the database)
# The cluster (default ~/.local/share/dixon-cloud-dev) is kept between runs; the demo shop is
# created once, and a fresh enrollment code is printed each run.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${HOME}/.local/share/dixon-cloud-dev"
port=8787
while (($#)); do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) echo "usage: scripts/cloud.sh [--dir FOLDER] [--port PORT]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$bin" ]]; then
  say "Installing PostgreSQL"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
export PATH="$HOME/.cargo/bin:$PATH"

# initdb refuses to run as root: as root the cluster belongs to the postgres user
pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$bin/$1" "${@:2}"; else "$bin/$1" "${@:2}"; fi; }

mkdir -p "$dir"
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
db_port=$((port + 1000))
if [[ ! -f "$dir/data/PG_VERSION" ]]; then
  say "Creating a PostgreSQL cluster in $dir/data"
  pg initdb -A trust -U postgres -E UTF8 -D "$dir/data" >/dev/null
fi
say "Starting PostgreSQL on 127.0.0.1:$db_port"
pg pg_ctl -w -l "$dir/postgres.log" -D "$dir/data" -o "-k $dir -p $db_port -c listen_addresses=127.0.0.1" start >/dev/null
trap 'pg pg_ctl -m fast -D "$dir/data" stop >/dev/null' EXIT
pg createdb -h 127.0.0.1 -p "$db_port" -U postgres dixon 2>/dev/null || true
url="postgres://postgres@127.0.0.1:$db_port/dixon"

say "Building dixon-cloud"
cargo build -q -p dixon-cloud
cloud="${CARGO_TARGET_DIR:-target}/debug/dixon-cloud"
"$cloud" --database-url "$url" migrate
if [[ -s "$dir/demo-shop" ]]; then
  shop=$(cat "$dir/demo-shop")
  code=$("$cloud" --database-url "$url" shop enroll-code "$shop" | awk '{print $3}')
else
  out=$("$cloud" --database-url "$url" shop create "Demo Auto Repair")
  shop=$(awk '/^shop/ {print $2}' <<<"$out")
  code=$(awk '/^enrollment code/ {print $3}' <<<"$out")
  echo "$shop" >"$dir/demo-shop"
fi
cat <<EOT

Dixon cloud for the demo shop "Demo Auto Repair" ($shop)
  enrollment code (one counter, 7 days):  $code
  another code:  $cloud --database-url $url shop enroll-code $shop
  the API:       http://127.0.0.1:$port   (health: http://127.0.0.1:$port/healthz)

EOT
"$cloud" --database-url "$url" serve --listen "127.0.0.1:$port"
