#!/usr/bin/env bash
# The engines' own start-to-end time with nucleus as their runtime, against crun and runc, each
# engine in one hyperfine run: `podman run --rm IMAGE true` with --runtime nucleus|crun|runc,
# and `ctr run --rm --runc-binary nucleus|crun|runc IMAGE ID true`. The image is the offline
# busybox of ../shared/conformance; podman and containerd on private sockets and state dirs, in
# a private mount namespace (the conformance suite's view: crun 1.8.1 needs /sys/fs/cgroup/unified
# covered), containerd stopped by PID at the end.
#
#   bench/engines.sh        env: RUNS=20 RESULTS=/tmp/nucleus-peers/results NUCLEUS=binary
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
SHARED=${NUCLEUS_SHARED:-$repo/../shared}
. "$SHARED/conformance/lib/common.sh"
RUNS=${RUNS:-20}
RESULTS=${RESULTS:-/tmp/nucleus-peers/results}
IMGREF=docker.io/library/oci-conf-busybox:latest
DATA=/var/lib/oci-conformance

if [ "${CONF_IN_NS:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || die "run as root"
  for c in podman containerd ctr crun runc hyperfine jq; do
    command -v "$c" >/dev/null || die "missing $c (scripts/deps.sh installs the engines)"
  done
  NUCLEUS=$(readlink -f "${NUCLEUS:-$repo/build/nucleus}")
  conf_lock
  "$PY" "$CONF_DIR/lib/mkimage.py" "$CONF_BUILD/image" >/dev/null || die "cannot build the image"
  mkdir -p "$RESULTS" "$CONF_WORK"
  run_in_test_ns bash "$0" "$NUCLEUS"
  rc=$?
  cleanup_test_cgroups
  exit $rc
fi

NUCLEUS=$1
# Every runtime by its absolute path, so that the engines treat the three alike.
CRUN=$(command -v crun) RUNC=$(command -v runc)
setup_ns_view
S=$CONF_WORK/bench-engines
mkdir -p "$S" "$DATA"
LOG=$RESULTS/engines.log
: >"$LOG"
CPID=
trap '[ -n "$CPID" ] && kill -TERM "$CPID" 2>/dev/null; wait 2>/dev/null; kill_descendants $$' EXIT
wait_for() { local i; for i in $(seq 1 "$2"); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }

# One table per engine: mean, sd, median, and each runtime's mean over crun's.
report() {  # NAME JSON
  jq -r '.results[] | [.command, (.mean*1000), (.stddev*1000), (.median*1000)] | @tsv' "$2" |
    awk -F'\t' -v base="$(jq '.results[] | select(.command | test("crun")) | .mean' "$2")" \
      'BEGIN { printf "%-28s %9s %9s %9s %8s\n", "command", "mean_ms", "sd_ms", "median_ms", "x_crun" }
       { printf "%-28s %9.1f %9.1f %9.1f %8.2f\n", $1, $2, $3, $4, $2 / 1000 / base }' |
    tee "$RESULTS/$1.txt"
}

# The runtime's own share of an engine's run: the engine calls a wrapper that times each call
# of the real binary (bash's clock, no extra process). SHARE_RUNS runs per runtime; the time of
# all calls (create, start, state, kill, delete...) per container, in ms.
SHARE_RUNS=${SHARE_RUNS:-10}
wrapper() {  # NAME REAL -> path of a timing wrapper
  local w=$S/wrap-$1
  printf '#!/bin/bash\ns=$EPOCHREALTIME\n%q "$@"\nrc=$?\necho "$s $EPOCHREALTIME $*" >>%q\nexit $rc\n' \
    "$2" "$w.log" >"$w"
  chmod +x "$w"
  : >"$w.log"
  echo "$w"
}
share() {  # NAME: ms of runtime calls per container, from the wrapper's log
  awk -v n="$SHARE_RUNS" '{ t += $2 - $1 } END { printf "%.1f", t * 1000 / n }' "$S/wrap-$1.log"
}
share_table() {  # ENGINE -> table of the three shares
  local base; base=$(share crun)
  { printf '%-28s %12s %8s\n' "$1 runtime calls" "ms/container" "x_crun"
    for rt in crun nucleus runc; do
      printf '%-28s %12s %8s\n' "$rt" "$(share $rt)" "$(awk -v a="$(share $rt)" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
    done; } | tee "$RESULTS/$1-share.txt"
}

# podman: conmon and the runtime per container; the host's own rlimits (podman's defaults
# exceed this machine's hard limits, for every runtime).
NPROC=$(ulimit -Hu); [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ] && NPROC=32768
P="podman --root $DATA/podman-bench/storage --runroot $S/podman/run --tmpdir $S/podman/tmp \
--cgroup-manager cgroupfs --events-backend file --storage-driver overlay"
PRUN="run --rm --network none --cgroup-parent /oci-conf-bench \
--ulimit nofile=$(ulimit -Hn):$(ulimit -Hn) --ulimit nproc=$NPROC:$NPROC"
$P import --change CMD=/bin/sh "$CONF_BUILD/image/rootfs.tar" "$IMGREF" >>"$LOG" 2>&1 ||
  die "podman import failed (see $LOG)"
for rt in "$NUCLEUS" "$CRUN" "$RUNC"; do
  $P --runtime "$rt" $PRUN "$IMGREF" true >>"$LOG" 2>&1 || die "podman --runtime $rt fails (see $LOG)"
done
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$RESULTS/engines-podman.json" \
  -n "podman run --runtime crun" "$P --runtime $CRUN $PRUN $IMGREF true" \
  -n "podman run --runtime nucleus" "$P --runtime $NUCLEUS $PRUN $IMGREF true" \
  -n "podman run --runtime runc" "$P --runtime $RUNC $PRUN $IMGREF true" >&2
report engines-podman "$RESULTS/engines-podman.json"
for rt in crun nucleus runc; do
  real=$rt; [ "$rt" = nucleus ] && real=$NUCLEUS
  w=$(wrapper "$rt" "$(command -v "$real")")
  for _ in $(seq "$SHARE_RUNS"); do $P --runtime "$w" $PRUN "$IMGREF" true >>"$LOG" 2>&1; done
done
share_table podman
$P rm -af >>"$LOG" 2>&1

# containerd: ctr run --rm, the runc v2 shim calling the runtime binary.
CSOCK=$S/containerd.sock
cat >"$S/containerd.toml" <<EOF
version = 2
root = "$DATA/containerd-bench"
state = "$S/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CSOCK"
[ttrpc]
  address = "$CSOCK.ttrpc"
EOF
containerd --config "$S/containerd.toml" >"$RESULTS/engines-containerd.log" 2>&1 &
CPID=$!
wait_for "ctr -a $CSOCK version" 60 || die "containerd did not start"
C="ctr -a $CSOCK -n oci-bench"
$C image import --all-platforms "$CONF_BUILD/image/image-oci.tar" >>"$LOG" 2>&1 ||
  die "ctr import failed (see $LOG)"
# A new container ID each run (ctr refuses an existing one): hyperfine's {n} parameter would
# need a list; a shell's $RANDOM is enough, at the cost of one sh (the same for every runtime).
for rt in "$NUCLEUS" "$CRUN" "$RUNC"; do
  $C run --rm --runc-binary "$rt" "$IMGREF" "bench-check-$RANDOM" true >>"$LOG" 2>&1 ||
    die "ctr --runc-binary $rt fails (see $LOG)"
done
hyperfine --shell=bash --warmup 2 --runs "$RUNS" --export-json "$RESULTS/engines-ctr.json" \
  -n "ctr run --runc-binary crun" "$C run --rm --runc-binary $CRUN $IMGREF b\$RANDOM\$RANDOM true" \
  -n "ctr run --runc-binary nucleus" \
  "$C run --rm --runc-binary $NUCLEUS $IMGREF b\$RANDOM\$RANDOM true" \
  -n "ctr run --runc-binary runc" "$C run --rm --runc-binary $RUNC $IMGREF b\$RANDOM\$RANDOM true" >&2
report engines-ctr "$RESULTS/engines-ctr.json"
for rt in crun nucleus runc; do
  real=$rt; [ "$rt" = nucleus ] && real=$NUCLEUS
  w=$(wrapper "$rt" "$(command -v "$real")")
  for _ in $(seq "$SHARE_RUNS"); do
    $C run --rm --runc-binary "$w" "$IMGREF" "s$RANDOM$RANDOM" true >>"$LOG" 2>&1
  done
done
share_table ctr
kill -TERM "$CPID"
wait "$CPID" 2>/dev/null
CPID=
exit 0
