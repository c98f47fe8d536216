#!/usr/bin/env bash
# ci-sdk.sh [BUILD_DIR] — the SDK's end-to-end check from a built tree: runs
# the command blocks of docs/writing-a-backend.md (each marked
# <!-- ci-sdk: NAME -->, so CI tests the doc itself) against a temporary
# install prefix, and checks what each one must produce: the install layout,
# the stub and the complete example built out of tree with find_package, both
# loaded by name by the INSTALLED `minitorch`, and the installed kit's verdict
# on each. It builds nothing in the tree and leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
[[ -d "$build" ]] || { echo "ci-sdk: no build tree at $build (run scripts/build.sh first)" >&2; exit 2; }
doc="$root/docs/writing-a-backend.md"

work="$(mktemp -d "${TMPDIR:-/tmp}/minitorch-sdk.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The variables the doc's blocks use (a reader sets them in the doc's first block).
export MINITORCH_BUILD="$(cd "$build" && pwd)"
export PREFIX="$work/prefix"
export WORK="$work/src"
mkdir -p "$WORK"
unset MINITORCH_PLUGIN_PATH
export MINITORCH_CACHE_DIR="$work/cache"  # probe verdicts: never the user's cache

DOC="$doc" DOC_TAG=ci-sdk LOGS="$work"
# shellcheck source=doc-blocks.sh
source "$root/scripts/doc-blocks.sh"
step() { doc_step "$@"; }
fail() { doc_fail "$@"; }

# The line after "  <name> ...: loaded" in `minitorch backends` output: its
# path, made canonical (the loader may print <prefix>/bin/../lib/...).
loaded_path() {
  local path
  path="$(grep -A1 -E "^  $1 [^ ]+ \[[a-z]+\]: loaded\$" "$2" | sed -n '2s/^ *//p')"
  [[ -n "$path" ]] && realpath "$path"
}

# The kit's last line: "N passed, N failed, N skipped, N crashed, N timed out".
summary() {
  tail -n 1 "$1"
}

# ---- 1. install into a prefix ----------------------------------------------------
step install 0
for f in lib/libminitorch.so include/minitorch/plugin_abi.h include/minitorch/op_table.h \
  include/minitorch/ops.hpp include/minitorch/plugin_helpers.hpp \
  include/minitorch/minitorch.hpp include/minitorch/tensor/tensor.hpp \
  include/minitorch/plugin/backend.hpp lib/libminitorch_apps.so include/minitorch/datasets/idx.hpp \
  lib/cmake/MiniTorch/MiniTorchConfig.cmake lib/cmake/MiniTorch/MiniTorchConfigVersion.cmake \
  lib/cmake/MiniTorch/MiniTorchTargets.cmake lib/cmake/MiniTorch/MiniTorchPlugin.cmake \
  lib/minitorch/plugins/libminitorch_backend_reference.so \
  lib/minitorch/plugins/libminitorch_backend_reference.json \
  lib/minitorch/minitorch-plugin-probe bin/minitorch bin/minitorch-conformance \
  share/minitorch/examples/stub/stub.cpp share/minitorch/examples/example_cpu/plugin.cpp; do
  [[ -e "$PREFIX/$f" ]] || fail "the install has no $f"
done
# The installed programs run from the prefix (RPATH $ORIGIN/../lib), on the
# installed library, not the build tree's.
for exe in minitorch minitorch-conformance; do
  lib="$(ldd "$PREFIX/bin/$exe" | awk '$1 ~ /^libminitorch\.so/ { print $3 }')"
  [[ -n "$lib" && "$(dirname "$(realpath "$lib")")" == "$(realpath "$PREFIX/lib")" ]] ||
    fail "bin/$exe does not find libminitorch.so in $PREFIX/lib: $(ldd "$PREFIX/bin/$exe" | grep minitorch)"
done

# ---- 2. the installed loader finds the installed plugins, no env var ---------
step installed-backends 0
want="$(realpath "$PREFIX/lib/minitorch/plugins/libminitorch_backend_reference.so")"
got="$(loaded_path reference "$work/installed-backends.log")"
[[ "$got" == "$want" ]] ||
  fail "installed minitorch loaded reference from '$got', expected $want (beside the core library)"

# ---- 3. from the stub: a new backend, out of tree, loaded by name ------------
step new 0
step build 0
[[ -f "$WORK/my_backend/build/libminitorch_backend_my_backend.so" ]] || fail "no plugin built"
[[ -f "$WORK/my_backend/build/libminitorch_backend_my_backend.json" ]] || fail "no manifest written"
step backends 0
[[ "$(loaded_path my_backend "$work/backends.log")" == "$(realpath "$WORK/my_backend/build/libminitorch_backend_my_backend.so")" ]] ||
  fail "the installed minitorch does not list my_backend as loaded from its build folder"
# The stub implements nothing: every case must fail (exit 1), none crash.
step kit-stub 1
summary "$work/kit-stub.log" | grep -qE '^0 passed, [1-9][0-9]* failed, 0 skipped, 0 crashed, 0 timed out$' ||
  fail "the stub's cases should all fail, none crash: $(summary "$work/kit-stub.log")"
grep -q '"message": ".*unimplemented' "$WORK/my_backend/report.json" ||
  fail "the stub's report does not say 'unimplemented'"

# ---- 4. the complete example: passes every case --------------------------------
step example 0
step example-kit 0
[[ "$(loaded_path example_cpu "$work/example-kit.log")" == "$(realpath "$WORK/example_cpu/build/libminitorch_backend_example_cpu.so")" ]] ||
  fail "the installed minitorch does not list example_cpu as loaded"
summary "$work/example-kit.log" | grep -qE '^[1-9][0-9]* passed, 0 failed, 0 skipped, 0 crashed, 0 timed out$' ||
  fail "example_cpu should pass every case: $(summary "$work/example-kit.log")"
step example-ctest 0

echo "ci-sdk: ok — $(summary "$work/example-kit.log") (example_cpu), stub: $(summary "$work/kit-stub.log")"
