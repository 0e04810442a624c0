#!/usr/bin/env bash
# CI: installs what the example adapters need (php-cli, Python's
# cryptography, a JDK, Node) where missing, then runs the conformance runner against each,
# as an integrator would.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

apt_updated=
apt_install() {
    if [ -z "$apt_updated" ]; then
        apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if ! command -v php >/dev/null 2>&1; then
    apt_install php-cli
fi
if ! command -v javac >/dev/null 2>&1; then
    apt_install default-jdk-headless
fi
if ! command -v node >/dev/null 2>&1; then
    apt_install nodejs
fi
if ! python3 -c 'import cryptography' 2>/dev/null; then
    # Certificate mode of the Python example; without it those cases are skipped, not failed.
    python3 -m pip install --quiet cryptography ||
        echo "adapters.sh: cryptography not installed; the Python adapter skips certificate cases"
fi

# The exact verdicts of the good and broken variants (conformance/tests/adapters.rs) run
# in .ci/run's `cargo test --workspace` with ALLINPAY_REQUIRE_PHP=1, ALLINPAY_REQUIRE_JAVA=1
# and ALLINPAY_REQUIRE_NODE=1: PHP, Java and Node are never skipped.

# The Java example is compiled with the JDK alone (no build tool, no dependencies).
java_classes=target/ci-java-adapter
mkdir -p "$java_classes"
javac -Xlint:all -Werror -d "$java_classes" examples/adapters/java/AllinpayAdapter.java

# As an integrator runs it: every case against each example (exit 1 on any failure).
cargo run -q -p allinpay-conformance -- run --adapter 'python3 examples/adapters/python/allinpay_adapter.py' | tail -n 2
cargo run -q -p allinpay-conformance -- run --adapter 'php examples/adapters/php/allinpay_adapter.php' | tail -n 2
cargo run -q -p allinpay-conformance -- run --adapter "java -cp $java_classes AllinpayAdapter" | tail -n 2
cargo run -q -p allinpay-conformance -- run --adapter 'node examples/adapters/node/allinpay_adapter.js' | tail -n 2
