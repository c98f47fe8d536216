// minitorch/tensor/tensor.hpp — Tensor: a cheap shared handle to storage owned by a
// backend, a layout (shape, strides, offset), a dtype and autograd state.
// Core owns every shape/stride/broadcast decision and hands the plugin views
// that are already expanded; this header is not a kernel library.
#pragma once

#include <minitorch/errors.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/storage.hpp>
#include <minitorch/tensor/tensor_data.hpp>

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mt {

class Node;
struct TensorImpl;

// The dtype used when TensorOptions names none (starts as f32).
DType default_dtype();
void set_default_dtype(DType dtype);

// How to make a new tensor. A null backend means default_backend().
// With designated initializers: {.dtype = DType::f64, .requires_grad = true}.
struct TensorOptions {
  DType dtype = default_dtype();
  BackendPtr backend = nullptr;
  bool requires_grad = false;
};

// A number or a nested list of numbers, for mt::tensor({{1, 2}, {3, 4}}).
// The shape is inferred from the nesting; ragged lists are a ShapeError.
class NestedValues {
 public:
  NestedValues(double value) : values_{value} {}  // NOLINT: implicit on purpose
  NestedValues(std::initializer_list<NestedValues> items);

  const Shape& shape() const { return shape_; }
  const std::vector<double>& values() const { return values_; }

 private:
  Shape shape_;
  std::vector<double> values_;
};

class Tensor {
 public:
  // An undefined tensor (what grad() returns when there is no gradient).
  Tensor() = default;
  bool defined() const { return impl_ != nullptr; }

  // ---- construction --------------------------------------------------------
  // `values` in row-major order; their count must equal the shape's size.
  static Tensor from_values(const std::vector<double>& values, Shape shape,
                            TensorOptions options = {});
  // Copies a host buffer (row-major) into a new tensor of options.dtype.
  static Tensor from_host(std::span<const float> values, Shape shape, TensorOptions options = {});
  static Tensor from_host(std::span<const double> values, Shape shape, TensorOptions options = {});
  // Uninitialised contiguous tensor.
  static Tensor empty(Shape shape, TensorOptions options = {});
  // A new leaf viewing existing storage (for core code: ops, loaders, nn).
  static Tensor from_storage(StoragePtr storage, Layout layout);

  // ---- properties ----------------------------------------------------------
  const Layout& layout() const;
  const Shape& shape() const { return layout().shape(); }
  const Strides& strides() const { return layout().strides(); }
  int64_t offset() const { return layout().offset(); }
  int64_t dims() const { return layout().dims(); }
  int64_t numel() const { return layout().size(); }
  // Size of one dim; negative dims count from the end.
  int64_t size(int64_t dim) const;
  bool is_contiguous() const { return layout().is_contiguous(); }
  const StoragePtr& storage() const;
  DType dtype() const;
  const BackendPtr& backend() const;
  // dtype and backend of this tensor (requires_grad false), for new tensors
  // that must live beside it.
  TensorOptions options() const;
  // The ABI view of this tensor (what a plugin slot receives).
  mt_view view_desc() const;

  // ---- host access (MiniTorch's t[i] and item) -----------------------------
  double get(std::span<const int64_t> index) const;
  double get(std::initializer_list<int64_t> index) const {
    return get(std::span<const int64_t>(index.begin(), index.size()));
  }
  // Writes one element. An error on a tensor that requires grad while grad
  // mode is on (it would silently invalidate the graph).
  void set(std::span<const int64_t> index, double value);
  void set(std::initializer_list<int64_t> index, double value) {
    set(std::span<const int64_t>(index.begin(), index.size()), value);
  }
  // The value of a one-element tensor (any shape); ShapeError otherwise.
  double item() const;
  // Every element in row-major order of the indices.
  std::vector<double> to_vector() const;
  // MiniTorch's nested-bracket text.
  std::string to_string() const;

  // ---- conversion ----------------------------------------------------------
  // Copies through the host; differentiable. Returns *this when nothing changes.
  Tensor to(const BackendPtr& backend) const;
  Tensor to(DType dtype) const;
  // Same storage, no history, does not require grad.
  Tensor detach() const;
  // A contiguous copy; differentiable.
  Tensor clone() const;

  // ---- views (share storage; differentiable) ------------------------------
  // New dim i is old dim order[i].
  Tensor permute(std::vector<int64_t> order) const;
  // Same elements in another shape; needs a contiguous tensor. One entry may
  // be -1 (inferred).
  Tensor view(Shape shape) const;
  // view() when possible, else a contiguous copy first.
  Tensor reshape(Shape shape) const;
  // *this when already contiguous, else a contiguous copy.
  Tensor contiguous() const;
  // Broadcasts to `shape` (stride 0 on broadcast dims).
  Tensor expand(Shape shape) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  // Elements start … start+length−1 of `dim`.
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;

  // ---- element-wise --------------------------------------------------------
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor log() const;
  Tensor exp() const;
  Tensor inv() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor pow(double exponent) const;
  // 1 where |a − b| < 1e-2 (MiniTorch's absolute tolerance), else 0; no grad.
  Tensor is_close(const Tensor& other) const;

  // ---- reductions (the reduced dim is kept at size 1, as in MiniTorch) -----
  // Over every element: shape (1).
  Tensor sum() const;
  Tensor sum(int64_t dim) const;
  Tensor mean() const;
  Tensor mean(int64_t dim) const;
  // The gradient is shared evenly by the elements equal to the maximum
  // (torch.amax's rule); MiniTorch gives each tied element all of it, which
  // doubles the gradient on a tie. nn::max gives it to the first one instead.
  Tensor max() const;
  Tensor max(int64_t dim) const;
  // 1 if every element is non-zero, else 0 (product of the values); no grad.
  Tensor all() const;
  Tensor all(int64_t dim) const;

  // ---- indices (torch semantics; results hold whole numbers in this tensor's
  // float dtype, since tensors are f32/f64) -----------------------------------
  // Index of the first maximum along dim (ties -> lowest index), computed on
  // the backend; `keepdim` false drops the dim (torch's default). NaN is not
  // treated specially (torch counts it as the maximum). Never recorded.
  // ArgumentError for an empty dim, or when the dim is longer than the dtype
  // holds whole numbers exactly (2^24 in f32).
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  // Row-major flat index of the first maximum of all elements: shape () (rank 0).
  Tensor argmax() const;

  // The slices index[0], index[1], ... of `dim`: shape with dim replaced by
  // index's length (index is 0-D or 1-D). Runs on the backend, one copy per run
  // of consecutive indices. Gradient: index_add of g into zeros (repeated
  // indices accumulate). IndexingError for a value that is not a whole number
  // in [0, size(dim)), naming the value and its position.
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor index_select(int64_t dim, std::span<const int64_t> index) const;
  Tensor index_select(int64_t dim, std::initializer_list<int64_t> index) const {
    return index_select(dim, std::span<const int64_t>(index.begin(), index.size()));
  }
  // out[i][j][k] = self[index[i][j][k]][j][k] for dim 0 (likewise for the other
  // dims): the result has index's shape. index.dims() == dims() and
  // index.size(d) <= size(d) for d != dim (ShapeError otherwise). Gradient:
  // scatter_add of g into zeros.
  Tensor gather(int64_t dim, const Tensor& index) const;
  // A copy of self with out[index[i][j][k]][j][k] += src[i][j][k] for dim 0
  // (likewise for the other dims); repeated indices accumulate. index, src
  // and self have the same rank, index.size(d) <= src.size(d) for every d and
  // <= size(d) for d != dim. Gradients: g for self, gather(g) for src (zero
  // where index does not reach).
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;

  Tensor matmul(const Tensor& other) const;

  // ---- autograd ------------------------------------------------------------
  bool requires_grad() const;
  // Leaves only. False makes the tensor a constant: no graph is recorded
  // through it (unlike MiniTorch, where every tensor stays a leaf).
  Tensor& requires_grad_(bool requires_grad = true);
  // True for tensors not produced by a recorded operation.
  bool is_leaf() const;
  // The accumulated gradient of a leaf; undefined when there is none.
  Tensor grad() const;
  void zero_grad_();
  // Backpropagates from a one-element tensor, seeded with 1.
  void backward() const;
  // Backpropagates `gradient`, which must have this tensor's shape.
  void backward(const Tensor& gradient) const;
  // The node that produced this tensor (null for leaves).
  const std::shared_ptr<Node>& grad_fn() const;
  // For autograd functions only: marks a freshly made output as produced by
  // `node` (see mt::record in autograd.hpp).
  void set_grad_fn(std::shared_ptr<Node> node);
  // For the engine only: the leaf's gradient slot.
  void set_grad(Tensor gradient);

  // ---- in place (not recorded; errors on a tensor that requires grad while
  // grad mode is on). `other` broadcasts to this tensor's shape. ----------
  Tensor& add_(const Tensor& other);
  Tensor& sub_(const Tensor& other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double factor);
  Tensor& copy_(const Tensor& source);
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }

  // True when both handles refer to the same tensor object.
  bool same(const Tensor& other) const { return impl_ == other.impl_; }
  // True when this handle is the only reference to its tensor and nothing
  // else shares its storage (the engine may then adopt it without a copy).
  bool unshared() const;

 private:
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  const TensorImpl& impl() const;
  TensorImpl& impl();
  Tensor& zip_in_place(mt_zip_op op, const Tensor& other, const char* what);
  void check_in_place(const char* what) const;

  friend class Node;  // frees long graphs iteratively (see ~Node)
  std::shared_ptr<TensorImpl> impl_;
};

// ---- construction -----------------------------------------------------------
Tensor tensor(const NestedValues& values, TensorOptions options = {});
Tensor zeros(Shape shape, TensorOptions options = {});
Tensor ones(Shape shape, TensorOptions options = {});
Tensor full(Shape shape, double value, TensorOptions options = {});
// Uniform [0, 1) drawn on the host from mt::generator() in row-major order,
// so every backend gets the same numbers for the same seed. randn, randint
// and randperm are in random.hpp.
Tensor rand(Shape shape, TensorOptions options = {});
Tensor zeros_like(const Tensor& like);

// A tensor viewing caller-owned host memory without a copy, like libtorch's
// torch::from_blob: element i of the layout lives at data + Σ i_k*strides[k]
// elements (strides in elements, each >= 0; contiguous when omitted).
// `owner` keeps the memory alive while any view of the tensor lives and is
// released after the backend forgets it (pass nullptr to keep it alive
// yourself). Writes through the tensor and through `data` see each other.
// A null backend means default_backend(). Throws ArgumentError when the
// backend cannot adopt host memory (a device backend, or a plugin without
// the adopt_host slot), the dtype is not f32/f64, `data` is not aligned to
// the dtype, or a stride is negative; ShapeError for mismatched lengths.
Tensor from_blob(void* data, Shape shape, Strides strides, DType dtype, std::shared_ptr<void> owner,
                 BackendPtr backend = nullptr);
Tensor from_blob(void* data, Shape shape, DType dtype, std::shared_ptr<void> owner,
                 BackendPtr backend = nullptr);

// ---- operators (Tensor ⊕ Tensor broadcasts; a double is a constant) --------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);
// Comparisons give 0/1 tensors and are never recorded.
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<(double a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>(double a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator==(double a, const Tensor& b);

// Matrix product of the last two dims; earlier (batch) dims broadcast. A 2-D
// operand counts as one batch; the result is 2-D only if both are.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor is_close(const Tensor& a, const Tensor& b);
// torch.argmax / index_select / gather / scatter_add as free functions (see
// the Tensor methods).
Tensor argmax(const Tensor& input, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& input);
Tensor index_select(const Tensor& input, int64_t dim, const Tensor& index);
Tensor index_select(const Tensor& input, int64_t dim, std::span<const int64_t> index);
Tensor gather(const Tensor& input, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& src);
// True when the shapes broadcast and every pair is within |a − b| < 1e-2
// (MiniTorch's assert_close_tensor).
bool allclose(const Tensor& a, const Tensor& b);

std::ostream& operator<<(std::ostream& out, const Tensor& t);

// ---- the object behind a handle (core-internal; use Tensor) ----------------
struct TensorImpl {
  StoragePtr storage;
  Layout layout;
  // A leaf's own flag, or true for outputs of recorded operations.
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;
  Tensor grad;
};

inline const TensorImpl& Tensor::impl() const {
  if (!impl_)
    throw ArgumentError("this tensor is undefined (e.g. grad() of a tensor with no gradient)");
  return *impl_;
}
inline TensorImpl& Tensor::impl() {
  if (!impl_)
    throw ArgumentError("this tensor is undefined (e.g. grad() of a tensor with no gradient)");
  return *impl_;
}
inline const Layout& Tensor::layout() const {
  return impl().layout;
}
inline const StoragePtr& Tensor::storage() const {
  return impl().storage;
}
inline DType Tensor::dtype() const {
  return impl().storage->dtype();
}
inline const BackendPtr& Tensor::backend() const {
  return impl().storage->backend();
}
inline bool Tensor::requires_grad() const {
  return impl_ && impl_->requires_grad;
}
inline bool Tensor::unshared() const {
  return impl_.use_count() == 1 && impl_->storage.use_count() == 1;
}
inline bool Tensor::is_leaf() const {
  return impl().grad_fn == nullptr;
}
inline const std::shared_ptr<Node>& Tensor::grad_fn() const {
  return impl().grad_fn;
}

}  // namespace mt
