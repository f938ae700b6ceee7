#!/usr/bin/env bash
# Install what the other scripts need into ignored folders of the repository:
# - .venv (PyPI): moto_server, cargo-lambda, ziglang, cfn-lint and the SAM CLI;
# - .venv-checkov (PyPI): checkov, apart because its exact boto3 pin conflicts with the SAM CLI's;
# - .venv-engine (PyPI): MiniStack (a CloudFormation engine), aws-sam-translator, boto3 and pytest
#   for the stack-level tests (scripts/stack-test.sh), apart for the same reason;
# - test-tools/authz/node_modules (npm, from its lockfile): the IAM policy engine that the
#   authorization test replays the function's IAM calls through;
# - test-tools/cdk-relay/node_modules (npm, from its lockfile): aws-cdk-lib, whose own
#   provider-framework runtime the relay test runs, and the AWS SDK clients it loads (~200 MB).
# - examples/cdk/node_modules (npm, from its lockfile): the CDK example's aws-cdk-lib,
#   constructs, TypeScript, ts-node and the CDK CLI (~245 MB), to type-check and synthesize it.
# Each re-runs only when its pinned list changes.
set -euo pipefail
cd "$(dirname "$0")/.."

# py_tool VENV REQUIREMENTS WHAT: pip install REQUIREMENTS into VENV unless it matches them.
py_tool() {
  local venv=$1 requirements=$2 what=$3
  local stamp=$venv/.requirements-installed
  if ! { [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; }; then
    command -v python3 >/dev/null || { echo "setup: python3 is needed (apt-get install python3 python3-venv)" >&2; exit 1; }
    echo "setup: installing $what into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
  fi
}
py_tool .venv scripts/requirements-dev.txt "moto, cargo-lambda, ziglang, cfn-lint and the SAM CLI"
py_tool .venv-checkov scripts/requirements-checkov.txt "checkov"
py_tool .venv-engine scripts/requirements-engine.txt "MiniStack, aws-sam-translator and pytest"

# npm_tool DIR WHAT: `npm ci` in DIR unless its node_modules matches its lockfile.
npm_tool() {
  local tools=$1 what=$2
  local stamp=$tools/node_modules/.lock-installed
  if ! { [ -f "$stamp" ] && cmp -s "$tools/package-lock.json" "$stamp"; }; then
    command -v npm >/dev/null || { echo "setup: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
    echo "setup: installing $what into $tools/node_modules" >&2
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$tools/package-lock.json" "$stamp"
  fi
}
npm_tool test-tools/authz "the IAM policy engine"
npm_tool test-tools/cdk-relay "aws-cdk-lib's provider framework and the AWS SDK clients it loads"
npm_tool examples/cdk "the CDK example's aws-cdk-lib, TypeScript and CDK CLI"
