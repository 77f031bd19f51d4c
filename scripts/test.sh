#!/usr/bin/env bash
# The whole test suite: unit tests (also under ASan/UBSan), integration tests on this host
# (as root), and the integration tests again inside a VM with a pure cgroup v2 hierarchy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
if [ "${NUCLEUS_SKIP_SANITIZE:-0}" != 1 ]; then
  [ -f build-asan/build.ninja ] ||
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNUCLEUS_SANITIZE=ON >/dev/null
  ninja -C build-asan unit_tests
fi
ctest --test-dir build --output-on-failure --timeout 900
