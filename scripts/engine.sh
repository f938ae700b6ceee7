#!/usr/bin/env bash
# A real CloudFormation engine for stack-level tests: MiniStack (.venv-engine, pinned in
# scripts/requirements-engine.txt) runs the function's SAM stack and consumer stacks, and runs
# the function itself (provided.al2023) as a local child process; moto_server (.venv) is the IAM
# and STS that the function talks to. No Docker, loopback only, state under target/.
#
#   scripts/engine.sh start        start moto and MiniStack on free loopback ports, wait until
#                                  both answer; writes $ENGINE_DIR/env (sourceable: the URLs,
#                                  the account, the pids)
#   scripts/engine.sh stop         stop both (by the pids start recorded)
#   scripts/engine.sh build        the build directory `sam build` would make, from a host build:
#                                  target/sam/build/{template.yaml,Function/bootstrap}
#   scripts/engine.sh deploy       `sam deploy` of that build into the running MiniStack
#   scripts/engine.sh delete       `sam delete` of the function's stack
#   scripts/engine.sh run CMD...   start, run CMD with the env exported, stop on exit
#
# Sourcing the file defines the same steps as functions (engine_start, engine_stop, engine_build,
# engine_deploy, engine_delete) and runs nothing.
#
# How the function reaches moto for IAM and STS, and MiniStack for everything else
# (MiniStack 1.5.33, ministack/ in .venv-engine's site-packages):
# - services/lambda_svc.py:5457-5493 `_provided_worker_env` builds a provided.* function's
#   process environment as `dict(os.environ)` (MiniStack's own environment, line 5469), then the
#   Lambda variables, then `execution_credentials` (core/lambda_runtime.py:85: with AUTH off,
#   AWS_ACCESS_KEY_ID = the function ARN's account id), then the function's Environment, and
#   last AWS_ENDPOINT_URL from MiniStack's own environment (line 5485-5492). So variables set
#   in MiniStack's environment reach the function unless its template sets the same name, and
#   template.yaml stays unchanged: MiniStack is started with AWS_ENDPOINT_URL_IAM and
#   AWS_ENDPOINT_URL_STS = moto, which the AWS SDK for Rust (aws_config::from_env, src/main.rs)
#   prefers over AWS_ENDPOINT_URL for those two services, and AWS_ENDPOINT_URL = MiniStack for
#   anything else. MiniStack itself makes no AWS SDK calls (it only loads botocore's service
#   models), so these variables change nothing in MiniStack. There is no setting for extra
#   Lambda variables; the pass-through of its own environment is the mechanism.
# - The ResponseURL is MiniStack's own (services/cloudformation/custom_resource.py:14-55:
#   http://$MINISTACK_HOST:$GATEWAY_PORT/_ministack/cfn-response/TOKEN), so the answer goes to
#   MiniStack; MINISTACK_HOST=127.0.0.1 keeps it on loopback.
# - provided.* functions run as local child processes (services/lambda_svc.py:251
#   LAMBDA_EXECUTOR, default "local"; 5235-5245: provided.* -> the warm Runtime API worker,
#   core/lambda_runtime.py:2094-2105: Popen of the bootstrap). Docker only with
#   LAMBDA_EXECUTOR=docker or LAMBDA_STRICT=1, which are set to local / 0 here. Architectures is
#   not looked at, so the host's x86_64 (or arm64) build runs.
# - The function's log lines go to MiniStack's CloudWatch Logs, in LoggingConfig.LogGroup
#   (services/lambda_svc.py:5011-5030), /aws/lambda/<stack>-ecs-iam-roles here.
#
# Account ids: the function refuses a stack whose StackId account differs from STS
# GetCallerIdentity's. MiniStack's account is MINISTACK_ACCOUNT_ID (app.py:116, default
# 000000000000), except for a caller whose access key id is 12 digits (app.py:113-115); stack ids
# and function ARNs carry it, and the function's access key id is that account id
# (core/lambda_runtime.py:85-95). moto does NOT take the account from a 12-digit access key: it
# answers MOTO_ACCOUNT_ID when set, else the account owning the access key in its IAM, else
# 123456789012 (moto/core/responses.py:348-360, moto/iam/models.py:69-75). Both are set to
# ENGINE_ACCOUNT (123456789012); the clients here use the non-numeric key "test".
#
# Ports: GATEWAY_PORT (app.py:557) and BIND_HOST (app.py:3929; 127.0.0.1, not the default
# 0.0.0.0). Data: PERSIST_STATE=0 (core/persistence.py:18, state in memory), S3_DATA_DIR and
# STATE_DIR under $ENGINE_DIR, and TMPDIR too (the provided.* code cache is
# tempfile.gettempdir()/ministack-provided-code-PORT, services/lambda_svc.py:383).

_engine_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ENGINE_DIR=${ENGINE_DIR:-$_engine_root/target/stack-test}
ENGINE_ACCOUNT=${ENGINE_ACCOUNT:-123456789012}
ENGINE_REGION=${ENGINE_REGION:-us-east-1}
ENGINE_STACK=${ENGINE_STACK:-ecs-iam-roles}
ENGINE_BUILD_DIR=$_engine_root/target/sam/build

_engine_free_port() {
  "$_engine_root/.venv-engine/bin/python" -c \
    'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _engine_wait URL WHAT PID: until URL answers any HTTP status (60 s), or PID is gone.
_engine_wait() {
  local url=$1 what=$2 pid=$3
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "engine: $what exited; see $ENGINE_DIR/$what.log" >&2
      return 1
    fi
    sleep 0.25
  done
  echo "engine: $what did not answer at $url; see $ENGINE_DIR/$what.log" >&2
  return 1
}

engine_start() {
  if [ -f "$ENGINE_DIR/env" ]; then engine_stop; fi
  rm -rf "$ENGINE_DIR"
  mkdir -p "$ENGINE_DIR/tmp" "$ENGINE_DIR/s3" "$ENGINE_DIR/state"
  local moto_port ms_port moto_url ms_url
  moto_port=$(_engine_free_port)
  ms_port=$(_engine_free_port)
  moto_url=http://127.0.0.1:$moto_port
  ms_url=http://127.0.0.1:$ms_port

  # setsid: each in its own process group (its id = the pid recorded), so that stop ends it
  # and what it started (MiniStack's function processes) together.
  MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ACCOUNT_ID=$ENGINE_ACCOUNT \
    setsid "$_engine_root/.venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" \
    >"$ENGINE_DIR/moto.log" 2>&1 </dev/null &
  local moto_pid=$!

  # A clean environment: MiniStack hands all of it to the function process.
  env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 TMPDIR="$ENGINE_DIR/tmp" \
    GATEWAY_PORT="$ms_port" BIND_HOST=127.0.0.1 MINISTACK_HOST=127.0.0.1 \
    MINISTACK_ACCOUNT_ID="$ENGINE_ACCOUNT" MINISTACK_REGION="$ENGINE_REGION" \
    LAMBDA_EXECUTOR=local LAMBDA_STRICT=0 PERSIST_STATE=0 S3_PERSIST=0 \
    STATE_DIR="$ENGINE_DIR/state" S3_DATA_DIR="$ENGINE_DIR/s3" LOG_LEVEL=INFO \
    AWS_ENDPOINT_URL="$ms_url" AWS_ENDPOINT_URL_IAM="$moto_url" AWS_ENDPOINT_URL_STS="$moto_url" \
    AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true \
    setsid "$_engine_root/.venv-engine/bin/ministack" \
    >"$ENGINE_DIR/ministack.log" 2>&1 </dev/null &
  local ms_pid=$!

  cat >"$ENGINE_DIR/env" <<EOF
ENGINE_MOTO_URL=$moto_url
ENGINE_MINISTACK_URL=$ms_url
ENGINE_MOTO_PID=$moto_pid
ENGINE_MINISTACK_PID=$ms_pid
ENGINE_ACCOUNT=$ENGINE_ACCOUNT
ENGINE_REGION=$ENGINE_REGION
ENGINE_STACK=$ENGINE_STACK
ENGINE_DIR=$ENGINE_DIR
EOF
  _engine_wait "$moto_url/moto-api/" moto "$moto_pid" \
    && _engine_wait "$ms_url/_ministack/health" ministack "$ms_pid" \
    || { engine_stop; return 1; }
  echo "engine: moto $moto_url (pid $moto_pid), MiniStack $ms_url (pid $ms_pid), logs in $ENGINE_DIR" >&2
}

engine_stop() {
  [ -f "$ENGINE_DIR/env" ] || return 0
  local pid
  for pid in $(sed -n 's/^ENGINE_\(MOTO\|MINISTACK\)_PID=//p' "$ENGINE_DIR/env"); do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $(sed -n 's/^ENGINE_\(MOTO\|MINISTACK\)_PID=//p' "$ENGINE_DIR/env"); do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -f "$ENGINE_DIR/env"
}

# The build directory `sam build --build-dir target/sam/build` makes, from the host's debug
# build: Function/bootstrap, and the template as SAM CLI writes it (its own
# samcli.commands._utils.template.move_template, the function build_context.py:488 calls): the
# Function's CodeUri set to the artifact (as app_builder.py:328-390 update_template does), then
# every local path rewritten relative to the build dir (CodeUri: Function; the
# AWS::ServerlessRepo::Application LicenseUrl/ReadmeUrl: ../../../LICENSE, ../../../README.md).
engine_build() {
  local bin=$_engine_root/target/debug/ecs-iam-roles-function
  # Up to date with the source. scripts/test.sh says ENGINE_BIN_FRESH=1: `cargo test` has just
  # built this binary, with the dev-dependencies' features (tokio's), so a plain `cargo build`
  # would rebuild every dependency without them (3 minutes on two cores) for the same code.
  if [ "${ENGINE_BIN_FRESH:-}" != 1 ] || [ ! -x "$bin" ]; then
    (cd "$_engine_root" && cargo build --locked --bin ecs-iam-roles-function)
  fi
  rm -rf "$ENGINE_BUILD_DIR"
  mkdir -p "$ENGINE_BUILD_DIR/Function"
  # Without debug info the debug build is a tenth of its size: sam deploy uploads it and
  # MiniStack unpacks it for every function process.
  if command -v strip >/dev/null; then
    strip --strip-debug -o "$ENGINE_BUILD_DIR/Function/bootstrap" "$bin"
  else
    cp "$bin" "$ENGINE_BUILD_DIR/Function/bootstrap"
  fi
  (cd "$_engine_root" && .venv/bin/python - template.yaml "$ENGINE_BUILD_DIR" <<'PY'
import os, sys
from samcli.yamlhelper import yaml_parse
from samcli.commands._utils.template import move_template
src, build_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
with open(src) as f:
    template = yaml_parse(f.read())
template["Resources"]["Function"]["Properties"]["CodeUri"] = os.path.relpath(
    os.path.join(build_dir, "Function"), os.path.dirname(src))
move_template(src, os.path.join(build_dir, "template.yaml"), template)
PY
  )
  echo "engine: built $ENGINE_BUILD_DIR (bootstrap from $bin)" >&2
}

_engine_aws_env() {
  # shellcheck disable=SC1091
  . "$ENGINE_DIR/env"
  export AWS_ENDPOINT_URL=$ENGINE_MINISTACK_URL AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    AWS_DEFAULT_REGION=$ENGINE_REGION AWS_REGION=$ENGINE_REGION AWS_EC2_METADATA_DISABLED=true \
    SAM_CLI_TELEMETRY=0
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

# sam deploy of the build into MiniStack; extra arguments go to sam deploy.
engine_deploy() {
  (
    _engine_aws_env
    cd "$_engine_root"
    .venv-engine/bin/python -c 'import boto3, sys; boto3.client("s3").create_bucket(Bucket=sys.argv[1])' \
      ecs-iam-roles-artifacts
    .venv/bin/sam deploy --template-file "$ENGINE_BUILD_DIR/template.yaml" \
      --stack-name "$ENGINE_STACK" --s3-bucket ecs-iam-roles-artifacts \
      --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-confirm-changeset \
      --no-fail-on-empty-changeset --region "$ENGINE_REGION" "$@"
  )
}

engine_delete() {
  (
    _engine_aws_env
    cd "$_engine_root"
    .venv/bin/sam delete --stack-name "$ENGINE_STACK" --region "$ENGINE_REGION" --no-prompts "$@"
  )
}

engine_run() {
  trap engine_stop EXIT
  engine_start
  (
    # shellcheck disable=SC1091
    set -a; . "$ENGINE_DIR/env"; set +a
    "$@"
  )
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cmd=${1:-}
  shift || true
  case "$cmd" in
    start) engine_start ;;
    stop) engine_stop ;;
    build) engine_build ;;
    deploy) engine_deploy "$@" ;;
    delete) engine_delete "$@" ;;
    run) engine_run "$@" ;;
    *) sed -n '7,16p' "$0" >&2; exit 2 ;;
  esac
fi
