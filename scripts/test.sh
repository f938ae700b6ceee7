#!/usr/bin/env bash
# Run every check and test: format, cfn-lint on the SAM template and examples, clippy, unit and
# property tests, and the integration tests (the real binary under a Lambda Runtime API,
# moto_server as IAM, a local ResponseURL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MOTO_SERVER="$PWD/.venv/bin/moto_server"
cargo fmt --all -- --check
.venv/bin/cfn-lint template.yaml examples/*.yaml
cargo clippy --all-targets --locked -- -D warnings
log=target/test-output.log
mkdir -p target
set +e
cargo test --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
