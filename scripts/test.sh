#!/usr/bin/env bash
# Run every check and test: format, lint, unit tests and the integration tests (the real binary
# under a Lambda Runtime API, moto_server as IAM, a local ResponseURL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MOTO_SERVER="$PWD/.venv/bin/moto_server"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
