#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, then
#   1. the `dev` build (g++, Debug, -Werror) with all tests and fuzz seed replays,
#   2. the `asan` build (clang, ASan+UBSan) with all tests and fuzz seed replays,
#   3. the `tsan` build (clang, ThreadSanitizer) with the tests that run threads
#      (streams and JSON Lines on several threads, one Detector or C handle on
#      many threads, the vault's two-process test, the CLI's --threads runs).
# Usage: scripts/test.sh [dev|asan|tsan ...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

presets=("$@")
if ((${#presets[@]} == 0)); then presets=(dev asan tsan); fi
jobs=$(nproc)

for preset in "${presets[@]}"; do
  echo "=== [$preset] configure"
  cmake --preset "$preset" >/dev/null
  echo "=== [$preset] build"
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== [$preset] test"
  ctest --preset "$preset" -j "$jobs"
done
echo "=== all tests passed (${presets[*]})"
