#!/usr/bin/env bash
# nucleus --runtime gvisor vs runsc itself on the same busybox bundle, with the same seccomp
# profile, in one hyperfine run: what nucleus adds around runsc (plan, bundle, state, cleanup).
# runsc without the profile is measured too (what the filter costs). All on the ptrace platform.
#
#   bench/gvisor.sh        env: RUNS=30 RESULTS=/tmp/nucleus-peers/results NUCLEUS=binary
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/../shared/bench/lib.sh"
RUNS=${RUNS:-30}
NUCLEUS=${NUCLEUS:-$repo/build/nucleus}
[ "$(id -u)" = 0 ] || die "run as root"
[ -f "$BUNDLE/config.json" ] || "$BENCH_DIR/make-bundle.sh" "$BUNDLE" >&2 || die "make-bundle failed"
mkdir -p "$RESULTS" "$WORK"
SB=$WORK/bundle-gvisor-true
derive_bundle "$SB" '.process.args = ["/bin/true"] | .process.terminal = false'
NROOT=$WORK/nucleus-gvisor-state
"$NUCLEUS" --root "$NROOT" run --runtime gvisor --gvisor-platform ptrace --rootfs "$ROOTFS" \
  -- /bin/true || die "nucleus --runtime gvisor does not run here"
# The same seccomp profile as nucleus gives its sandboxes (runsc --oci-seccomp), taken from the
# bundle of one, so that the two do the same work.
probe=$("$NUCLEUS" --root "$NROOT" run -d --runtime gvisor --gvisor-platform ptrace \
  --rootfs "$ROOTFS" -- /bin/sleep 100)
SECCOMP=$WORK/nucleus-seccomp.json
jq '.linux.seccomp' "$NROOT/gvisor/$probe/config.json" >"$SECCOMP"
"$NUCLEUS" --root "$NROOT" rm -f "$probe" >/dev/null
SBS=$WORK/bundle-gvisor-true-seccomp
derive_bundle "$SBS" '.process.args = ["/bin/true"] | .process.terminal = false |
  .linux.seccomp = $seccomp[0]' --slurpfile seccomp "$SECCOMP"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$RESULTS/gvisor.json" \
  -n "runsc run --oci-seccomp (ptrace)" \
  "${RUNSC[*]} --oci-seccomp run --bundle $SBS peers-gvisor-bench" \
  -n "nucleus run --runtime gvisor" \
  "$NUCLEUS --root $NROOT run --runtime gvisor --gvisor-platform ptrace --rootfs $ROOTFS -- /bin/true" \
  -n "runsc run, no seccomp (ptrace)" "${RUNSC[*]} run --bundle $SB peers-gvisor-bench" >&2
jq -r '.results[] | [.command, (.mean*1000), (.stddev*1000), (.min*1000)] | @tsv' \
  "$RESULTS/gvisor.json" | awk -F'\t' -v base="$(jq '.results[0].mean' "$RESULTS/gvisor.json")" \
  'BEGIN { printf "%-30s %9s %9s %9s %9s\n", "command", "mean_ms", "sd_ms", "min_ms", "x_runsc" }
   { printf "%-30s %9.2f %9.2f %9.2f %9.2f\n", $1, $2, $3, $4, $2 / 1000 / base }' |
  tee "$RESULTS/gvisor.txt"

# Memory of an idle sandbox (sleep): the process tree below `runsc run` vs below nucleus' monitor
# (which holds `runsc run`, its sandbox and gofer), PSS and RSS from procmem.py.
SLEEPB=$WORK/bundle-gvisor-sleep
derive_bundle "$SLEEPB" '.process.args = ["/bin/sleep", "1000"] | .process.terminal = false'
# A shell above runsc, so that `runsc run` itself is in the measured tree (procmem.py counts the
# descendants of its root), as it is below nucleus' monitor.
sh -c '"$@"; :' sh "${RUNSC[@]}" run --bundle "$SLEEPB" peers-gvisor-idle >/dev/null 2>&1 &
runsc_pid=$!
id=$("$NUCLEUS" --root "$NROOT" run -d --runtime gvisor --gvisor-platform ptrace \
  --rootfs "$ROOTFS" -- /bin/sleep 1000)
monitor=$("$NUCLEUS" --root "$NROOT" inspect "$id" | jq -r '.[0].state.monitor_pid')
sleep 3
# The monitor is the root of its tree: its own memory is added to its descendants'.
rollup() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/smaps_rollup"; }
tree_kb() {  # ROOT FIELD(rss|pss) [INCLUDE_ROOT]
  local total
  total=$(python3 "$BENCH_DIR/procmem.py" "$1" 'sleep 1000' | grep TOTAL |
    sed -E "s/.*runtime_$2_kb=([0-9]+).* payload_$2_kb=([0-9]+).*/\1 + \2/")
  [ -n "${3:-}" ] && total="$total + $(rollup "$1" "${2^}")"
  echo $(( total ))
}
{
  printf '%-34s %10s %10s\n' "idle sandbox (sleep)" "PSS_KiB" "RSS_KiB"
  printf '%-34s %10s %10s\n' "runsc run" "$(tree_kb "$runsc_pid" pss)" "$(tree_kb "$runsc_pid" rss)"
  printf '%-34s %10s %10s\n' "nucleus run -d --runtime gvisor" "$(tree_kb "$monitor" pss 1)" \
    "$(tree_kb "$monitor" rss 1)"
} | tee "$RESULTS/gvisor-memory.txt"
"${RUNSC[@]}" kill peers-gvisor-idle KILL >/dev/null 2>&1 || true
wait "$runsc_pid" 2>/dev/null || true
"${RUNSC[@]}" delete --force peers-gvisor-idle >/dev/null 2>&1 || true
"$NUCLEUS" --root "$NROOT" rm -f "$id" >/dev/null
