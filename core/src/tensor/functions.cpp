// functions.cpp — every differentiable Tensor operation: its forward (a plugin
// call through dispatch.cpp, or a view) and, right beside it, its backward as a
// Node. Derived ops (sub by a constant, mean, transpose …) are built from
// these primitives. Comparisons and all() are never recorded.
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/tensor.hpp>

#include "tensor/dispatch.hpp"

#include <cmath>
#include <numeric>
#include <string>

namespace mt {

namespace {

using Grads = std::vector<Tensor>;

Tensor constant(double value, const Tensor& like) {
  return dispatch::scalar_like(value, like);
}

}  // namespace

// ==== element-wise maps ======================================================

namespace {
struct Neg final : Node {
  const char* name() const override { return "Neg"; }
  Grads backward(const Tensor& g) override { return {-g}; }
};
}  // namespace

Tensor operator-(const Tensor& a) {
  Tensor out = dispatch::map(MT_MAP_NEG, a);
  record<Neg>(out, a);
  return out;
}

namespace {
struct Inv final : Node {
  const char* name() const override { return "Inv"; }
  // d(1/a) = −g / a²
  Grads backward(const Tensor& g) override {
    return {dispatch::zip(MT_ZIP_INV_BACK, inputs[0], g, "inv backward")};
  }
};
}  // namespace

Tensor Tensor::inv() const {
  Tensor out = dispatch::map(MT_MAP_INV, *this);
  record<Inv>(out, *this);
  return out;
}

namespace {
struct Sigmoid final : Node {
  Tensor out;  // saved detached: keeping the output itself would be a cycle
  const char* name() const override { return "Sigmoid"; }
  Grads backward(const Tensor& g) override { return {g * out * (1.0 - out)}; }
};
}  // namespace

Tensor Tensor::sigmoid() const {
  Tensor out = dispatch::map(MT_MAP_SIGMOID, *this);
  if (auto* node = record<Sigmoid>(out, *this))
    node->out = out.detach();
  return out;
}

namespace {
struct ReLU final : Node {
  const char* name() const override { return "ReLU"; }
  // g where a > 0, else 0
  Grads backward(const Tensor& g) override {
    return {dispatch::zip(MT_ZIP_RELU_BACK, inputs[0], g, "relu backward")};
  }
};
}  // namespace

Tensor Tensor::relu() const {
  Tensor out = dispatch::map(MT_MAP_RELU, *this);
  record<ReLU>(out, *this);
  return out;
}

namespace {
struct Log final : Node {
  const char* name() const override { return "Log"; }
  // g / a
  Grads backward(const Tensor& g) override {
    return {dispatch::zip(MT_ZIP_LOG_BACK, inputs[0], g, "log backward")};
  }
};
}  // namespace

Tensor Tensor::log() const {
  Tensor out = dispatch::map(MT_MAP_LOG, *this);
  record<Log>(out, *this);
  return out;
}

namespace {
struct Exp final : Node {
  Tensor out;
  const char* name() const override { return "Exp"; }
  Grads backward(const Tensor& g) override { return {g * out}; }
};
}  // namespace

Tensor Tensor::exp() const {
  Tensor out = dispatch::map(MT_MAP_EXP, *this);
  if (auto* node = record<Exp>(out, *this))
    node->out = out.detach();
  return out;
}

namespace {
struct Sqrt final : Node {
  Tensor out;
  const char* name() const override { return "Sqrt"; }
  // g / (2·√a)
  Grads backward(const Tensor& g) override { return {g / (out * 2.0)}; }
};
}  // namespace

Tensor Tensor::sqrt() const {
  Tensor out = dispatch::map(MT_MAP_SQRT, *this);
  if (auto* node = record<Sqrt>(out, *this))
    node->out = out.detach();
  return out;
}

namespace {
struct Abs final : Node {
  const char* name() const override { return "Abs"; }
  // g · sign(a), with sign(0) = 0
  Grads backward(const Tensor& g) override {
    const Tensor& a = inputs[0];
    return {g * ((a > 0.0) - (a < 0.0))};
  }
};
}  // namespace

Tensor Tensor::abs() const {
  Tensor out = dispatch::map(MT_MAP_ABS, *this);
  record<Abs>(out, *this);
  return out;
}

namespace {
struct Pow final : Node {
  double exponent = 0.0;
  const char* name() const override { return "Pow"; }
  // g · e · a^(e−1); a zero exponent is a constant (avoids 0 · 0^−1 = NaN)
  Grads backward(const Tensor& g) override {
    if (exponent == 0.0)
      return {zeros_like(inputs[0])};
    return {g * (inputs[0].pow(exponent - 1.0) * exponent)};
  }
};
}  // namespace

Tensor Tensor::pow(double exponent) const {
  Tensor out = dispatch::zip(MT_ZIP_POW, *this, constant(exponent, *this), "pow");
  if (auto* node = record<Pow>(out, *this))
    node->exponent = exponent;
  return out;
}

// ==== element-wise zips (broadcasting; the engine sums gradients back) ====

namespace {
struct Add final : Node {
  const char* name() const override { return "Add"; }
  Grads backward(const Tensor& g) override { return {g, g}; }
};

struct Sub final : Node {
  const char* name() const override { return "Sub"; }
  Grads backward(const Tensor& g) override { return {g, needs_grad(1) ? -g : Tensor()}; }
};

struct Mul final : Node {
  const char* name() const override { return "Mul"; }
  Grads backward(const Tensor& g) override {
    return {needs_grad(0) ? g * inputs[1] : Tensor(), needs_grad(1) ? g * inputs[0] : Tensor()};
  }
};

struct Div final : Node {
  const char* name() const override { return "Div"; }
  // d(a/b) = g/b, −g·a/b²
  Grads backward(const Tensor& g) override {
    const Tensor& a = inputs[0];
    const Tensor& b = inputs[1];
    return {needs_grad(0) ? g / b : Tensor(), needs_grad(1) ? -(g * a) / (b * b) : Tensor()};
  }
};

template <class N>
Tensor recorded_zip(mt_zip_op op, const Tensor& a, const Tensor& b, const char* what) {
  Tensor out = dispatch::zip(op, a, b, what);
  record<N>(out, a, b);
  return out;
}
}  // namespace

Tensor operator+(const Tensor& a, const Tensor& b) {
  return recorded_zip<Add>(MT_ZIP_ADD, a, b, "add");
}
Tensor operator+(const Tensor& a, double b) {
  return a + constant(b, a);
}
Tensor operator+(double a, const Tensor& b) {
  return constant(a, b) + b;
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return recorded_zip<Sub>(MT_ZIP_SUB, a, b, "sub");
}
Tensor operator-(const Tensor& a, double b) {
  return a - constant(b, a);
}
Tensor operator-(double a, const Tensor& b) {
  return constant(a, b) - b;
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return recorded_zip<Mul>(MT_ZIP_MUL, a, b, "mul");
}
Tensor operator*(const Tensor& a, double b) {
  return a * constant(b, a);
}
Tensor operator*(double a, const Tensor& b) {
  return constant(a, b) * b;
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return recorded_zip<Div>(MT_ZIP_DIV, a, b, "div");
}
Tensor operator/(const Tensor& a, double b) {
  return a / constant(b, a);
}
Tensor operator/(double a, const Tensor& b) {
  return constant(a, b) / b;
}

// ==== comparisons: 0/1 results, no gradient ===================================

Tensor operator<(const Tensor& a, const Tensor& b) {
  return dispatch::zip(MT_ZIP_LT, a, b, "lt");
}
Tensor operator<(const Tensor& a, double b) {
  return a < constant(b, a);
}
Tensor operator<(double a, const Tensor& b) {
  return constant(a, b) < b;
}
Tensor operator>(const Tensor& a, const Tensor& b) {
  return b < a;
}
Tensor operator>(const Tensor& a, double b) {
  return constant(b, a) < a;
}
Tensor operator>(double a, const Tensor& b) {
  return b < constant(a, b);
}
Tensor operator==(const Tensor& a, const Tensor& b) {
  return dispatch::zip(MT_ZIP_EQ, a, b, "eq");
}
Tensor operator==(const Tensor& a, double b) {
  return a == constant(b, a);
}
Tensor operator==(double a, const Tensor& b) {
  return constant(a, b) == b;
}
Tensor is_close(const Tensor& a, const Tensor& b) {
  return dispatch::zip(MT_ZIP_IS_CLOSE, a, b, "is_close");
}
Tensor Tensor::is_close(const Tensor& other) const {
  return mt::is_close(*this, other);
}

// ==== reductions (the reduced dim is kept at size 1) ===========================

namespace {
struct Sum final : Node {
  const char* name() const override { return "Sum"; }
  // Every input element contributed once: broadcast g back over the dim.
  Grads backward(const Tensor& g) override { return {g.expand(inputs[0].shape())}; }
};

struct Max final : Node {
  int64_t dim = 0;
  Tensor out;
  const char* name() const override { return "Max"; }
  // g shared evenly by the elements equal to the max (torch.amax's rule).
  // MiniTorch gives each tied element all of g, so a tie doubles the gradient.
  Grads backward(const Tensor& g) override {
    const Tensor winners = inputs[0].detach() == out;
    return {g * winners / winners.sum(dim)};
  }
};

// The whole tensor as one dim, so a full reduction is a dim-0 reduction.
Tensor flattened(const Tensor& t) {
  return t.contiguous().view({t.numel()});
}
}  // namespace

Tensor Tensor::sum(int64_t dim) const {
  Tensor out = dispatch::reduce(MT_REDUCE_SUM, *this, dispatch::normalize_dim(dim, dims(), "sum"));
  record<Sum>(out, *this);
  return out;
}

Tensor Tensor::sum() const {
  return flattened(*this).sum(0);
}

Tensor Tensor::mean(int64_t dim) const {
  return sum(dim) / static_cast<double>(size(dim));
}

Tensor Tensor::mean() const {
  return sum() / static_cast<double>(numel());
}

Tensor Tensor::max(int64_t dim) const {
  const int64_t d = dispatch::normalize_dim(dim, dims(), "max");
  Tensor out = dispatch::reduce(MT_REDUCE_MAX, *this, d);
  if (auto* node = record<Max>(out, *this)) {
    node->dim = d;
    node->out = out.detach();
  }
  return out;
}

Tensor Tensor::max() const {
  return flattened(*this).max(0);
}

Tensor Tensor::all(int64_t dim) const {
  const Tensor nonzero = 1.0 - (*this == 0.0);
  return dispatch::reduce(MT_REDUCE_PROD, nonzero, dispatch::normalize_dim(dim, dims(), "all"));
}

Tensor Tensor::all() const {
  NoGradGuard no_grad;  // a 0/1 answer has no gradient
  return flattened(*this).all(0);
}

// ==== argmax: indices as whole numbers in the float dtype, never recorded ====

namespace {

// The largest count whose indices (and n − i ranks) a dtype holds exactly.
int64_t exact_integer_limit(DType dtype) {
  return dtype == DType::f32 ? (int64_t{1} << 24) : (int64_t{1} << 53);
}

void check_index_count(int64_t n, DType dtype, const char* what) {
  if (n > exact_integer_limit(dtype)) {
    throw ArgumentError(std::string(what) + ": " + std::to_string(n) + " positions are more than " +
                        dtype_name(dtype) + " holds as exact whole numbers (up to " +
                        std::to_string(exact_integer_limit(dtype)) +
                        "); convert with .to(DType::f64) first");
  }
}

// `shape` without dim `dim`.
Shape drop_dim(Shape shape, int64_t dim) {
  shape.erase(shape.begin() + dim);
  return shape;
}

}  // namespace

Tensor Tensor::argmax(int64_t dim, bool keepdim) const {
  const int64_t d = dispatch::normalize_dim(dim, dims(), "argmax");
  const int64_t n = size(d);
  if (n == 0) {
    throw ArgumentError("argmax: dim " + std::to_string(dim) + " of shape " +
                        shape_to_string(shape()) + " is empty, so it has no maximum");
  }
  check_index_count(n, dtype(), "argmax");
  NoGradGuard no_grad;
  const Tensor x = detach();
  // Every maximum scores n − i and the highest score is the first maximum, so
  // n − max(score) is its index; all of it on the backend. NaN counts as the
  // maximum (torch's rule): when a slice has one, its first NaN wins.
  std::vector<double> ranks(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    ranks[static_cast<std::size_t>(i)] = static_cast<double>(n - i);
  Shape rank_shape(static_cast<std::size_t>(dims()), 1);
  rank_shape[static_cast<std::size_t>(d)] = n;
  const Tensor rank = Tensor::from_values(ranks, std::move(rank_shape), options());
  const Tensor best = ((x == x.max(d)) * rank).max(d);
  const Tensor best_nan = ((1.0 - (x == x)) * rank).max(d);
  const Tensor has_nan = best_nan > 0.0;
  Tensor index = static_cast<double>(n) - (has_nan * best_nan + (1.0 - has_nan) * best);
  return keepdim ? index : index.view(drop_dim(index.shape(), d));
}

Tensor Tensor::argmax() const {
  check_index_count(numel(), dtype(), "argmax");
  return contiguous().detach().view({numel()}).argmax(0, false);
}

Tensor argmax(const Tensor& input, int64_t dim, bool keepdim) {
  return input.argmax(dim, keepdim);
}

Tensor argmax(const Tensor& input) {
  return input.argmax();
}

// ==== index_select / gather / scatter_add ====================================

namespace {

// "(i, j, k)" for the row-major element `flat` of `shape`.
std::string position_string(const Shape& shape, int64_t flat) {
  Index m(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    m[d] = shape[d] == 0 ? 0 : flat % shape[d];
    flat = shape[d] == 0 ? 0 : flat / shape[d];
  }
  return shape_to_string(m);
}

// Index values must be whole numbers in [0, bound): `what` names the op,
// `shape` is the index's (for the position in the message).
void check_index_value(double value, int64_t bound, const Shape& shape, int64_t flat,
                       const char* what, int64_t dim) {
  const std::string where = " at index position " + position_string(shape, flat);
  if (!std::isfinite(value) || value != std::floor(value)) {
    throw IndexingError(std::string(what) + ": index value " + std::to_string(value) + where +
                        " is not a whole number (indices are whole numbers held in a " +
                        "float tensor)");
  }
  if (value < 0.0 || value >= static_cast<double>(bound)) {
    throw IndexingError(std::string(what) + ": index " +
                        std::to_string(static_cast<int64_t>(value)) + where +
                        " is out of range for dim " + std::to_string(dim) + " of size " +
                        std::to_string(bound) + "; allowed 0.." + std::to_string(bound - 1));
  }
}

std::vector<int64_t> checked_indices(const Tensor& index, int64_t bound, const char* what,
                                     int64_t dim) {
  const std::vector<double> values = index.to_vector();
  std::vector<int64_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    check_index_value(values[i], bound, index.shape(), static_cast<int64_t>(i), what, dim);
    out[i] = static_cast<int64_t>(values[i]);
  }
  return out;
}

struct IndexSelect final : Node {
  int64_t dim = 0;
  std::vector<int64_t> index;
  const char* name() const override { return "IndexSelect"; }
  // index_add of g into zeros: a repeated index collects every copy's gradient.
  Grads backward(const Tensor& g) override {
    Tensor grad = zeros_like(inputs[0]);
    dispatch::index_add_into(grad, dim, index, g);
    return {grad};
  }
};

Tensor index_select_checked(const Tensor& x, int64_t d, std::vector<int64_t> index) {
  Tensor out = dispatch::index_select(x, d, index);
  if (auto* node = record<IndexSelect>(out, x)) {
    node->dim = d;
    node->index = std::move(index);
  }
  return out;
}

// gather's and scatter_add's rank and size rules (torch's); `other` is the
// tensor index must fit inside in every dim (x for gather, src for scatter_add).
void check_gather_shapes(const Tensor& x, int64_t d, const Tensor& index, const char* what,
                         const Tensor* src) {
  const auto describe = [&] {
    std::string text = std::string(what) + ": input " + shape_to_string(x.shape()) + ", index " +
                       shape_to_string(index.shape());
    if (src)
      text += ", src " + shape_to_string(src->shape());
    return text + ", dim " + std::to_string(d);
  };
  if (index.dims() != x.dims() || (src && src->dims() != x.dims())) {
    throw ShapeError(describe() + ": index" + (src ? " and src" : "") +
                     " must have as many dims as the input");
  }
  for (int64_t k = 0; k < x.dims(); ++k) {
    if (k != d && index.size(k) > x.size(k)) {
      throw ShapeError(describe() + ": index.size(" + std::to_string(k) +
                       ") must be <= input.size(" + std::to_string(k) + ") for dims other than " +
                       std::to_string(d));
    }
    if (src && index.size(k) > src->size(k)) {
      throw ShapeError(describe() + ": index.size(" + std::to_string(k) + ") must be <= src.size(" +
                       std::to_string(k) + ")");
    }
  }
}

struct Gather final : Node {
  int64_t dim = 0;
  std::vector<int64_t> index;
  Shape index_shape;
  const char* name() const override { return "Gather"; }
  Grads backward(const Tensor& g) override {
    return {dispatch::scatter_add(zeros_like(inputs[0]), dim, index, index_shape, g)};
  }
};

struct ScatterAdd final : Node {
  int64_t dim = 0;
  std::vector<int64_t> index;
  Shape index_shape;
  const char* name() const override { return "ScatterAdd"; }
  // self: g; src: g gathered at the indices, zero where the index does not
  // reach (index may be smaller than src).
  Grads backward(const Tensor& g) override {
    Tensor grad_src;
    if (needs_grad(1)) {
      const Tensor& src = inputs[1];
      Tensor gathered = dispatch::gather(g, dim, index, index_shape);
      if (index_shape == src.shape()) {
        grad_src = gathered;
      } else {
        grad_src = zeros_like(src);
        Tensor region = grad_src;
        for (int64_t k = 0; k < src.dims(); ++k)
          region = region.narrow(k, 0, index_shape[static_cast<std::size_t>(k)]);
        region.copy_(gathered);
      }
    }
    return {needs_grad(0) ? g : Tensor(), grad_src};
  }
};

}  // namespace

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  const int64_t d = dispatch::normalize_dim(dim, dims(), "index_select");
  if (index.dims() > 1) {
    throw ShapeError("index_select: the index must be 0-D or 1-D, got shape " +
                     shape_to_string(index.shape()));
  }
  return index_select_checked(*this, d, checked_indices(index, size(d), "index_select", dim));
}

Tensor Tensor::index_select(int64_t dim, std::span<const int64_t> index) const {
  const int64_t d = dispatch::normalize_dim(dim, dims(), "index_select");
  const Shape shape{static_cast<int64_t>(index.size())};
  for (std::size_t i = 0; i < index.size(); ++i) {
    check_index_value(static_cast<double>(index[i]), size(d), shape, static_cast<int64_t>(i),
                      "index_select", dim);
  }
  return index_select_checked(*this, d, std::vector<int64_t>(index.begin(), index.end()));
}

Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  const int64_t d = dispatch::normalize_dim(dim, dims(), "gather");
  check_gather_shapes(*this, d, index, "gather", nullptr);
  std::vector<int64_t> idx = checked_indices(index, size(d), "gather", dim);
  Tensor out = dispatch::gather(*this, d, idx, index.shape());
  if (auto* node = record<Gather>(out, *this)) {
    node->dim = d;
    node->index = std::move(idx);
    node->index_shape = index.shape();
  }
  return out;
}

Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  const int64_t d = dispatch::normalize_dim(dim, dims(), "scatter_add");
  dispatch::check_compatible(*this, src, "scatter_add");
  check_gather_shapes(*this, d, index, "scatter_add", &src);
  std::vector<int64_t> idx = checked_indices(index, size(d), "scatter_add", dim);
  Tensor out = dispatch::scatter_add(*this, d, idx, index.shape(), src);
  if (auto* node = record<ScatterAdd>(out, *this, src)) {
    node->dim = d;
    node->index = std::move(idx);
    node->index_shape = index.shape();
  }
  return out;
}

Tensor index_select(const Tensor& input, int64_t dim, const Tensor& index) {
  return input.index_select(dim, index);
}

Tensor index_select(const Tensor& input, int64_t dim, std::span<const int64_t> index) {
  return input.index_select(dim, index);
}

Tensor gather(const Tensor& input, int64_t dim, const Tensor& index) {
  return input.gather(dim, index);
}

Tensor scatter_add(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& src) {
  return input.scatter_add(dim, index, src);
}

// ==== views: share storage; backward maps the gradient back ===================

namespace {
struct Permute final : Node {
  std::vector<int64_t> order;
  const char* name() const override { return "Permute"; }
  Grads backward(const Tensor& g) override {
    std::vector<int64_t> inverse(order.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      inverse[static_cast<std::size_t>(order[i])] = static_cast<int64_t>(i);
    return {g.permute(std::move(inverse))};
  }
};

struct View final : Node {
  const char* name() const override { return "View"; }
  // The gradient may arrive non-contiguous (e.g. expanded), so reshape.
  Grads backward(const Tensor& g) override { return {g.reshape(inputs[0].shape())}; }
};

struct Copy final : Node {
  const char* name() const override { return "Copy"; }
  Grads backward(const Tensor& g) override { return {g}; }
};

struct Expand final : Node {
  const char* name() const override { return "Expand"; }
  // The engine sums g over the broadcast dims (sum_to_shape).
  Grads backward(const Tensor& g) override { return {g}; }
};

struct Narrow final : Node {
  int64_t dim = 0;
  int64_t start = 0;
  const char* name() const override { return "Narrow"; }
  // g in the slice, zero elsewhere.
  Grads backward(const Tensor& g) override {
    Tensor grad = zeros_like(inputs[0]);
    grad.narrow(dim, start, g.shape()[static_cast<std::size_t>(dim)]).copy_(g);
    return {grad};
  }
};

// A new tensor sharing t's storage with another layout.
Tensor with_layout(const Tensor& t, Layout layout) {
  return Tensor::from_storage(t.storage(), std::move(layout));
}

// `shape` with one -1 entry resolved against `numel`; ShapeError if it cannot
// hold exactly numel elements.
Shape resolve_view_shape(Shape shape, const Tensor& t) {
  int64_t known = 1;
  int64_t infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && infer < 0) {
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError("view shape " + shape_to_string(shape) +
                       " is invalid: sizes must be >= 0, with at most one -1");
    } else if (!checked_mul(known, shape[i], known)) {
      known = -1;  // more elements than any tensor can hold: never a match
    }
  }
  if (infer >= 0 && known > 0 && t.numel() % known == 0)
    shape[static_cast<std::size_t>(infer)] = t.numel() / known;
  if (known < 0 || (infer >= 0 && shape[static_cast<std::size_t>(infer)] < 0) ||
      shape_size(shape) != t.numel()) {
    throw ShapeError("cannot view shape " + shape_to_string(t.shape()) + " (" +
                     std::to_string(t.numel()) + " elements) as " + shape_to_string(shape));
  }
  return shape;
}
}  // namespace

Tensor Tensor::permute(std::vector<int64_t> order) const {
  Tensor out = with_layout(*this, layout().permute(order));
  if (auto* node = record<Permute>(out, *this))
    node->order = std::move(order);
  return out;
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  std::vector<int64_t> order(static_cast<std::size_t>(dims()));
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[static_cast<std::size_t>(dispatch::normalize_dim(dim0, dims(), "transpose"))],
            order[static_cast<std::size_t>(dispatch::normalize_dim(dim1, dims(), "transpose"))]);
  return permute(std::move(order));
}

Tensor Tensor::view(Shape shape) const {
  if (!is_contiguous()) {
    throw ShapeError("view needs a contiguous tensor; call contiguous() first (shape " +
                     shape_to_string(this->shape()) + ", strides " + shape_to_string(strides()) +
                     ")");
  }
  Shape resolved = resolve_view_shape(std::move(shape), *this);
  Strides strides = strides_from_shape(resolved);
  Tensor out = with_layout(*this, Layout(std::move(resolved), std::move(strides), offset()));
  record<View>(out, *this);
  return out;
}

Tensor Tensor::reshape(Shape shape) const {
  return is_contiguous() ? view(std::move(shape)) : contiguous().view(std::move(shape));
}

Tensor Tensor::clone() const {
  Tensor out = dispatch::copy(*this);
  record<Copy>(out, *this);
  return out;
}

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::expand(Shape shape) const {
  Shape target;
  try {
    target = shape_broadcast(this->shape(), shape);
  } catch (const ShapeError&) {
  }
  if (target != shape) {
    throw ShapeError("cannot expand shape " + shape_to_string(this->shape()) + " to " +
                     shape_to_string(shape) + ": only size-1 dims can grow");
  }
  const mt_view v = dispatch::expanded_view(*this, shape);
  Tensor out = with_layout(*this, Layout(shape, Strides(v.strides, v.strides + v.ndim), offset()));
  record<Expand>(out, *this);
  return out;
}

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  const int64_t d = dispatch::normalize_dim(dim, dims(), "narrow");
  const int64_t size = shape()[static_cast<std::size_t>(d)];
  if (start < 0 || length < 0 || start + length > size) {
    throw IndexingError("narrow(dim " + std::to_string(dim) + ", start " + std::to_string(start) +
                        ", length " + std::to_string(length) + ") is out of range for shape " +
                        shape_to_string(shape()) +
                        ": need 0 <= start and start + length <= " + std::to_string(size));
  }
  Shape new_shape = shape();
  new_shape[static_cast<std::size_t>(d)] = length;
  const int64_t new_offset = offset() + start * strides()[static_cast<std::size_t>(d)];
  Tensor out = with_layout(*this, Layout(std::move(new_shape), strides(), new_offset));
  if (auto* node = record<Narrow>(out, *this)) {
    node->dim = d;
    node->start = start;
  }
  return out;
}

// ==== matmul =================================================================

namespace {
struct MatMul final : Node {
  const char* name() const override { return "MatMul"; }
  // (g @ bᵀ, aᵀ @ g); broadcast batch dims are summed away by the engine.
  Grads backward(const Tensor& g) override {
    const Tensor& a = inputs[0];
    const Tensor& b = inputs[1];
    return {needs_grad(0) ? g.matmul(b.transpose(-2, -1)) : Tensor(),
            needs_grad(1) ? a.transpose(-2, -1).matmul(g) : Tensor()};
  }
};
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  Tensor out = dispatch::matmul(a, b);
  record<MatMul>(out, a, b);
  return out;
}

Tensor Tensor::matmul(const Tensor& other) const {
  return mt::matmul(*this, other);
}

// ==== moving between backends and dtypes ======================================

namespace {
struct ToBackend final : Node {
  const char* name() const override { return "ToBackend"; }
  Grads backward(const Tensor& g) override { return {g.to(inputs[0].backend())}; }
};

struct ToDType final : Node {
  const char* name() const override { return "ToDType"; }
  Grads backward(const Tensor& g) override { return {g.to(inputs[0].dtype())}; }
};
}  // namespace

Tensor Tensor::to(const BackendPtr& target) const {
  if (!target)
    throw ArgumentError("to(backend): the backend is null");
  if (target == backend())
    return *this;
  Tensor out = dispatch::convert(*this, target, dtype());
  record<ToBackend>(out, *this);
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype())
    return *this;
  Tensor out = dispatch::convert(*this, backend(), target);
  record<ToDType>(out, *this);
  return out;
}

}  // namespace mt
