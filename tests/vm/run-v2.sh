#!/usr/bin/env bash
# Runs the integration tests inside a throw-away VM whose only cgroup hierarchy is a pure v2
# one (../shared/vmtest/run-in-vm.sh), so the v2 code paths are tested for real on hosts that
# are v1 or hybrid. Exit 77 (skipped) when the VM harness is absent.
#   run-v2.sh INTEGRATION_TESTS NUCLEUS PROBE OCI_CHECK [GTEST_ARGS...]
set -euo pipefail
tests=$1 nucleus=$2 probe=$3 oci_check=$4; shift 4
repo=$(cd "$(dirname "$0")/../.." && pwd)
vm=${NUCLEUS_VMTEST:-$repo/../shared/vmtest/run-in-vm.sh}
if [ ! -f "$vm" ]; then
  echo "run-v2: no VM harness at $vm; skipped" >&2
  exit 77
fi
[ "$(id -u)" = 0 ] || { echo "run-v2: needs root; skipped" >&2; exit 77; }
export VMTEST_FILES="$nucleus $probe $oci_check /bin/busybox"
export VMTEST_TIMEOUT=${VMTEST_TIMEOUT:-600} VMTEST_MEM=${VMTEST_MEM:-1024}
exec bash "$vm" "$tests" "$@"
