#!/usr/bin/env bash
# The whole test suite: unit tests (also under ASan/UBSan, built by clang with the fuzzers), short
# libFuzzer runs of every parser of untrusted input, integration tests on this host (as root), and
# the integration tests again inside VMs: one with a pure cgroup v2 hierarchy, one with CRIU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
# One clang build with ASan and UBSan makes both the fuzzers and the sanitized unit tests.
if [ "${NUCLEUS_SKIP_FUZZ:-0}" != 1 ] && command -v clang++ >/dev/null; then
  [ -f build-fuzz/build.ninja ] ||
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNUCLEUS_FUZZ=ON \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  ninja -C build-fuzz
fi
ctest --test-dir build --output-on-failure --timeout 900
