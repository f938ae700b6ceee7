#!/usr/bin/env bash
# The benchmark: builds the Lambda zip (arm64 when the Rust target can be had, else the host's),
# then runs benches/lifecycle.rs against moto and prints the table docs/src/contributors/benchmark.md records.
# Not part of CI: it builds in release (several minutes cold) and measures time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export MOTO_SERVER="$PWD/.venv/bin/moto_server"

arch=arm64
if ! rustup target list --installed 2>/dev/null | grep -q '^aarch64-unknown-linux-gnu$'; then
  if ! rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1; then
    echo "bench: the aarch64 Rust target cannot be installed here; measuring the host's zip instead" >&2
    arch=$(uname -m)
  fi
fi
# Its own target directory: the cross build does not invalidate the host's.
export CARGO_TARGET_DIR_LAMBDA="$PWD/target/$arch"
if [ "$arch" = arm64 ]; then
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR_LAMBDA" cargo lambda build --release --arm64 --output-format zip --locked
else
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR_LAMBDA" cargo lambda build --release --output-format zip --locked
fi
zip="target/$arch/lambda/ecs-iam-roles-function/bootstrap.zip"
BENCH_ZIP="$PWD/$zip" BENCH_ZIP_ARCH="$arch" cargo bench --locked --bench lifecycle
