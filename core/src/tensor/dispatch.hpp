// dispatch.hpp (core-internal) — the dispatch layer: the only code in core
// that calls a plugin's compute and copy slots. Output allocation, broadcast
// expansion into stride-0 views, dim checks. No autograd here; functions.cpp
// records on top of these. (Storage allocates and frees through the plugin.)
#pragma once

#include <minitorch/tensor/tensor.hpp>

namespace mt::dispatch {

// Throws ArgumentError unless a and b share backend and dtype; `what` names
// the operation in the message.
void check_compatible(const Tensor& a, const Tensor& b, const char* what);

// `dim` in [-dims, dims) → [0, dims); IndexingError naming the range otherwise.
int64_t normalize_dim(int64_t dim, int64_t dims, const char* what);

// The view of `t` broadcast to `shape`: missing leading dims and stretched
// size-1 dims get stride 0. `shape` must be a broadcast of t's shape.
mt_view expanded_view(const Tensor& t, const Shape& shape);

// A rank-0 constant on like's backend and dtype.
Tensor scalar_like(double value, const Tensor& like);

// Fresh contiguous results (not recorded).
Tensor map(mt_map_op op, const Tensor& a);
Tensor zip(mt_zip_op op, const Tensor& a, const Tensor& b, const char* what);
Tensor reduce(mt_reduce_op op, const Tensor& a, int64_t dim);  // dim normalised
Tensor matmul(const Tensor& a, const Tensor& b);
// The same values laid out contiguously (a copy even when already contiguous).
Tensor copy(const Tensor& a);
// Every element of `t` as host doubles, row-major (copies only the stretch of
// storage the view reaches).
std::vector<double> read_elements(const Tensor& t);
// Writes row-major values into a contiguous tensor's elements.
// The values are converted to t's dtype; no temporary of the tensor's size.
void write_contiguous(const Tensor& t, std::span<const double> values);
void write_contiguous(const Tensor& t, std::span<const float> values);
// Copies through the host into a new tensor on `backend` with `dtype`.
Tensor convert(const Tensor& a, const BackendPtr& backend, DType dtype);

// In place, into an existing view (`out` may alias the operands exactly).
void zip_into(mt_zip_op op, const Tensor& out, const mt_view& a, const mt_view& b);
void copy_into(const Tensor& out, const mt_view& in);
void fill(const Tensor& out, double value);
// One element at storage position `position` (already bounds-checked).
double read_element(const Tensor& t, int64_t position);
void write_element(const Tensor& t, int64_t position, double value);
// conv1d (3-D operands) or conv2d (4-D) into `out`, which may be a permuted
// view of a fresh tensor; `reverse` as in the ABI's conv slots.
void conv_into(const Tensor& out, const Tensor& input, const Tensor& weight, bool reverse);

// ---- index ops (indices already checked: whole numbers in range) ----------
// There is no gather/scatter slot in the ABI yet, so these are built from the
// slots that exist: index_select and index_add are one map(COPY) / zip(ADD)
// per run of consecutive indices between narrow views (on the backend, any
// device); gather and scatter_add are a host round trip through the copy
// slots. A device slot for them is future work.

// The slices idx[0], idx[1], ... of `dim` of `a`, as a fresh contiguous tensor.
Tensor index_select(const Tensor& a, int64_t dim, std::span<const int64_t> idx);
// out.narrow(dim, idx[i], 1) += src.narrow(dim, i, 1) for every i, in order.
void index_add_into(const Tensor& out, int64_t dim, std::span<const int64_t> idx,
                    const Tensor& src);
// out (index_shape) = a[..., idx, ...] along dim; idx row-major over index_shape.
Tensor gather(const Tensor& a, int64_t dim, std::span<const int64_t> idx, const Shape& index_shape);
// A copy of `a` with src's elements (those inside index_shape) added at the
// positions idx names along dim.
Tensor scatter_add(const Tensor& a, int64_t dim, std::span<const int64_t> idx,
                   const Shape& index_shape, const Tensor& src);

}  // namespace mt::dispatch
