#!/usr/bin/env bash
# Peer comparison: the same 100,000 pay requests signed by a naive Python
# signer, a naive PHP signer (what merchant integration code typically does) and by
# allinpay_protocol::sign::md5_sign. Prints each one's messages/second, checks that all
# three produce the same signatures (same checksum), and our throughput as a multiple.
#
#   benches/peers/run.sh [N]
#
# Needs python3 and php-cli; installs php-cli with apt-get when it is missing and we are
# root (apt-get update && apt-get install -y php-cli).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-100000}

if ! command -v php >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "php not found: installing php-cli" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli >/dev/null
  else
    echo "php not found: apt-get install -y php-cli" >&2
    exit 2
  fi
fi

cd "$root"
cargo build --release --quiet -p allinpay-benches --example peer_signer
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
  "$target_dir/release/examples/peer_signer" "$n"
  python3 "$here/naive_signer.py" "$n"
  php "$here/naive_signer.php" "$n"
} | tee "$out"

echo "$(python3 --version 2>&1), $(php --version | head -1 | cut -d' ' -f1-2)"
awk '
  { rate[$1] = $7; sum[$1] = $NF }
  END {
    if (sum["rust"] != sum["python"] || sum["rust"] != sum["php"]) {
      print "MISMATCH: the signers disagree (checksums differ)"; exit 1
    }
    printf "same signatures (checksum %s)\n", sum["rust"]
    printf "rust / python: %.1fx\n", rate["rust"] / rate["python"]
    printf "rust / php:    %.1fx\n", rate["rust"] / rate["php"]
  }' "$out"
