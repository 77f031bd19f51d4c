#!/usr/bin/env bash
# Real-engine checks beyond ../shared/conformance/clients.sh, with nucleus as the runtime:
# podman run --rm -it (a terminal through the console socket), podman with a Landlock
# annotation, docker logs, ctr run with the
# default and with a custom seccomp profile. Like clients.sh: offline (its busybox image), in a
# private mount namespace, daemons on private sockets and stopped by PID, nothing left.
#   extra.sh NUCLEUS          prints "N passed, M failed"; exit 1 on a failure
set -uo pipefail
SHARED=${NUCLEUS_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
. "$SHARED/conformance/lib/common.sh"
IMGREF=docker.io/library/oci-conf-busybox:latest
DATA=/var/lib/oci-conformance

if [ "${CONF_IN_NS:-}" != 1 ]; then
  RT=$(readlink -f "$1")
  conf_lock
  "$PY" "$CONF_DIR/lib/mkimage.py" "$CONF_BUILD/image" >/dev/null || die "cannot build the image"
  OUT=$CONF_RESULTS/extra-nucleus
  rm -rf "$OUT"; mkdir -p "$OUT" "$CONF_WORK"
  run_in_test_ns bash "$0" "$RT" "$OUT"
  rc=$?
  cleanup_test_cgroups
  rmdir /run/containerd/runc/oci-conf-x /run/containerd/runc /run/containerd/fifo \
    /run/containerd/s /run/containerd 2>/dev/null
  cat "$OUT/results.tsv"
  p=$(grep -c '^PASS' "$OUT/results.tsv"); f=$(grep -c '^FAIL' "$OUT/results.tsv")
  echo "$p passed, $f failed"
  [ "$rc" = 0 ] && [ "$f" = 0 ]
  exit $?
fi

RT=$1 OUT=$2
setup_ns_view
S=$CONF_WORK/extra
mkdir -p "$S" "$DATA"
: >"$OUT/results.tsv"
LOG=$OUT/extra.log
PIDS=()
record() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" | tee -a "$OUT/results.tsv" >&2; }
expect() { if [ "$2" = "$3" ]; then record PASS "$1" "$3"; else record FAIL "$1" "expected '$2', got '$3'"; fi; }
wait_for() { local i; for i in $(seq 1 "$2"); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
stop_all() { local p; for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
             for p in "${PIDS[@]}"; do for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
                                        kill -KILL "$p" 2>/dev/null; done; PIDS=(); }
trap 'stop_all; kill_descendants $$' EXIT

# podman: a terminal, as -it gives it (script(1) plays the user's terminal).
P=(podman --root "$DATA/podman-extra/storage" --runroot "$S/podman/run" --tmpdir "$S/podman/tmp"
   --cgroup-manager cgroupfs --events-backend file --runtime "$RT" --storage-driver overlay)
NPROC=$(ulimit -Hu); [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ] && NPROC=32768
"${P[@]}" import --change CMD=/bin/sh "$CONF_BUILD/image/rootfs.tar" "$IMGREF" >>"$LOG" 2>&1
# podman's default rlimits can exceed this host's hard limits: the host's own.
ULIMITS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=$NPROC:$NPROC")
# A first, cold run in CI once printed nothing at all (not even podman's own errors, which
# would reach the terminal too): one more try then, with each attempt's status in the log.
for try in 1 2; do
  out=$(timeout 60 script -qec "${P[*]} run --rm -it --network none --cgroup-parent /oci-conf-x \
    ${ULIMITS[*]} $IMGREF \
    sh -c 'tty; test -t 0 && echo stdin-is-a-tty'" /dev/null 2>>"$LOG" | tr -d '\r\000' | sed 's/\^@//g')
  rc=$? # the first failing status in the pipe (pipefail): timeout's 124 on a hang
  echo "podman run -it, try $try: status $rc, output '$out'" >>"$LOG"
  [ -n "$out" ] && break
done
expect "podman run --rm -it" "/dev/pts/0 stdin-is-a-tty" "$(echo $out)"
# Landlock through an annotation (docs/oci.md): /tmp writable, the rest of the image not.
out=$(timeout 60 "${P[@]}" run --rm --network none --cgroup-parent /oci-conf-x "${ULIMITS[@]}" \
  --annotation 'org.nucleus.landlock=rx:/ rw:/tmp' $IMGREF \
  sh -c 'touch /tmp/a && echo tmp-ok; touch /etc/x 2>/dev/null || echo etc-denied' 2>>"$LOG")
expect "podman run --annotation org.nucleus.landlock" "tmp-ok etc-denied" "$(echo $out)"
"${P[@]}" rm -af >>"$LOG" 2>&1

# containerd and dockerd on private sockets.
CSOCK=$S/containerd.sock
cat >"$S/containerd.toml" <<EOF
version = 2
root = "$DATA/containerd"
state = "$S/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CSOCK"
[ttrpc]
  address = "$CSOCK.ttrpc"
EOF
containerd --config "$S/containerd.toml" >"$OUT/containerd.log" 2>&1 &
PIDS+=($!)
wait_for "ctr -a $CSOCK version" 60 || record FAIL "containerd start"
C=(ctr -a "$CSOCK" -n oci-conf-x)
"${C[@]}" image import --all-platforms "$CONF_BUILD/image/image-oci.tar" >>"$LOG" 2>&1
out=$(timeout 60 "${C[@]}" run --rm --runc-binary "$RT" --seccomp "$IMGREF" oci-conf-sc1 \
  sh -c 'grep Seccomp: /proc/self/status' 2>>"$LOG")
expect "ctr run --seccomp (the default profile)" "Seccomp: 2" "$(echo $out)"
# A custom profile: everything allowed but mkdir, which fails with EACCES.
cat >"$S/profile.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
EOF
out=$(timeout 60 "${C[@]}" run --rm --runc-binary "$RT" --seccomp --seccomp-profile "$S/profile.json" \
  "$IMGREF" oci-conf-sc2 sh -c 'mkdir /tmp/x 2>&1; echo rc=$?' 2>>"$LOG")
expect "ctr run --seccomp-profile (mkdir denied)" "mkdir: can't create directory '/tmp/x': Permission denied rc=1" "$(echo $out)"

DSOCK=$S/docker.sock
mkdir -p "$S/docker-exec" "$DATA/docker"
echo '{}' >"$S/daemon.json"
dockerd --config-file "$S/daemon.json" --data-root "$DATA/docker" --exec-root "$S/docker-exec" \
  --pidfile "$S/docker.pid" -H "unix://$DSOCK" --containerd "$CSOCK" --iptables=false \
  --ip-masq=false --ip-forward=false --bridge=none --exec-opt native.cgroupdriver=cgroupfs \
  --storage-driver overlay2 --add-runtime "nucleus=$RT" >"$OUT/dockerd.log" 2>&1 &
PIDS=($! "${PIDS[@]}")
DK=(/usr/bin/docker -H "unix://$DSOCK")
if wait_for "${DK[*]} version" 60; then
  "${DK[@]}" import --change 'CMD ["/bin/sh"]' "$CONF_BUILD/image/rootfs.tar" "$IMGREF" >>"$LOG" 2>&1
  "${DK[@]}" run -d --name oci-conf-logs --runtime nucleus --network none --cgroup-parent /oci-conf-x \
    "$IMGREF" sh -c 'echo line-one; echo line-two >&2; sleep 100' >>"$LOG" 2>&1
  wait_for "${DK[*]} logs oci-conf-logs 2>&1 | grep -q line-two" 20
  # stdout and stderr are two streams: their order in the log is not the container's.
  expect "docker logs (stdout and stderr)" "line-one line-two" \
    "$(echo $("${DK[@]}" logs oci-conf-logs 2>&1 | sort))"
  "${DK[@]}" rm -f oci-conf-logs >>"$LOG" 2>&1
else
  record FAIL "dockerd start"
fi
stop_all
exit 0
