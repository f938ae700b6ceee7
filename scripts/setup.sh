#!/usr/bin/env bash
# Install what the other scripts need into .venv (ignored by git): moto_server, cargo-lambda,
# ziglang, cfn-lint. Re-runs only when scripts/requirements-dev.txt changes.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements-installed
if [ -f "$stamp" ] && cmp -s scripts/requirements-dev.txt "$stamp"; then
  exit 0
fi
command -v python3 >/dev/null || { echo "setup: python3 is needed (apt-get install python3 python3-venv)" >&2; exit 1; }
echo "setup: installing moto, cargo-lambda, ziglang and cfn-lint into .venv" >&2
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-dev.txt
cp scripts/requirements-dev.txt "$stamp"
