#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages MiniTorch builds with,
# skipping what is already there (idempotent; needs root or sudo).
# It installs nothing from outside Debian's archive.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost-dev libboost-test-dev libboost-filesystem-dev
  libtbb-dev nlohmann-json3-dev librapidcheck-dev libcli11-dev
  libbenchmark-dev zlib1g-dev libstb-dev gnuplot-nox libopenblas-dev
  clang libclang-rt-14-dev
  python3-dev pybind11-dev python3-pytest python3-hypothesis python3-numpy
  libopenmpi-dev openmpi-bin
)
# Extra packages a caller asks for (e.g. the dataset fetcher asks for npm).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
