#!/usr/bin/env bash
# ci-cpp-api.sh [BUILD_DIR] — docs/cpp-api.md's example as printed: install into a temp prefix,
# build the doc's files out of tree with find_package(MiniTorch), run, check the output against
# the doc and the line count against the libtorch twin. Leaves nothing behind; builds no twin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
[[ -d "$build" ]] || { echo "ci-cpp-api: no build tree at $build (run scripts/build.sh first)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/minitorch-cpp-api.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The variables the doc's blocks use.
export PREFIX="$work/prefix"
export WORK="$work/src"
unset MINITORCH_PLUGIN_PATH                # the installed plugins, found beside the library
export MINITORCH_CACHE_DIR="$work/cache"  # probe verdicts: never the user's cache

DOC="$root/docs/cpp-api.md" DOC_TAG=ci-cpp-api LOGS="$work"
# shellcheck source=doc-blocks.sh
source "$root/scripts/doc-blocks.sh"

echo "=== install"
cmake --install "$build" --prefix "$PREFIX" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; doc_fail "cmake --install $build failed"; }
[[ -f "$PREFIX/lib/cmake/MiniTorch/MiniTorchConfig.cmake" ]] || doc_fail "the install has no MiniTorchConfig.cmake"

doc_file CMakeLists.txt "$WORK/CMakeLists.txt"
doc_file small_cnn.cpp "$WORK/small_cnn.cpp"
grep -q 'find_package(MiniTorch' "$WORK/CMakeLists.txt" || doc_fail "the doc's CMakeLists.txt does not use find_package(MiniTorch)"

# The issue's bar: no more lines than the libtorch twin (non-blank lines; both files are
# kept clang-formatted with the repository's .clang-format).
ours="$(grep -cv '^[[:space:]]*$' "$WORK/small_cnn.cpp")"
twin="$(grep -cv '^[[:space:]]*$' "$root/docs/examples/libtorch_twin.cpp")"
((ours <= twin)) || doc_fail "small_cnn.cpp has $ours non-blank lines, its libtorch twin $twin"

doc_step build 0
doc_step run 0
log="$work/run.log"

# Five epoch lines, a reloaded line above 0.9 on the reference backend, and a file written.
[[ "$(grep -cE '^epoch [1-5]: test accuracy [01]\.[0-9]{3}$' "$log")" == 5 ]] ||
  { cat "$log"; doc_fail "expected five 'epoch N: test accuracy X' lines"; }
trained="$(grep -m1 -oE '^training on [a-z_]+' "$log" | cut -d' ' -f3)"
[[ -n "$trained" ]] || { cat "$log"; doc_fail "no 'training on BACKEND' line"; }
reloaded="$(sed -nE 's/^reloaded on reference: test accuracy ([01]\.[0-9]{3})$/\1/p' "$log")"
[[ -n "$reloaded" ]] || { cat "$log"; doc_fail "no 'reloaded on reference: test accuracy X' line"; }
awk -v a="$reloaded" 'BEGIN { exit !(a > 0.9) }' || doc_fail "reloaded accuracy $reloaded is not above 0.9"
[[ "$trained" != reference ]] ||
  echo "ci-cpp-api: note: auto picked reference (no parallel backend in this build), so the reload ran on the backend that trained"
# The output the doc prints (block "output") is what a run on parallel prints.
if [[ "$trained" == parallel ]]; then
  diff -u <(doc_block output) "$log" || doc_fail "the program's output differs from the doc's (above: - doc, + run)"
fi
[[ -s "$WORK/small_cnn.safetensors" ]] || doc_fail "the program wrote no small_cnn.safetensors"

echo "ci-cpp-api: ok — $ours lines (twin: $twin), trained on $trained, $(grep '^epoch 5:' "$log"), reloaded on reference: $reloaded"
