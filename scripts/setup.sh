#!/usr/bin/env bash
# Installs the Debian 12 packages piivault builds, tests and fuzzes with.
# Only installs what is missing; downloads nothing but Debian packages.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build clang libclang-rt-14-dev pkg-config
  # library dependencies
  libsodium-dev libre2-dev libsqlcipher-dev libabsl-dev
  libsimdjson-dev      # JSON Lines input for scan/redact
  libcli11-dev         # command-line parsing for the piivault CLI
  libtomlplusplus-dev  # pattern and policy files
  libhwy-dev           # portable SIMD with run-time dispatch for the detector prefilter
  zlib1g-dev           # bounded inflation of PNG zTXt/iTXt text
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-stdnum   # differential checksum tests
  libimage-exiftool-perl   # differential image-metadata tests
  imagemagick              # decoded-pixel signatures in the image differential test
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
