#!/usr/bin/env bash
# CI, issue 6: installs what the example adapters need (php-cli, Python's cryptography),
# then runs the conformance runner against each, as an integrator would.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

if ! command -v php >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli >/dev/null
fi
if ! python3 -c 'import cryptography' 2>/dev/null; then
    # Certificate mode of the Python example; without it those cases are skipped, not failed.
    python3 -m pip install --quiet cryptography ||
        echo "adapters.sh: cryptography not installed; the Python adapter skips certificate cases"
fi

# The exact verdicts of the good and broken variants (conformance/tests/adapters.rs) run
# in .ci/run's `cargo test --workspace` with ALLINPAY_REQUIRE_PHP=1: PHP is never skipped.

# As an integrator runs it: every case against each example (exit 1 on any failure).
cargo run -q -p allinpay-conformance -- run --adapter 'python3 examples/adapters/python/allinpay_adapter.py' | tail -n 2
cargo run -q -p allinpay-conformance -- run --adapter 'php examples/adapters/php/allinpay_adapter.php' | tail -n 2
