#!/usr/bin/env bash
# nucleus --runtime gvisor vs runsc itself on the same busybox bundle, in one hyperfine run:
# what nucleus adds around runsc (plan, bundle, state, cleanup). Both on the ptrace platform.
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
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$RESULTS/gvisor.json" \
  -n "runsc run (ptrace)" "${RUNSC[*]} run --bundle $SB peers-gvisor-bench" \
  -n "nucleus run --runtime gvisor" \
  "$NUCLEUS --root $NROOT run --runtime gvisor --gvisor-platform ptrace --rootfs $ROOTFS -- /bin/true" >&2
jq -r '.results[] | [.command, (.mean*1000), (.stddev*1000), (.min*1000)] | @tsv' \
  "$RESULTS/gvisor.json" | awk -F'\t' -v base="$(jq '.results[0].mean' "$RESULTS/gvisor.json")" \
  'BEGIN { printf "%-30s %9s %9s %9s %9s\n", "command", "mean_ms", "sd_ms", "min_ms", "x_runsc" }
   { printf "%-30s %9.2f %9.2f %9.2f %9.2f\n", $1, $2, $3, $4, $2 / 1000 / base }' |
  tee "$RESULTS/gvisor.txt"
