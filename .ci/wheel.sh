#!/usr/bin/env bash
# CI: the wheel an integrator without Rust installs. Builds it with maturin
# (`bindings = "bin"`; the dev profile reuses the test build, a release wheel is
# `maturin build --release`), installs it into a fresh virtualenv and runs the installed
# command from another directory, on the vectors built into the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if ! command -v maturin >/dev/null 2>&1; then
    python3 -m pip install --quiet 'maturin>=1.5,<2'
fi
rm -rf target/wheels
maturin build --profile dev -o target/wheels --quiet 2>&1 | tail -n 1
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --no-index target/wheels/allinpay_conformance-*.whl
cd "$(mktemp -d)"
export ALLINPAY_VECTORS=embedded
"$venv/bin/allinpay-conformance" run | tail -n 1
"$venv/bin/allinpay-conformance" run --adapter "python3 $root/examples/adapters/python/allinpay_adapter.py" | tail -n 1
