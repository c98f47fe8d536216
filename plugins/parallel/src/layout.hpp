// layout.hpp — turns a set of same-shape views into the cheapest loop nest:
// size-1 dims dropped, dims ordered by the first view's strides (so the
// output is walked in memory order) and dims merged where every view is
// contiguous across them. Plus a row walker that can start mid-way, so a
// flat element range can be handed to one task. It never changes values.
#pragma once

#include <minitorch/plugin_abi.h>

#include <cstdint>

namespace mt::par {

// NV views over one shape; view 0 decides the dim order.
template <int NV>
struct Plan {
  int ndim = 0;                     // after simplification; 0 = one element
  int64_t shape[MT_MAX_DIMS] = {};  // outermost first
  int64_t strides[NV][MT_MAX_DIMS] = {};
  int64_t total = 1;  // element count (0 if any dim is 0)

  int64_t inner() const { return ndim == 0 ? 1 : shape[ndim - 1]; }
  int64_t inner_stride(int v) const { return ndim == 0 ? 0 : strides[v][ndim - 1]; }
  int64_t rows() const { return inner() == 0 ? 0 : total / inner(); }
};

// `shape` is the common shape; strides[v] the strides of view v.
template <int NV>
Plan<NV> make_plan(int ndim, const int64_t* shape, const int64_t* const (&strides)[NV]) {
  Plan<NV> p;
  int dims[MT_MAX_DIMS];
  int n = 0;
  for (int d = 0; d < ndim; ++d) {
    p.total *= shape[d];
    if (shape[d] != 1)
      dims[n++] = d;
  }
  if (p.total == 0) {
    p.ndim = 1;
    p.shape[0] = 0;
    return p;
  }
  // Insertion sort by view 0's stride, largest first (stable, so equal
  // strides, e.g. broadcast dims of view 0, keep their order).
  for (int i = 1; i < n; ++i) {
    const int d = dims[i];
    int j = i;
    while (j > 0 && strides[0][dims[j - 1]] < strides[0][d]) {
      dims[j] = dims[j - 1];
      --j;
    }
    dims[j] = d;
  }
  // Merge a dim into the previous one when every view steps evenly across.
  int m = 0;
  for (int i = 0; i < n; ++i) {
    const int d = dims[i];
    if (m > 0) {
      bool mergeable = true;
      for (int v = 0; v < NV && mergeable; ++v)
        mergeable = p.strides[v][m - 1] == strides[v][d] * shape[d];
      if (mergeable) {
        p.shape[m - 1] *= shape[d];
        for (int v = 0; v < NV; ++v)
          p.strides[v][m - 1] = strides[v][d];
        continue;
      }
    }
    p.shape[m] = shape[d];
    for (int v = 0; v < NV; ++v)
      p.strides[v][m] = strides[v][d];
    ++m;
  }
  p.ndim = m;
  return p;
}

// Walks the elements [begin, end) of a plan in row-major order, one row
// piece at a time: piece(len, offsets) where offsets[v] is the element
// offset (relative to view v's base) of the piece's first element; the
// piece continues with stride p.inner_stride(v).
template <int NV, class Piece>
void walk_range(const Plan<NV>& p, int64_t begin, int64_t end, Piece&& piece) {
  if (begin >= end)
    return;
  if (p.ndim == 0) {
    const int64_t zero[NV] = {};
    piece(int64_t{1}, zero);
    return;
  }
  const int inner = p.ndim - 1;
  const int64_t n = p.shape[inner];
  int64_t row = begin / n;
  int64_t col = begin % n;
  int64_t index[MT_MAX_DIMS] = {};
  int64_t off[NV] = {};
  for (int d = inner - 1; d >= 0; --d) {
    index[d] = row % p.shape[d];
    row /= p.shape[d];
    for (int v = 0; v < NV; ++v)
      off[v] += index[d] * p.strides[v][d];
  }
  int64_t pos = begin;
  for (;;) {
    const int64_t len = (end - pos < n - col) ? end - pos : n - col;
    int64_t start[NV];
    for (int v = 0; v < NV; ++v)
      start[v] = off[v] + col * p.strides[v][inner];
    piece(len, static_cast<const int64_t(&)[NV]>(start));
    pos += len;
    if (pos >= end)
      return;
    col = 0;
    for (int d = inner - 1; d >= 0; --d) {
      ++index[d];
      for (int v = 0; v < NV; ++v)
        off[v] += p.strides[v][d];
      if (index[d] < p.shape[d])
        break;
      for (int v = 0; v < NV; ++v)
        off[v] -= p.strides[v][d] * p.shape[d];
      index[d] = 0;
    }
  }
}

}  // namespace mt::par
