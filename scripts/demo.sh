#!/usr/bin/env bash
# The main job on the embedded default: start moto (IAM), run the function under
# `cargo lambda watch`, play Create -> Update -> Delete from events/, print what it returned.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
free_port() { .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
moto_port=${MOTO_PORT:-$(free_port)}
invoke_port=${INVOKE_PORT:-$(free_port)}
log_dir=target/demo
mkdir -p "$log_dir"

cleanup() {
  [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
  [ -n "${moto_pid:-}" ] && kill "$moto_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$moto_port" >"$log_dir/moto.log" 2>&1 &
moto_pid=$!

cargo build --locked --bin ecs-iam-roles
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$invoke_port" \
  --env-var "AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port" \
  --env-var AWS_REGION=eu-west-1,AWS_ACCESS_KEY_ID=demo,AWS_SECRET_ACCESS_KEY=demo,AWS_EC2_METADATA_DISABLED=true \
  >"$log_dir/function.log" 2>&1 &
watch_pid=$!

for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$invoke_port") 2>/dev/null; then
    break
  fi
  sleep 0.5
done

for step in create update delete; do
  echo "== ${step^} (events/$step.json)"
  cargo lambda invoke ecs-iam-roles --invoke-address 127.0.0.1 --invoke-port "$invoke_port" \
    --data-file "events/$step.json" --output-format json | tee "$log_dir/$step.out.json"
  echo
done

echo "== Left in IAM after Delete (expect none):"
.venv/bin/python - "$moto_port" <<'PY'
import sys, urllib.request, urllib.parse, re
def names(action, tag, **params):
    body = urllib.parse.urlencode({"Action": action, "Version": "2010-05-08", **params}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/", data=body, headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=demo/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x"})
    return re.findall(f"<{tag}>([^<]+)</{tag}>", urllib.request.urlopen(req).read().decode())
print("  roles:    " + (", ".join(names("ListRoles", "RoleName")) or "(none)"))
print("  policies: " + (", ".join(names("ListPolicies", "PolicyName", Scope="Local")) or "(none)"))
PY
echo "Function logs: $log_dir/function.log"
