#!/usr/bin/env bash
# Checkpoint, restore and fork of native containers vs runc checkpoint/restore, in one hyperfine
# run each. The host's kernel (6.18) needs CRIU 4.1, which Debian 12 does not have, so this runs
# in the test VM (../shared/vmtest, Debian 6.1 kernel, CRIU 3.17) on a tmpfs root
# (tests/vm/tmpfs-root.sh). Under TCG emulation absolute times are inflated many times over;
# compare the ratios.
#
#   bench/checkpoint.sh        env: RUNS=5 NUCLEUS=binary RESULTS=/tmp/nucleus-peers/results
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
RUNS=${RUNS:-5}
NUCLEUS=${NUCLEUS:-$repo/build/nucleus}
RESULTS=${RESULTS:-/tmp/nucleus-peers/results}
[ "$(id -u)" = 0 ] || { echo "checkpoint.sh: run as root" >&2; exit 1; }
for t in criu runc hyperfine jq gcc; do
  command -v "$t" >/dev/null || { echo "checkpoint.sh: needs $t" >&2; exit 1; }
done
# Everything the VM needs, at one path it is copied to.
W=/var/tmp/nucleus-bench-criu
rm -rf "$W" && mkdir -p "$W/bin" "$W/out"
gcc -O2 -static -o "$W/bin/hog" "$here/criu/hog.c"
cp "$here/criu/in-vm.sh" "$W/in-vm.sh"
bash "$repo/../shared/bench/make-bundle.sh" "$W/bundle" >/dev/null
cp "$W/bin/hog" "$W/bundle/rootfs/bin/hog"
# runc's container shares the VM's network namespace: CRIU 3.17 would need `ip` and
# iptables to save one of its own; nucleus's has its own (external to CRIU), the heavier case.
jq '.process.args = ["sleep", "1000"] | .linux.namespaces |= map(select(.type != "network"))' \
  "$W/bundle/config.json" >"$W/config.json" && mv "$W/config.json" "$W/bundle/config.json"
export VMTEST_MODULES="nf_tables nf_conntrack_netlink unix_diag inet_diag tcp_diag udp_diag
  raw_diag netlink_diag af_packet_diag"
export VMTEST_FILES="$W $NUCLEUS /bin/busybox $(command -v criu) $(command -v runc)
  $(command -v hyperfine) $(command -v jq) /usr/sbin/iptables-restore /usr/sbin/ip6tables-restore
  /usr/bin/tar /usr/bin/gzip /usr/bin/unshare /usr/sbin/chroot"
export VMTEST_MEM=${VMTEST_MEM:-3072} VMTEST_TIMEOUT=${VMTEST_TIMEOUT:-1500}
export VMTEST_PASSENV="RUNS NUCLEUS"
export NUCLEUS RUNS
mkdir -p "$RESULTS"
bash "$repo/../shared/vmtest/run-in-vm.sh" "$repo/tests/vm/tmpfs-root.sh" "$W/in-vm.sh" |
  tee "$RESULTS/checkpoint.txt"
