#!/usr/bin/env bash
# Sets everything up on a Debian 12 machine (as root): packages, build, install to
# /usr/local/bin/nucleus (and its nftables helper nucleus-nft), then runs a sandboxed command on
# the default, host-bound root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
install -m 0755 -s build/nucleus /usr/local/bin/nucleus
install -m 0755 -s build/nucleus-nft /usr/local/bin/nucleus-nft  # nftables helper (bridge networks)
echo "installed: $(/usr/local/bin/nucleus version) -> /usr/local/bin/nucleus"
echo "demo: nucleus run --memory 256m -- python3 -c ... (network none, read-only system, no capabilities)"
exec /usr/local/bin/nucleus run --memory 256m --pids 64 -- python3 -c '
import os, socket
print("hello from a nucleus sandbox:", socket.gethostname())
print("pid", os.getpid(), "uid", os.getuid(), "|", open("/proc/self/status").read().split("CapEff:")[1].split()[0], "effective caps")
for path in ("/usr/x", "/tmp/x"):
    try:
        open(path, "w").write("x"); print("write", path, "ok")
    except OSError as e:
        print("write", path, "refused:", e.strerror)
'
