#!/usr/bin/env bash
# nucleus side by side with crun, runc, bwrap, runsc and the unshare floor, in the same
# hyperfine run (../shared/bench/peers.sh with EXTRA_FILE), on the same busybox rootfs.
#
#   bench/run.sh [SECTION...]      default: latency rss    (see peers.sh for the sections)
#   env: RUNS, WARMUP, RESULTS (default /tmp/nucleus-peers/results), NUCLEUS (binary)
#
# nucleus runs with its full default isolation: seccomp, Landlock, all namespaces including
# the network, no capabilities, plus a 64 MiB memory limit (a memory cgroup, as crun's config
# gets none: the comparison is conservative for nucleus).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
peers=${PEERS:-$repo/../shared/bench/peers.sh}
[ -f "$peers" ] || { echo "bench: no $peers" >&2; exit 1; }
NUCLEUS=${NUCLEUS:-$repo/build/nucleus}
[ -x "$NUCLEUS" ] || { echo "bench: build nucleus first (scripts/build.sh)" >&2; exit 1; }
NUCLEUS_BENCH_DEPS=1 bash "$repo/scripts/deps.sh"
ROOTFS=${BUNDLE:-/tmp/nucleus-peers/bundle}/rootfs
[ -d "$ROOTFS" ] || bash "$(dirname "$peers")/make-bundle.sh" >/dev/null

extra=$(mktemp)
trap 'rm -f "$extra"' EXIT
printf 'nucleus run\t%s run --rootfs %s --memory 64m -- /bin/true\n' "$NUCLEUS" "$ROOTFS" >"$extra"
# The default mode for agents: no image, the host's /usr bound read-only, generated /etc.
printf 'nucleus run (agent root)\t%s run --memory 64m -- /bin/true\n' "$NUCLEUS" >>"$extra"
EXTRA_FILE=$extra bash "$peers" "${@:-latency rss}"
