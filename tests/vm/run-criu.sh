#!/usr/bin/env bash
# Runs the native checkpoint tests (NativeCheckpoint.*, WithCriu.*) in the pure-v2 test VM,
# whose Debian 6.1 kernel Debian 12's CRIU 3.17 still works on (the host's 6.18 needs CRIU 4.1).
# Exit 77 (skipped) when CRIU or the VM harness is absent.
#   run-criu.sh INTEGRATION_TESTS NUCLEUS PROBE OCI_CHECK [GTEST_FILTER]
set -euo pipefail
tests=$(realpath "$1") nucleus=$2 probe=$3 oci_check=$4
repo=$(cd "$(dirname "$0")/../.." && pwd)
vm=${NUCLEUS_VMTEST:-$repo/../shared/vmtest/run-in-vm.sh}
[ -f "$vm" ] || { echo "run-criu: no VM harness at $vm; skipped" >&2; exit 77; }
[ "$(id -u)" = 0 ] || { echo "run-criu: needs root; skipped" >&2; exit 77; }
[ -x /usr/sbin/criu ] || { echo "run-criu: CRIU is not installed; skipped" >&2; exit 77; }
# CRIU's socket, netfilter and conntrack dumps need their diag modules; its tmpfs dumps GNU tar;
# bridge networks veth, bridge, NAT and the nftables expressions nucleus-nft's rulesets use.
export VMTEST_MODULES="nf_tables nf_conntrack_netlink unix_diag inet_diag tcp_diag udp_diag
  raw_diag netlink_diag af_packet_diag veth bridge nft_chain_nat nft_masq nft_nat nft_ct
  nft_fib_ipv4 nft_fib_inet nft_reject_ipv4 nft_reject_inet nft_limit nft_log"
export VMTEST_FILES="$tests $nucleus $(dirname "$nucleus")/nucleus-nft $probe $oci_check
  /bin/busybox /usr/sbin/criu /usr/bin/tar /usr/bin/gzip /usr/bin/unshare /usr/sbin/chroot"
export VMTEST_TIMEOUT=${VMTEST_TIMEOUT:-600} VMTEST_MEM=${VMTEST_MEM:-1024}
exec bash "$vm" "$repo/tests/vm/tmpfs-root.sh" "$tests" --gtest_filter="${5:-NativeCheckpoint.*:WithCriu.*}"
