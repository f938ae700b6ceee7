#!/usr/bin/env bash
# Synthesize the CDK example (examples/cdk) offline, as CI does:
#
#   scripts/cdk-synth.sh OUTDIR [-c name=value ...]
#
# - the function's asset is a placeholder `bootstrap` (CI does not cross-build the function; the
#   synthesized template is what is checked, not the code);
# - no network: the CDK CLI's version check, notices and telemetry are off, and every node process
#   of the synth (the CLI, the app) runs with test-tools/no-network.cjs, which records and refuses
#   any connection or name lookup; any attempt fails this script. HOME is a fresh directory, so
#   that no cache of an earlier run (~/.cdk/cache) hides an attempt;
# - ts-node only transpiles: scripts/test.sh type-checks the app with `tsc --noEmit`.
#
# Writes the cloud assembly (EcsIamRoles.template.json, manifest.json, ...) into OUTDIR.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/cdk-synth.sh OUTDIR [-c name=value ...]" >&2; exit 2; }
out=$1
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$root/examples/cdk"
[ -x "$app/node_modules/.bin/cdk" ] || {
  echo "cdk-synth: examples/cdk/node_modules is missing: run scripts/setup.sh (npm ci in examples/cdk)" >&2
  exit 2
}
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/asset" "$work/home"
printf '#!/bin/sh\necho "placeholder: build the function with cargo lambda build --release --arm64" >&2\nexit 1\n' \
  >"$work/asset/bootstrap"
chmod +x "$work/asset/bootstrap"
status=0
(
  cd "$app"
  HOME="$work/home" \
    CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1 TS_NODE_TRANSPILE_ONLY=1 \
    NO_NETWORK_LOG="$work/network.log" \
    NODE_OPTIONS="--require $root/test-tools/no-network.cjs${NODE_OPTIONS:+ $NODE_OPTIONS}" \
    node_modules/.bin/cdk synth --no-notices --no-version-reporting --quiet \
    --output "$out" -c assetDir="$work/asset" "$@"
) || status=$?
if [ -s "$work/network.log" ]; then
  echo "cdk-synth: the synth tried to reach the network:" >&2
  cat "$work/network.log" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
