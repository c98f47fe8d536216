#!/usr/bin/env bash
# build.sh [BUILD_DIR] [extra cmake args...] — configures and builds MiniTorch
# (Release by default) with Ninja. Optional parts (CUDA, oneTBB) follow
# MT_CUDA / MT_TBB = AUTO; the configure step prints what it skipped.
# MT_BUILD_TARGET=runtime builds only the CLI and the plugins (default: all).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
shift || true
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j"$(nproc)" --target "${MT_BUILD_TARGET:-all}"
