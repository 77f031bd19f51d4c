#!/usr/bin/env bash
# Runs the native checkpoint tests (NativeCheckpoint.*, WithCriu.*) in the pure-v2 test VM,
# whose Debian 6.1 kernel Debian 12's CRIU 3.17 still works on (the host's 6.18 needs CRIU 4.1).
# Exit 77 (skipped) when CRIU or the VM harness is absent.
#   run-criu.sh INTEGRATION_TESTS NUCLEUS PROBE OCI_CHECK
set -euo pipefail
tests=$(realpath "$1") nucleus=$2 probe=$3 oci_check=$4
repo=$(cd "$(dirname "$0")/../.." && pwd)
vm=${NUCLEUS_VMTEST:-$repo/../shared/vmtest/run-in-vm.sh}
[ -f "$vm" ] || { echo "run-criu: no VM harness at $vm; skipped" >&2; exit 77; }
[ "$(id -u)" = 0 ] || { echo "run-criu: needs root; skipped" >&2; exit 77; }
[ -x /usr/sbin/criu ] || { echo "run-criu: CRIU is not installed; skipped" >&2; exit 77; }
# CRIU's socket, netfilter and conntrack dumps need their diag modules; its tmpfs dumps GNU tar.
export VMTEST_MODULES="nf_tables nf_conntrack_netlink unix_diag inet_diag tcp_diag udp_diag
  raw_diag netlink_diag af_packet_diag"
export VMTEST_FILES="$tests $nucleus $probe $oci_check /bin/busybox /usr/sbin/criu /usr/bin/tar
  /usr/bin/gzip /usr/bin/unshare /usr/sbin/chroot"
export VMTEST_TIMEOUT=${VMTEST_TIMEOUT:-600} VMTEST_MEM=${VMTEST_MEM:-1024}
exec bash "$vm" "$repo/tests/vm/tmpfs-root.sh" "$tests" --gtest_filter='NativeCheckpoint.*:WithCriu.*'
