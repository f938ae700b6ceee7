#!/usr/bin/env bash
# Install what the other scripts need into ignored folders of the repository:
# - .venv (PyPI): moto_server, cargo-lambda, ziglang and cfn-lint;
# - test-tools/authz/node_modules (npm, from its lockfile): the IAM policy engine that the
#   authorization test replays the function's IAM calls through.
# Each re-runs only when its pinned list changes.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=.venv/.requirements-installed
if ! { [ -f "$stamp" ] && cmp -s scripts/requirements-dev.txt "$stamp"; }; then
  command -v python3 >/dev/null || { echo "setup: python3 is needed (apt-get install python3 python3-venv)" >&2; exit 1; }
  echo "setup: installing moto, cargo-lambda, ziglang and cfn-lint into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-dev.txt
  cp scripts/requirements-dev.txt "$stamp"
fi

tools=test-tools/authz
stamp=$tools/node_modules/.lock-installed
if ! { [ -f "$stamp" ] && cmp -s $tools/package-lock.json "$stamp"; }; then
  command -v npm >/dev/null || { echo "setup: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
  echo "setup: installing the IAM policy engine into $tools/node_modules" >&2
  (cd $tools && npm ci --no-audit --no-fund --loglevel=error)
  cp $tools/package-lock.json "$stamp"
fi
