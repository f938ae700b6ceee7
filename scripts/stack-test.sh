#!/usr/bin/env bash
# Stack-level tests (tests/stack/): the function deployed by `sam deploy` into MiniStack, a real
# CloudFormation engine, and driven through create/update/delete of consumer stacks, with moto as
# its IAM and STS (scripts/engine.sh). Runs setup, the build step (target/sam/build from the host
# debug build) and pytest, which starts and stops the engine itself. Logs: target/stack-test/.
# Extra arguments go to pytest (e.g. -k rollback).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The function as the tree has it now (cargo build is a no-op when up to date), then the build dir.
scripts/engine.sh build
started=$SECONDS
status=0
STACK_TEST_NO_BUILD=1 .venv-engine/bin/pytest tests/stack -p no:cacheprovider -q -rfEs "$@" || status=$?
echo "stack-test: pytest exit $status in $((SECONDS - started)) s; logs in target/stack-test/" >&2
exit "$status"
