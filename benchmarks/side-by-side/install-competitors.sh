#!/usr/bin/env bash
# install-competitors.sh — installs the two competitors of the side-by-side harness from
# Debian: python3-torch (PyTorch, with NumPy) and libtorch-dev (libtorch 1.13 headers and
# libraries), plus g++. For benchmarking only: no product script, build or CI step calls it.
# Idempotent: it installs nothing that is already there. Needs root or sudo (apt-get).
set -euo pipefail

packages=(python3-torch python3-numpy libtorch-dev g++)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-competitors: already installed: ${packages[*]}"
  exit 0
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo > /dev/null || {
    echo "install-competitors: needs root or sudo to apt-get install ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi
echo "install-competitors: apt-get install ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
