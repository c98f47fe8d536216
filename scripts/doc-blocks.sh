# doc-blocks.sh — sourced by the CI scripts that test a document's own code
# (ci-sdk.sh: docs/writing-a-backend.md; ci-cpp-api.sh: docs/cpp-api.md). A
# block is the fenced code block after a line "<!-- $DOC_TAG: NAME -->". Set
# DOC (the file), DOC_TAG and LOGS (a folder for each step's output) first.

# doc_block NAME — prints the block's text (empty if there is none).
doc_block() {
  awk -v marker="<!-- $DOC_TAG: $1 -->" '
    $0 == marker { armed = 1; next }
    armed && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$DOC"
}

# doc_fail MESSAGE — prints "TAG: MESSAGE" and exits 1.
doc_fail() {
  echo "$DOC_TAG: $*" >&2
  exit 1
}

# doc_step NAME STATUS — runs block NAME in a fresh bash (-euo pipefail) and
# requires exit status STATUS. Its output is kept in $LOGS/NAME.log.
doc_step() {
  local name="$1" want="$2" code=0 text
  text="$(doc_block "$name")"
  [[ -n "$text" ]] || doc_fail "$DOC has no block marked <!-- $DOC_TAG: $name -->"
  echo "=== $name"
  sed 's/^/  $ /' <<<"$text"
  bash -euo pipefail -c "$text" >"$LOGS/$name.log" 2>&1 || code=$?
  if [[ "$code" != "$want" ]]; then
    cat "$LOGS/$name.log"
    doc_fail "step '$name' exited $code, expected $want"
  fi
}

# doc_file NAME DEST — writes block "file NAME" to DEST (the document's own
# source file, built as it is printed).
doc_file() {
  local text
  text="$(doc_block "file $1")"
  [[ -n "$text" ]] || doc_fail "$DOC has no block marked <!-- $DOC_TAG: file $1 -->"
  mkdir -p "$(dirname "$2")"
  printf '%s\n' "$text" >"$2"
}
