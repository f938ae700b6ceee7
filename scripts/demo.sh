#!/usr/bin/env bash
# The main job as a user sees it, on a real CloudFormation engine: MiniStack (with moto as the
# function's IAM and STS, scripts/engine.sh), `sam deploy` of the function's stack, then the
# README's quick-start stack (examples/quick-start.yaml) created, updated and deleted, its
# outputs, events and roles printed, IAM shown empty, the function's stack removed with
# `sam delete`, and everything stopped. To try one event file by hand instead, see the README
# ("Try one event by hand": `cargo lambda watch` + `cargo lambda invoke`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck source=scripts/engine.sh
. scripts/engine.sh
ENGINE_DIR=$PWD/target/demo
started=$SECONDS
trap engine_stop EXIT

echo "== Build (host build of the function, laid out as sam build does)"
engine_build
engine_start
echo "== sam deploy of the function's stack ($ENGINE_STACK) into the engine"
engine_deploy >"$ENGINE_DIR/sam-deploy.log" 2>&1 || { cat "$ENGINE_DIR/sam-deploy.log"; exit 1; }
grep -E "^(CREATE|UPDATE)_|Successfully" "$ENGINE_DIR/sam-deploy.log" | tail -n 3 || true
echo
set -a; . "$ENGINE_DIR/env"; set +a
.venv-engine/bin/python scripts/demo-stack.py
echo
echo "== sam delete of the function's stack"
engine_delete >"$ENGINE_DIR/sam-delete.log" 2>&1 || { cat "$ENGINE_DIR/sam-delete.log"; exit 1; }
tail -n 1 "$ENGINE_DIR/sam-delete.log"
echo "demo: done in $((SECONDS - started)) s; engine and function logs in $ENGINE_DIR/"
