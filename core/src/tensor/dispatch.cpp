// dispatch.cpp — Tensor operations as plugin calls (see dispatch.hpp): every
// broadcast, dim and batch decision is made here, so plugins only loop.
// Nothing here records autograd history.
#include "tensor/dispatch.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

namespace mt::dispatch {

namespace {

// t's view for a plugin call, written field by field for its own dims only. make_view
// (Tensor::view_desc) zero-fills both MT_MAX_DIMS arrays and copies the whole struct out,
// which for a (10, 100) zip cost more than the loops here (perf: ~6% of a split-MLP step).
// The ABI ignores entries >= ndim, so they are left unwritten.
mt_view view_of(const Tensor& t) {
  const Layout& l = t.layout();
  const Shape& shape = l.shape();
  const Strides& strides = l.strides();
  // A Tensor never has more dims (from_storage refuses them), so this is a guard only.
  const std::size_t n = std::min<std::size_t>(shape.size(), MT_MAX_DIMS);
  mt_view v;  // one return object (NRVO), so the struct is not copied out
  v.buffer = t.storage()->data();
  v.offset = l.offset();
  v.dtype = static_cast<int32_t>(t.dtype());
  v.ndim = static_cast<int32_t>(n);
  // Element by element with an exit per dim: a plain copy loop or memcpy becomes GCC's
  // inline `rep movsq`, whose start-up alone costs more than copying a few dims.
  for (std::size_t d = 0; d < MT_MAX_DIMS; ++d) {
    if (d == n)
      break;
    v.shape[d] = shape[d];
    v.strides[d] = strides[d];
  }
  return v;
}

}  // namespace

void check_compatible(const Tensor& a, const Tensor& b, const char* what) {
  if (a.backend() != b.backend()) {
    throw ArgumentError(std::string(what) + ": operands are on backends '" + a.backend()->name() +
                        "' and '" + b.backend()->name() + "'; move one with .to(backend)");
  }
  if (a.dtype() != b.dtype()) {
    throw ArgumentError(std::string(what) + ": operands have dtypes " + dtype_name(a.dtype()) +
                        " and " + dtype_name(b.dtype()) + "; convert one with .to(dtype)");
  }
}

int64_t normalize_dim(int64_t dim, int64_t dims, const char* what) {
  if (dim < -dims || dim >= dims) {
    const std::string allowed = dims == 0 ? "none (the tensor has 0 dims)"
                                          : std::to_string(-dims) + ".." + std::to_string(dims - 1);
    throw IndexingError(std::string(what) + ": dim " + std::to_string(dim) +
                        " is out of range for a tensor with " + std::to_string(dims) +
                        " dims; allowed " + allowed);
  }
  return dim < 0 ? dim + dims : dim;
}

mt_view expanded_view(const Tensor& t, const Shape& shape) {
  mt_view v = view_of(t);
  const std::size_t n = shape.size();
  const std::size_t shift = n - t.shape().size();
  v.ndim = static_cast<int32_t>(n);
  // Fill from the right so reading t's dims and writing v's never collide.
  for (std::size_t i = n; i-- > 0;) {
    int64_t stride = 0;
    if (i >= shift) {
      const std::size_t d = i - shift;
      stride = (t.shape()[d] == 1 && shape[i] != 1) ? 0 : t.strides()[d];
    }
    v.shape[i] = shape[i];
    v.strides[i] = stride;
  }
  return v;
}

Tensor scalar_like(double value, const Tensor& like) {
  Tensor out = Tensor::empty({}, like.options());
  like.backend()->fill(view_of(out), value);
  return out;
}

Tensor map(mt_map_op op, const Tensor& a) {
  Tensor out = Tensor::empty(a.shape(), a.options());
  a.backend()->map(op, view_of(out), view_of(a));
  return out;
}

Tensor zip(mt_zip_op op, const Tensor& a, const Tensor& b, const char* what) {
  check_compatible(a, b, what);
  if (a.shape() == b.shape()) {
    Tensor out = Tensor::empty(a.shape(), a.options());
    a.backend()->zip(op, view_of(out), view_of(a), view_of(b));
    return out;
  }
  Shape shape = shape_broadcast(a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, a.options());
  a.backend()->zip(op, view_of(out), expanded_view(a, shape), expanded_view(b, shape));
  return out;
}

Tensor reduce(mt_reduce_op op, const Tensor& a, int64_t dim) {
  Shape shape = a.shape();
  shape[static_cast<std::size_t>(dim)] = 1;
  Tensor out = Tensor::empty(std::move(shape), a.options());
  a.backend()->reduce(op, view_of(out), view_of(a), static_cast<int32_t>(dim));
  return out;
}

Tensor copy(const Tensor& a) {
  return map(MT_MAP_COPY, a);
}

namespace {

// batch + t's last two dims (rows, cols).
Shape with_matrix_dims(const Shape& batch, const Tensor& t) {
  Shape full = batch;
  full.insert(full.end(), t.shape().end() - 2, t.shape().end());
  return full;
}

// `t` broadcast to batch + (rows, cols) as the 3-D view (B, rows, cols) the
// ABI wants. The batch dims collapse into one only when a single stride
// walks them all (always true for one batch dim, or all broadcast); else
// returns false and the caller materialises the expanded operand.
bool batched_view(const Tensor& t, const Shape& batch, mt_view& out) {
  const mt_view v = expanded_view(t, with_matrix_dims(batch, t));
  const std::size_t nb = batch.size();
  int64_t batch_stride = 0;
  bool have_stride = false;
  int64_t expected = 0;
  for (std::size_t d = nb; d-- > 0;) {
    if (v.shape[d] == 1)
      continue;  // never stepped over
    if (!have_stride) {
      batch_stride = v.strides[d];
      have_stride = true;
    } else if (v.strides[d] != expected) {
      return false;
    }
    expected = v.strides[d] * v.shape[d];
  }
  out = v;
  out.ndim = 3;
  out.shape[0] = shape_size(batch);
  out.strides[0] = batch_stride;
  out.shape[1] = v.shape[nb];
  out.strides[1] = v.strides[nb];
  out.shape[2] = v.shape[nb + 1];
  out.strides[2] = v.strides[nb + 1];
  return true;
}

mt_view batched_operand(const Tensor& t, const Shape& batch, Tensor& keep_alive) {
  mt_view view;
  if (batched_view(t, batch, view))
    return view;
  keep_alive = copy(t.detach().expand(with_matrix_dims(batch, t)));
  batched_view(keep_alive, batch, view);  // contiguous: always collapses
  return view;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_compatible(a, b, "matmul");
  const auto describe = [&] {
    return "matmul of shapes " + shape_to_string(a.shape()) + " and " + shape_to_string(b.shape());
  };
  if (a.dims() < 2 || b.dims() < 2)
    throw ShapeError(describe() + ": both operands need at least 2 dims");
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const int64_t m = as[as.size() - 2];
  const int64_t k = as.back();
  const int64_t n = bs.back();
  if (bs[bs.size() - 2] != k) {
    throw ShapeError(describe() + ": a's last dim (" + std::to_string(k) +
                     ") must equal b's second-to-last dim (" + std::to_string(bs[bs.size() - 2]) +
                     ")");
  }
  Shape batch;
  try {
    batch = shape_broadcast(Shape(as.begin(), as.end() - 2), Shape(bs.begin(), bs.end() - 2));
  } catch (const ShapeError& e) {
    throw ShapeError(describe() + ": batch dims do not broadcast (" + e.what() + ")");
  }
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(std::move(out_shape), a.options());

  Tensor a_copy;
  Tensor b_copy;
  const mt_view av = batched_operand(a, batch, a_copy);
  const mt_view bv = batched_operand(b, batch, b_copy);
  mt_view ov = view_of(out);
  ov.ndim = 3;
  ov.shape[0] = shape_size(batch);
  ov.strides[0] = m * n;
  ov.shape[1] = m;
  ov.strides[1] = n;
  ov.shape[2] = n;
  ov.strides[2] = 1;
  a.backend()->matmul(ov, av, bv);
  return out;
}

namespace {

// The storage elements [first, first + count) of `t` as host doubles.
std::vector<double> read_span(const Tensor& t, int64_t first, int64_t count) {
  auto out = host_vector<double>(count, [&] {
    return std::string("a host copy of a ") + shape_to_string(t.shape()) + " " +
           dtype_name(t.dtype()) + " tensor";
  });
  if (count == 0)
    return out;
  const std::size_t esize = dtype_size(t.dtype());
  if (t.dtype() == DType::f64) {
    t.backend()->copy_to_host(out.data(), t.storage()->data(), first * esize, count * esize);
  } else {
    auto raw = host_vector<float>(count, [&] {
      return std::string("a host copy of a ") + shape_to_string(t.shape()) + " f32 tensor";
    });
    t.backend()->copy_to_host(raw.data(), t.storage()->data(), first * esize, count * esize);
    for (std::size_t i = 0; i < raw.size(); ++i)
      out[i] = raw[i];
  }
  return out;
}

}  // namespace

std::vector<double> read_elements(const Tensor& t) {
  const Layout& layout = t.layout();
  if (layout.size() == 0)
    return {};
  if (layout.is_contiguous())
    return read_span(t, layout.offset(), layout.size());
  // Copy only the stretch of storage the view can reach, then gather.
  const std::vector<double> span =
      read_span(t, layout.offset(), layout.last_position() - layout.offset() + 1);
  std::vector<double> out;
  host_reserve(out, layout.size(),
               [&] { return "the values of a " + shape_to_string(layout.shape()) + " tensor"; });
  for (int64_t position : layout.positions())
    out.push_back(span[static_cast<std::size_t>(position - layout.offset())]);
  return out;
}

namespace {

// Copies host values of type Src into a contiguous tensor: straight from the
// caller's buffer when the tensor holds Src, else converted through a small
// stack buffer on host backends (no heap temporary the size of the tensor,
// so a per-batch upload touches no fresh pages).
template <class Src>
void write_values(const Tensor& t, std::span<const Src> values) {
  if (values.empty())
    return;
  const std::size_t esize = dtype_size(t.dtype());
  const std::size_t offset_bytes = static_cast<std::size_t>(t.offset()) * esize;
  void* data = t.storage()->data();
  if (esize == sizeof(Src)) {
    t.backend()->copy_from_host(data, offset_bytes, values.data(), values.size() * esize);
    return;
  }
  const auto convert_chunks = [&]<class Dst>(Dst*) {
    if (!t.backend()->host_accessible()) {
      // A device copy has a fixed cost per call: one transfer of everything.
      const std::vector<Dst> raw(values.begin(), values.end());
      t.backend()->copy_from_host(data, offset_bytes, raw.data(), raw.size() * esize);
      return;
    }
    constexpr std::size_t kChunk = 4096;  // 16-32 KiB on the stack
    Dst chunk[kChunk];
    for (std::size_t start = 0; start < values.size(); start += kChunk) {
      const std::size_t n = std::min(kChunk, values.size() - start);
      for (std::size_t i = 0; i < n; ++i)
        chunk[i] = static_cast<Dst>(values[start + i]);
      t.backend()->copy_from_host(data, offset_bytes + start * esize, chunk, n * esize);
    }
  };
  if (t.dtype() == DType::f64)
    convert_chunks(static_cast<double*>(nullptr));
  else
    convert_chunks(static_cast<float*>(nullptr));
}

}  // namespace

void write_contiguous(const Tensor& t, std::span<const double> values) {
  write_values(t, values);
}

void write_contiguous(const Tensor& t, std::span<const float> values) {
  write_values(t, values);
}

Tensor convert(const Tensor& a, const BackendPtr& backend, DType dtype) {
  Tensor out = Tensor::empty(a.shape(), {.dtype = dtype, .backend = backend});
  const std::vector<double> values = read_elements(a);
  write_contiguous(out, values);
  return out;
}

void zip_into(mt_zip_op op, const Tensor& out, const mt_view& a, const mt_view& b) {
  out.backend()->zip(op, view_of(out), a, b);
}

void copy_into(const Tensor& out, const mt_view& in) {
  out.backend()->map(MT_MAP_COPY, view_of(out), in);
}

void fill(const Tensor& out, double value) {
  out.backend()->fill(view_of(out), value);
}

double read_element(const Tensor& t, int64_t position) {
  const std::size_t esize = dtype_size(t.dtype());
  const std::size_t offset = static_cast<std::size_t>(position) * esize;
  if (t.dtype() == DType::f64) {
    double value = 0.0;
    t.backend()->copy_to_host(&value, t.storage()->data(), offset, esize);
    return value;
  }
  float value = 0.0f;
  t.backend()->copy_to_host(&value, t.storage()->data(), offset, esize);
  return value;
}

void write_element(const Tensor& t, int64_t position, double value) {
  const std::size_t esize = dtype_size(t.dtype());
  const std::size_t offset = static_cast<std::size_t>(position) * esize;
  if (t.dtype() == DType::f64) {
    t.backend()->copy_from_host(t.storage()->data(), offset, &value, esize);
  } else {
    const float narrow = static_cast<float>(value);
    t.backend()->copy_from_host(t.storage()->data(), offset, &narrow, esize);
  }
}

void conv_into(const Tensor& out, const Tensor& input, const Tensor& weight, bool reverse) {
  const BackendPtr& backend = input.backend();
  if (input.dims() == 3)
    backend->conv1d(view_of(out), view_of(input), view_of(weight), reverse);
  else
    backend->conv2d(view_of(out), view_of(input), view_of(weight), reverse);
}

// ---- index ops ------------------------------------------------------------

namespace {

// Calls visit(run_start, first_index, length) for each maximal run of
// consecutive indices (idx[i+1] == idx[i] + 1), so a contiguous range of
// rows is one slot call.
void for_each_run(std::span<const int64_t> idx,
                  const std::function<void(int64_t, int64_t, int64_t)>& visit) {
  std::size_t i = 0;
  while (i < idx.size()) {
    std::size_t j = i + 1;
    while (j < idx.size() && idx[j] == idx[j - 1] + 1)
      ++j;
    visit(static_cast<int64_t>(i), idx[i], static_cast<int64_t>(j - i));
    i = j;
  }
}

// Calls visit(flat, multi_index) for every element of `shape` in row-major order.
void for_each_index(const Shape& shape,
                    const std::function<void(std::size_t, const Index&)>& visit) {
  const int64_t n = shape_size(shape);
  Index m(shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    visit(static_cast<std::size_t>(flat), m);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++m[d] < shape[d])
        break;
      m[d] = 0;
    }
  }
}

// Row-major position in a tensor of `strides` of multi-index m with m[dim]
// replaced by `at`.
int64_t position_with(const Strides& strides, const Index& m, std::size_t dim, int64_t at) {
  int64_t position = 0;
  for (std::size_t d = 0; d < m.size(); ++d)
    position += (d == dim ? at : m[d]) * strides[d];
  return position;
}

}  // namespace

Tensor index_select(const Tensor& a, int64_t dim, std::span<const int64_t> idx) {
  Shape shape = a.shape();
  shape[static_cast<std::size_t>(dim)] = static_cast<int64_t>(idx.size());
  Tensor out = Tensor::empty(std::move(shape), a.options());
  const Tensor source = a.detach();
  for_each_run(idx, [&](int64_t at, int64_t first, int64_t length) {
    copy_into(out.narrow(dim, at, length), source.narrow(dim, first, length).view_desc());
  });
  return out;
}

void index_add_into(const Tensor& out, int64_t dim, std::span<const int64_t> idx,
                    const Tensor& src) {
  // A run has distinct rows, so adding it in one call equals adding row by row;
  // runs are added in order, so repeated indices accumulate.
  for_each_run(idx, [&](int64_t at, int64_t first, int64_t length) {
    const Tensor target = out.narrow(dim, first, length);
    zip_into(MT_ZIP_ADD, target, view_of(target), src.narrow(dim, at, length).view_desc());
  });
}

Tensor gather(const Tensor& a, int64_t dim, std::span<const int64_t> idx,
              const Shape& index_shape) {
  const std::vector<double> values = read_elements(a);
  const Strides strides = strides_from_shape(a.shape());
  auto out = host_vector<double>(shape_size(index_shape), [&] {
    return "the host result of gather into shape " + shape_to_string(index_shape);
  });
  const auto d = static_cast<std::size_t>(dim);
  for_each_index(index_shape, [&](std::size_t flat, const Index& m) {
    out[flat] = values[static_cast<std::size_t>(position_with(strides, m, d, idx[flat]))];
  });
  Tensor result = Tensor::empty(index_shape, a.options());
  write_contiguous(result, out);
  return result;
}

Tensor scatter_add(const Tensor& a, int64_t dim, std::span<const int64_t> idx,
                   const Shape& index_shape, const Tensor& src) {
  std::vector<double> values = read_elements(a);
  const std::vector<double> adds = read_elements(src);
  const Strides strides = strides_from_shape(a.shape());
  const Strides src_strides = strides_from_shape(src.shape());
  const auto d = static_cast<std::size_t>(dim);
  for_each_index(index_shape, [&](std::size_t flat, const Index& m) {
    const int64_t from = position_with(src_strides, m, d, m[d]);
    values[static_cast<std::size_t>(position_with(strides, m, d, idx[flat]))] +=
        adds[static_cast<std::size_t>(from)];
  });
  Tensor result = Tensor::empty(a.shape(), a.options());
  write_contiguous(result, values);
  return result;
}

}  // namespace mt::dispatch
