#!/usr/bin/env bash
# One run of everything docs/performance.md reports, on this machine: the criterion
# benchmarks, `openssl speed` RSA verify in the same run, the peer comparison, the
# callgrind check, then the Markdown summary (benches/report.py).
#
#   benches/run-all.sh [criterion args...]     e.g. benches/run-all.sh --save-baseline main
#
# Needs cargo, openssl, python3, php-cli (peers/run.sh installs it), valgrind.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
out="$target_dir/bench-run"
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uptime | sed 's/.*load/load/')" | tee "$out/machine.txt"
echo "== $(rustc --version), $(openssl version)" | tee -a "$out/machine.txt"

echo "== cargo bench -p allinpay-benches -- $*"
cargo bench -p allinpay-benches --bench signing -- "$@" 2>&1 | tee "$out/criterion.txt"

echo "== interleaved bursts (noise-robust MD5 ratios)"
cargo run --release --quiet -p allinpay-benches --bin hotpath -- --ratios | tee "$out/ratios.txt"

echo "== openssl speed -seconds 3 rsa1024 rsa2048"
openssl speed -seconds 3 -mr rsa1024 rsa2048 2>/dev/null >"$out/openssl.txt"
openssl speed -seconds 1 rsa1024 rsa2048 2>/dev/null | tail -3

echo "== peers"
"$here/peers/run.sh" | tee "$out/peers.txt"

echo "== callgrind"
"$here/callgrind.sh" --check | tee "$out/callgrind.txt" || true

echo "== summary (uptime after: $(uptime | sed 's/.*load/load/'))"
python3 "$here/report.py" "$target_dir/criterion" "$out/openssl.txt" "$out/peers.txt" | tee "$out/summary.md"
