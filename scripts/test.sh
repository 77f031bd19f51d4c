#!/usr/bin/env bash
# The whole test suite: unit tests (also under ASan/UBSan), short libFuzzer runs of every parser
# of untrusted input, integration tests on this host (as root), and the integration tests again
# inside a VM with a pure cgroup v2 hierarchy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
if [ "${NUCLEUS_SKIP_SANITIZE:-0}" != 1 ]; then
  [ -f build-asan/build.ninja ] ||
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNUCLEUS_SANITIZE=ON >/dev/null
  ninja -C build-asan unit_tests
fi
if [ "${NUCLEUS_SKIP_FUZZ:-0}" != 1 ] && command -v clang++ >/dev/null; then
  [ -f build-fuzz/build.ninja ] ||
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNUCLEUS_FUZZ=ON \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  ninja -C build-fuzz
fi
ctest --test-dir build --output-on-failure --timeout 900
