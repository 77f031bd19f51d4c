#!/usr/bin/env bash
# podman, containerd (ctr) and docker with nucleus as their OCI runtime: the shared kit's 26
# checks (../shared/conformance/clients.sh: run and capture output, a 64 MiB limit visible in the
# cgroup and an OOM kill, exec, stop, kill, rm), then tests/clients/extra.sh (podman -it,
# docker logs, ctr with seccomp profiles). The engines come from Debian's packages.
#   run.sh NUCLEUS     exit 77 (skipped) without the shared kit or without root
set -uo pipefail
nucleus=$(readlink -f "$1")
shared=${NUCLEUS_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
[ -f "$shared/conformance/clients.sh" ] || { echo "clients: no kit at $shared; skipped"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "clients: needs root; skipped"; exit 77; }
STEP_TIMEOUT=${STEP_TIMEOUT:-60} bash "$shared/conformance/clients.sh" "$nucleus" || exit 1
exec bash "$(dirname "$0")/extra.sh" "$nucleus"
