#!/usr/bin/env bash
# test.sh — README command 2: install what is missing, build Release and run
# the whole test suite with CTest. Exit status is CTest's.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" "$root/build"
cd "$root/build"
ctest --output-on-failure -j"$(nproc)" --timeout 900
