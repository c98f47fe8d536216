#!/usr/bin/env bash
# demo.sh — README command 1: install what is missing, build Release, show the
# backend load report and train MiniTorch's MLP on a 2-D dataset on the
# default backend (auto). It builds only the `runtime` target (CLI + plugins,
# no tests or benchmarks). Extra arguments go to `minitorch train`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
MT_BUILD_TARGET=runtime bash "$root/scripts/build.sh" "$root/build"
"$root/build/bin/minitorch" backends
"$root/build/bin/minitorch" train --dataset xor "$@"
