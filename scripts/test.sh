#!/usr/bin/env bash
# Run every check and test: format, cfn-lint on the SAM template and examples, the files xtask
# generates from the kinds' registry, `sam validate --lint` and checkov on the SAM template, the
# CDK example (type-checked, synthesized offline, its template linted), clippy, the worked example
# of adding a kind (scripts/worked-example.py), `sam build` (where
# the arm64 Rust target is installed), unit and property tests, and the integration tests (the
# real binary under a Lambda Runtime API, moto_server as IAM, a local ResponseURL), including the
# authorization test (the IAM calls replayed through an IAM policy engine against the template's
# execution role), and the stack-level suite on a real CloudFormation engine (MiniStack;
# scripts/stack-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MOTO_SERVER="$PWD/.venv/bin/moto_server"
cargo fmt --all -- --check
# The kinds' files are modules that the registry macro declares, which cargo fmt does not reach.
rustfmt --edition 2021 --check core/src/kinds/*.rs
.venv/bin/cfn-lint template.yaml examples/*.yaml
# What the kinds' registry determines (template.yaml's attach list, the CDK example's policy,
# events/kinds/, the book's kind tables) is as xtask generates it; names each file out of date.
cargo run --locked -q -p xtask -- check
# The book (docs/) and the README's links into it: every relative link and #anchor resolves,
# no page links outside docs/src, every page is in docs/src/SUMMARY.md (standard library only).
python3 scripts/check-docs.py
# The CDK example: type-checked, synthesized offline by the pinned CDK CLI (a placeholder asset;
# any network attempt fails it), and its template linted. tests/cdk.rs checks what it synthesizes.
(cd examples/cdk && node_modules/.bin/tsc --noEmit)
scripts/cdk-synth.sh target/cdk/synth
.venv/bin/cfn-lint target/cdk/synth/EcsIamRoles.template.json
# The SAM CLI's own check of every template with the Serverless transform, offline: a region is
# all it needs (no credentials, no network), and it sends no telemetry.
export SAM_CLI_TELEMETRY=0
sam_templates=(template.yaml)
for f in examples/*.yaml; do
  if grep -q '^Transform:.*AWS::Serverless-2016-10-31' "$f"; then sam_templates+=("$f"); fi
done
for f in "${sam_templates[@]}"; do
  AWS_DEFAULT_REGION=us-east-1 .venv/bin/sam validate --lint --template-file "$f"
done
# checkov on the function's template, offline (--skip-download): any finding not suppressed in
# the template itself, with its reason (Metadata: checkov: skip), fails.
.venv-checkov/bin/checkov --file template.yaml --framework cloudformation --compact --quiet --skip-download
cargo clippy --workspace --all-targets --locked -- -D warnings
# The core stays pure: no async runtime, AWS SDK or HTTP crate among its dependencies.
if cargo tree --locked -p ecs-iam-roles-core -e normal --prefix none \
    | grep -E '^(tokio|aws-sdk-|aws-smithy-|reqwest|hyper) '; then
  echo "test: ecs-iam-roles-core depends on the crates above; it must do no I/O" >&2
  exit 1
fi
# The worked example of docs/src/contributors/adding-a-kind.md, run: its kind added to a copy of
# the repository as the page says, the generator run there, the page's claims checked, the golden
# test passed and the function's tests type-checked (after clippy, whose checked dependencies it
# reuses).
python3 scripts/worked-example.py
# `sam build` as a user runs it: the arm64 bootstrap through cargo-lambda. Only where the
# aarch64 Rust target is installed (rustup target add aarch64-unknown-linux-gnu); its own target
# directory (scripts/bench.sh's), so the cross build does not invalidate the host's.
# SKIP_SAM_BUILD=1 skips it (a cold release build: several minutes).
if [ "${SKIP_SAM_BUILD:-}" = 1 ]; then
  echo "test: sam build skipped (SKIP_SAM_BUILD=1)" >&2
elif ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
  echo "test: sam build skipped: the Rust target aarch64-unknown-linux-gnu is not installed (rustup target add aarch64-unknown-linux-gnu)" >&2
else
  PATH="$PWD/.venv/bin:$PATH" CARGO_TARGET_DIR="$PWD/target/arm64" AWS_DEFAULT_REGION=us-east-1 \
    .venv/bin/sam build --build-dir target/sam/build
  bootstrap=target/sam/build/Function/bootstrap
  # An ELF file (7f 'E' 'L' 'F'), 64-bit little-endian, whose e_machine (bytes 18-19) is
  # EM_AARCH64 (0xb7): what Architectures: [arm64] runs.
  header=$(od -An -tx1 -N20 "$bootstrap" | tr -d ' \n')
  if [ "${header:0:12}" != 7f454c460201 ] || [ "${header:36:4}" != b700 ]; then
    echo "test: $bootstrap is not a 64-bit little-endian arm64 ELF (header $header)" >&2
    exit 1
  fi
  echo "test: sam build: $bootstrap is an arm64 ELF ($(wc -c <"$bootstrap") bytes)" >&2
fi
# The IAM policy engine behaves as the authorization test assumes (missing keys, iam-data facts).
node test-tools/authz/selftest.mjs
log=target/test-output.log
mkdir -p target
rm -f target/authz/summary.txt target/real-iam/throttling.txt
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The authorization test's figures: IAM calls allowed/denied and escalations, per parameter set.
if [ -f target/authz/summary.txt ]; then cat target/authz/summary.txt; fi
# Ten stacks at once under 30 % throttling (tests/real_iam.rs): calls, retries, wall time.
if [ -f target/real-iam/throttling.txt ]; then cat target/real-iam/throttling.txt; fi
# The stack-level suite (tests/stack/, scripts/stack-test.sh): the function deployed with
# `sam deploy` into MiniStack, a real CloudFormation engine, with moto as its IAM and STS, and
# driven by stack operations only.
stack_log=target/stack-test-output.log
set +e
ENGINE_BIN_FRESH=1 scripts/stack-test.sh 2>&1 | tee "$stack_log"
stack_status=${PIPESTATUS[0]}
set -e
# One closing line over every test binary and the stack suite (pytest's "N failed, N passed";
# its "N errors", a fixture that failed, count as failed).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d %d\n", p, f }' "$log" >target/cargo-counts.txt
awk '/ in [0-9.]+s/ && /(passed|failed|error)/ { p = 0; f = 0; for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p = $i; if ($(i+1) ~ /^(failed|errors?)/) f += $i } }
     END { printf "%d %d\n", p, f }' "$stack_log" >target/stack-counts.txt
read -r cargo_passed cargo_failed <target/cargo-counts.txt
read -r stack_passed stack_failed <target/stack-counts.txt
echo "tests: $((cargo_passed + stack_passed)) passed, $((cargo_failed + stack_failed)) failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
exit "$stack_status"
