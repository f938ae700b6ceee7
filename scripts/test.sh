#!/usr/bin/env bash
# Run every check and test: format, cfn-lint on the SAM template and examples, the CDK example
# (type-checked, synthesized offline, its template linted), clippy, unit and property tests, and
# the integration tests (the real binary under a Lambda Runtime API, moto_server as IAM, a local
# ResponseURL), including the authorization test (the IAM calls replayed through an IAM policy
# engine against the template's execution role).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MOTO_SERVER="$PWD/.venv/bin/moto_server"
cargo fmt --all -- --check
.venv/bin/cfn-lint template.yaml examples/*.yaml
# The CDK example: type-checked, synthesized offline by the pinned CDK CLI (a placeholder asset;
# any network attempt fails it), and its template linted. tests/cdk.rs checks what it synthesizes.
(cd examples/cdk && node_modules/.bin/tsc --noEmit)
scripts/cdk-synth.sh target/cdk/synth
.venv/bin/cfn-lint target/cdk/synth/EcsIamRoles.template.json
cargo clippy --all-targets --locked -- -D warnings
# The IAM policy engine behaves as the authorization test assumes (missing keys, iam-data facts).
node test-tools/authz/selftest.mjs
log=target/test-output.log
mkdir -p target
rm -f target/authz/summary.txt target/real-iam/throttling.txt
set +e
cargo test --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The authorization test's figures: IAM calls allowed/denied and escalations, per parameter set.
if [ -f target/authz/summary.txt ]; then cat target/authz/summary.txt; fi
# Ten stacks at once under 30 % throttling (tests/real_iam.rs): calls, retries, wall time.
if [ -f target/real-iam/throttling.txt ]; then cat target/real-iam/throttling.txt; fi
# One closing line over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
