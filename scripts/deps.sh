#!/usr/bin/env bash
# Installs what nucleus needs to build, test and benchmark (Debian 12 packages), if missing.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

BUILD=(cmake ninja-build g++ pkg-config libexpected-dev libfmt-dev libcli11-dev
       nlohmann-json3-dev libgtest-dev libgmock-dev libc6-dev
       libnftables-dev)
RUNTIME=(util-linux iproute2 ca-certificates slirp4netns)
TEST=(busybox-static python3 git gcc qemu-system-x86 cpio xz-utils clang libclang-rt-14-dev runsc
      nftables podman conmon containerd docker.io procps nix-bin jq systemd criu)
BENCH=(hyperfine crun runc bubblewrap jq time iptables iperf3)

want=("${BUILD[@]}" "${RUNTIME[@]}" "${TEST[@]}")
[ "${NUCLEUS_BENCH_DEPS:-0}" = 1 ] && want+=("${BENCH[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
