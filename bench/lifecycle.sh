#!/usr/bin/env bash
# Lifecycle benchmarks, nucleus side by side with crun and runc in the same run, on the same
# busybox rootfs (../shared/bench/lib.sh helpers and bundle):
#   exec     `exec /bin/true` into a running container (hyperfine, one invocation for all three)
#   density  N x `run -d sleep 30` one after the other, then `rm -f` / `delete -f` of each:
#            starts/s and removals/s
#   idle     memory of what stays next to an idle detached container (`sleep 1000`): the
#            nucleus monitor vs crun's and runc's leftovers (procmem.py: RSS and PSS)
#
#   bench/lifecycle.sh [exec] [density] [idle]      (default: all three)
#   env: RUNS=100 DENSITY_N=100 IDLE_SETTLE=2 RESULTS=/tmp/nucleus-peers/results NUCLEUS=bin
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/../shared/bench/lib.sh"
RUNS=${RUNS:-100}
DENSITY_N=${DENSITY_N:-100}
IDLE_SETTLE=${IDLE_SETTLE:-2}
NUCLEUS=${NUCLEUS:-$repo/build/nucleus}
SECTIONS=" ${*:-exec density idle} "
want() { [[ $SECTIONS == *" $1 "* ]]; }

if [ "${PEERS_IN_NS:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || die "run as root"
  [ -x "$NUCLEUS" ] || die "build nucleus first (scripts/build.sh)"
  NUCLEUS_BENCH_DEPS=1 bash "$repo/scripts/deps.sh" >/dev/null
  [ -f "$BUNDLE/config.json" ] || "$BENCH_DIR/make-bundle.sh" "$BUNDLE" >&2 || die "make-bundle failed"
  mkdir -p "$RESULTS"
fi
enter_bench_ns "$0" "$@"  # crun needs the hybrid host's cgroup2 mount covered (see lib.sh)
export NUCLEUS
mkdir -p "$WORK"
NROOT=$WORK/nucleus-state  # a state root of our own: nothing else is listed or removed
N=("$NUCLEUS" --root "$NROOT")
cleanup_peers
trap 'cleanup_peers; "${N[@]}" ps -a -q | xargs -r "${N[@]}" rm -f >/dev/null' EXIT

sec_exec() {
  log "exec /bin/true into a running container, $RUNS runs each"
  local SB=$WORK/bundle-exec id
  derive_bundle "$SB" '.process.args = ["/bin/sleep","1000"] | .linux.cgroupsPath = "/peers-exec"'
  crun run -d --bundle "$SB" peers-exec-crun </dev/null >/dev/null 2>&1 || die "crun run -d"
  jq '.linux.cgroupsPath = "/peers-exec-runc"' "$SB/config.json" >"$SB/runc.json"
  mkdir -p "$SB/runc" && cp "$SB/runc.json" "$SB/runc/config.json"
  runc run -d --bundle "$SB/runc" peers-exec-runc </dev/null >/dev/null 2>&1 || die "runc run -d"
  id=$("${N[@]}" run -d --rootfs "$ROOTFS" --memory 64m -- /bin/sleep 1000) || die "nucleus run -d"
  hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$RESULTS/exec.json" \
    -n "crun exec" "crun exec peers-exec-crun /bin/true" \
    -n "runc exec" "runc exec peers-exec-runc /bin/true" \
    -n "nucleus exec" "$NUCLEUS --root $NROOT exec $id /bin/true" >&2
  jq -r '.results[] | [.command, (.mean*1000), (.stddev*1000), (.min*1000)] | @tsv' \
    "$RESULTS/exec.json" | awk -F'\t' -v base="$(jq '.results[0].mean' "$RESULTS/exec.json")" \
    'BEGIN { printf "%-14s %9s %9s %9s %8s\n", "command", "mean_ms", "sd_ms", "min_ms", "x_crun" }
     { printf "%-14s %9.3f %9.3f %9.3f %8.2f\n", $1, $2, $3, $4, $2 / 1000 / base }' |
    tee "$RESULTS/exec.txt" >&2
  crun delete -f peers-exec-crun >/dev/null 2>&1
  runc delete -f peers-exec-runc >/dev/null 2>&1
  "${N[@]}" rm -f "$id" >/dev/null
}

# density RUNTIME: prints "runtime n started start_s starts_per_s remove_s removals_per_s left"
density() {
  local rt=$1 d=$WORK/density i t0 t1 t2 fails=0 ids=() left
  rm -rf "$d" && mkdir -p "$d"
  if [ "$rt" != nucleus ]; then
    derive_bundle "$d/tmpl" '.process.args = ["/bin/sleep","30"] | .linux.cgroupsPath = "/peers-density-@ID@"'
    local tmpl; tmpl=$(<"$d/tmpl/config.json")
    for ((i = 1; i <= DENSITY_N; i++)); do
      mkdir "$d/$i" && printf '%s\n' "${tmpl//@ID@/$rt-$i}" >"$d/$i/config.json"
    done
  fi
  sync
  t0=$EPOCHREALTIME
  for ((i = 1; i <= DENSITY_N; i++)); do
    if [ "$rt" = nucleus ]; then
      "${N[@]}" run -d --name "peers-density-$i" --rootfs "$ROOTFS" -- /bin/sleep 30 \
        </dev/null >/dev/null 2>&1 || ((fails++))
    else
      $rt run -d --bundle "$d/$i" "peers-density-$rt-$i" </dev/null >/dev/null 2>&1 || ((fails++))
    fi
  done
  t1=$EPOCHREALTIME
  for ((i = 1; i <= DENSITY_N; i++)); do
    if [ "$rt" = nucleus ]; then
      "${N[@]}" rm -f "peers-density-$i" >/dev/null 2>&1
    else
      $rt delete -f "peers-density-$rt-$i" >/dev/null 2>&1
    fi
  done
  t2=$EPOCHREALTIME
  if [ "$rt" = nucleus ]; then left=$("${N[@]}" ps -a -q | wc -l); else left=$($rt list -q | grep -c '^peers-density-'); fi
  awk -v rt="$rt" -v n="$DENSITY_N" -v f="$fails" -v a="$t0" -v b="$t1" -v c="$t2" -v l="$left" \
    'BEGIN { printf "%-8s %4d %7d %8.3f %12.1f %9.3f %14.1f %5d\n", rt, n, n - f, b - a, n / (b - a), c - b, n / (c - b), l }'
}

sec_density() {
  log "density: $DENSITY_N x run -d (sleep 30), then rm -f of each"
  { printf '%-8s %4s %7s %8s %12s %9s %14s %5s\n' runtime n started start_s starts_per_s \
      remove_s removals_per_s left
    for rt in crun runc nucleus; do density "$rt"; cleanup_peers; done
  } | tee "$RESULTS/lifecycle-density.txt" >&2
}

sec_idle() {
  log "idle detached container (sleep 1000), settle ${IDLE_SETTLE}s"
  local SB=$WORK/bundle-idle mode id
  derive_bundle "$SB" '.process.args = ["/bin/sleep","1000"] | .linux.cgroupsPath = "/peers-idle"'
  : >"$RESULTS/lifecycle-idle.txt"
  for mode in crun runc nucleus; do
    case $mode in
      crun) crun run -d --bundle "$SB" peers-idle </dev/null >/dev/null 2>&1 ;;
      runc) runc run -d --bundle "$SB" peers-idle </dev/null >/dev/null 2>&1 ;;
      nucleus) id=$("${N[@]}" run -d --rootfs "$ROOTFS" -- /bin/sleep 1000) ;;
    esac
    sleep "$IDLE_SETTLE"
    # To a file first: a pipe here would put its reader among the measured processes.
    { echo "## $mode"; "$PY" "$BENCH_DIR/procmem.py" $$ '^/bin/sleep 1000$'; } >"$WORK/idle.out"
    cat "$WORK/idle.out" >>"$RESULTS/lifecycle-idle.txt"
    cat "$WORK/idle.out" >&2
    case $mode in
      crun) crun delete -f peers-idle >/dev/null 2>&1 ;;
      runc) runc delete -f peers-idle >/dev/null 2>&1 ;;
      nucleus) "${N[@]}" rm -f "$id" >/dev/null ;;
    esac
    cleanup_peers
  done
}

want exec && sec_exec
want density && sec_density
want idle && sec_idle
exit 0
