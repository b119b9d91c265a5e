#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, then
#   1. the `dev` build (g++, Debug, -Werror) with all tests and fuzz seed replays,
#   2. the `asan` build (clang, ASan+UBSan) with all tests and fuzz seed replays.
# Usage: scripts/test.sh [dev|asan ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

presets=("$@")
if ((${#presets[@]} == 0)); then presets=(dev asan); fi
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
