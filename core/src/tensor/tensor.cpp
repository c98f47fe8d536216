// tensor.cpp — Tensor construction, properties, host access, printing and the
// in-place updates optimizers use. Differentiable operations are in
// functions.cpp; plugin calls go through dispatch.cpp.
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/tensor.hpp>

#include "tensor/dispatch.hpp"

#include <algorithm>
#include <atomic>
#include <ostream>

namespace mt {

namespace {

std::atomic<DType> g_default_dtype{DType::f32};

BackendPtr resolve(const BackendPtr& backend) {
  return backend ? backend : default_backend();
}

}  // namespace

DType default_dtype() {
  return g_default_dtype.load(std::memory_order_relaxed);
}

void set_default_dtype(DType dtype) {
  g_default_dtype.store(dtype, std::memory_order_relaxed);
}

NestedValues::NestedValues(std::initializer_list<NestedValues> items) {
  shape_.push_back(static_cast<int64_t>(items.size()));
  if (items.size() == 0)
    return;
  const Shape& inner = items.begin()->shape();
  shape_.insert(shape_.end(), inner.begin(), inner.end());
  values_.reserve(items.size() * items.begin()->values().size());
  int64_t position = 0;
  for (const NestedValues& item : items) {
    if (item.shape() != inner) {
      throw ShapeError("nested list is ragged: item " + std::to_string(position) + " has shape " +
                       shape_to_string(item.shape()) + " but item 0 has " + shape_to_string(inner));
    }
    values_.insert(values_.end(), item.values().begin(), item.values().end());
    ++position;
  }
}

// ---- construction -------------------------------------------------------------

Tensor Tensor::from_storage(StoragePtr storage, Layout layout) {
  if (!storage)
    throw ArgumentError("cannot make a tensor without storage");
  if (layout.dims() > MT_MAX_DIMS) {
    throw ShapeError("shape " + shape_to_string(layout.shape()) + " has " +
                     std::to_string(layout.dims()) + " dims; at most " +
                     std::to_string(MT_MAX_DIMS) + " are allowed");
  }
  if (layout.size() > 0) {
    const int64_t last = layout.last_position();
    if (last >= storage->size()) {
      throw ArgumentError("layout " + shape_to_string(layout.shape()) + " with strides " +
                          shape_to_string(layout.strides()) + " and offset " +
                          std::to_string(layout.offset()) + " reaches element " +
                          std::to_string(last) + " but the storage has " +
                          std::to_string(storage->size()));
    }
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->layout = std::move(layout);
  return Tensor(std::move(impl));
}

Tensor Tensor::empty(Shape shape, TensorOptions options) {
  Layout layout(std::move(shape));
  auto storage = std::make_shared<Storage>(resolve(options.backend), options.dtype, layout.size(),
                                           &layout.shape());
  Tensor t = from_storage(std::move(storage), std::move(layout));
  t.impl().requires_grad = options.requires_grad;
  return t;
}

namespace {

// from_host's body: one copy from the caller's buffer into the new tensor
// (converted on the way when the dtypes differ), no intermediate vector.
template <class T>
Tensor host_copy_in(std::span<const T> values, Shape shape, TensorOptions options) {
  if (static_cast<int64_t>(values.size()) != shape_size(shape)) {
    throw ShapeError("got " + std::to_string(values.size()) + " values for shape " +
                     shape_to_string(shape) + ", which needs " + std::to_string(shape_size(shape)));
  }
  const bool requires_grad = options.requires_grad;
  options.requires_grad = false;
  Tensor t = Tensor::empty(std::move(shape), options);
  dispatch::write_contiguous(t, values);
  t.requires_grad_(requires_grad);
  return t;
}

}  // namespace

Tensor Tensor::from_values(const std::vector<double>& values, Shape shape, TensorOptions options) {
  return host_copy_in(std::span<const double>(values), std::move(shape), options);
}

Tensor Tensor::from_host(std::span<const double> values, Shape shape, TensorOptions options) {
  return host_copy_in(values, std::move(shape), options);
}

Tensor Tensor::from_host(std::span<const float> values, Shape shape, TensorOptions options) {
  return host_copy_in(values, std::move(shape), options);
}

Tensor tensor(const NestedValues& values, TensorOptions options) {
  return Tensor::from_values(values.values(), values.shape(), options);
}

Tensor full(Shape shape, double value, TensorOptions options) {
  const bool requires_grad = options.requires_grad;
  options.requires_grad = false;
  Tensor t = Tensor::empty(std::move(shape), options);
  t.fill_(value);
  t.requires_grad_(requires_grad);
  return t;
}

Tensor zeros(Shape shape, TensorOptions options) {
  return full(std::move(shape), 0.0, options);
}

Tensor ones(Shape shape, TensorOptions options) {
  return full(std::move(shape), 1.0, options);
}

Tensor zeros_like(const Tensor& like) {
  return zeros(like.shape(), like.options());
}

Tensor from_blob(void* data, Shape shape, Strides strides, DType dtype, std::shared_ptr<void> owner,
                 BackendPtr backend) {
  if (dtype != DType::f32 && dtype != DType::f64) {
    throw ArgumentError("from_blob: dtype " + std::to_string(static_cast<int32_t>(dtype)) +
                        " is not supported; only f32 and f64 are");
  }
  for (std::size_t d = 0; d < strides.size(); ++d) {
    if (strides[d] < 0)
      throw ArgumentError("from_blob: stride " + std::to_string(strides[d]) + " of dim " +
                          std::to_string(d) +
                          " is negative; only strides >= 0 (in elements) can be viewed");
  }
  Layout layout(std::move(shape), std::move(strides));
  const int64_t extent = layout.size() == 0 ? 0 : layout.last_position() + 1;
  auto storage =
      std::make_shared<Storage>(resolve(std::move(backend)), dtype, extent, data, std::move(owner));
  return Tensor::from_storage(std::move(storage), std::move(layout));
}

Tensor from_blob(void* data, Shape shape, DType dtype, std::shared_ptr<void> owner,
                 BackendPtr backend) {
  Layout layout(std::move(shape));
  return from_blob(data, layout.shape(), layout.strides(), dtype, std::move(owner),
                   std::move(backend));
}

// ---- properties ---------------------------------------------------------------

int64_t Tensor::size(int64_t dim) const {
  return shape()[static_cast<std::size_t>(dispatch::normalize_dim(dim, dims(), "size"))];
}

TensorOptions Tensor::options() const {
  return {.dtype = dtype(), .backend = backend(), .requires_grad = false};
}

mt_view Tensor::view_desc() const {
  const Layout& l = layout();
  return make_view(storage()->data(), dtype(), l.shape(), l.strides(), l.offset());
}

// ---- host access --------------------------------------------------------------

namespace {

// Storage position `position` must be one of the storage's elements. A layout
// is checked against its storage when the tensor is made, so this only fails
// if that check was bypassed; it stops a wild read or write either way.
void check_in_storage(const Tensor& t, int64_t position, const char* what) {
  if (position < 0 || position >= t.storage()->size()) {
    throw IndexingError(std::string(what) + ": storage position " + std::to_string(position) +
                        " of the tensor of shape " + shape_to_string(t.shape()) +
                        " is outside its storage of " + std::to_string(t.storage()->size()) +
                        " elements");
  }
}

}  // namespace

double Tensor::get(std::span<const int64_t> index) const {
  const int64_t position = layout().index(index);
  check_in_storage(*this, position, "get");
  return dispatch::read_element(*this, position);
}

void Tensor::set(std::span<const int64_t> index, double value) {
  check_in_place("set");
  const int64_t position = layout().index(index);
  check_in_storage(*this, position, "set");
  dispatch::write_element(*this, position, value);
}

double Tensor::item() const {
  if (numel() != 1) {
    throw ShapeError("item() needs a tensor with exactly one element; this one has shape " +
                     shape_to_string(shape()));
  }
  return get(Index(shape().size(), 0));
}

std::vector<double> Tensor::to_vector() const {
  if (numel() > 0)
    check_in_storage(*this, layout().last_position(), "to_vector");
  return dispatch::read_elements(*this);
}

std::string Tensor::to_string() const {
  return Layout(shape()).to_string(to_vector());
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  return out << (t.defined() ? t.to_string() : std::string("(undefined tensor)"));
}

Tensor Tensor::detach() const {
  return from_storage(storage(), layout());
}

// ---- autograd state -----------------------------------------------------------

Tensor& Tensor::requires_grad_(bool requires_grad) {
  if (!is_leaf()) {
    throw ArgumentError("requires_grad_() can only change leaf tensors; this one was produced by " +
                        std::string("an operation (use detach() to get a leaf)"));
  }
  impl().requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  return impl().grad;
}

void Tensor::zero_grad_() {
  impl().grad = Tensor();
}

void Tensor::set_grad_fn(std::shared_ptr<Node> node) {
  impl().grad_fn = std::move(node);
  impl().requires_grad = true;
}

void Tensor::set_grad(Tensor gradient) {
  impl().grad = std::move(gradient);
}

void Tensor::backward() const {
  if (numel() != 1) {
    throw ShapeError(
        "backward() without a gradient needs a tensor with one element; this one "
        "has shape " +
        shape_to_string(shape()) + " (pass a gradient of that shape)");
  }
  run_backward(*this, full(shape(), 1.0, options()));
}

void Tensor::backward(const Tensor& gradient) const {
  run_backward(*this, gradient);
}

// ---- in place -----------------------------------------------------------------

void Tensor::check_in_place(const char* what) const {
  if (requires_grad() && grad_enabled()) {
    throw ArgumentError(std::string(what) +
                        " would modify a tensor that requires grad and break its graph; do it "
                        "under mt::NoGradGuard (as optimizers do) or on a detach()ed tensor");
  }
  const Layout& l = layout();
  if (l.size() == 0)
    return;  // no elements, nothing can overlap
  for (std::size_t d = 0; d < l.shape().size(); ++d) {
    if (l.strides()[d] == 0 && l.shape()[d] > 1) {
      throw ArgumentError(std::string(what) + " cannot write into an expanded tensor (shape " +
                          shape_to_string(l.shape()) + ", strides " + shape_to_string(l.strides()) +
                          ") whose elements overlap; call contiguous() first");
    }
  }
}

namespace {

// An input for an in-place op on `target`: expanded to its shape, and copied
// first if it shares target's storage through a different view (the ABI only
// allows an output to alias an input exactly).
mt_view in_place_source(const Tensor& target, const Tensor& source, Tensor& keep_alive,
                        const char* what) {
  dispatch::check_compatible(target, source, what);
  if (shape_broadcast(source.shape(), target.shape()) != target.shape()) {
    throw ShapeError(std::string(what) + ": shape " + shape_to_string(source.shape()) +
                     " does not broadcast to the target's shape " +
                     shape_to_string(target.shape()));
  }
  const Tensor* use = &source;
  if (source.storage() == target.storage() &&
      !(source.layout().shape() == target.shape() && source.strides() == target.strides() &&
        source.offset() == target.offset())) {
    keep_alive = dispatch::copy(source);
    use = &keep_alive;
  }
  return dispatch::expanded_view(*use, target.shape());
}

}  // namespace

Tensor& Tensor::zip_in_place(mt_zip_op op, const Tensor& other, const char* what) {
  check_in_place(what);
  Tensor keep_alive;
  const mt_view b = in_place_source(*this, other, keep_alive, what);
  const mt_view self = view_desc();
  dispatch::zip_into(op, *this, self, b);
  return *this;
}

Tensor& Tensor::add_(const Tensor& other) {
  return zip_in_place(MT_ZIP_ADD, other, "add_");
}

Tensor& Tensor::sub_(const Tensor& other) {
  return zip_in_place(MT_ZIP_SUB, other, "sub_");
}

Tensor& Tensor::mul_(const Tensor& other) {
  return zip_in_place(MT_ZIP_MUL, other, "mul_");
}

Tensor& Tensor::mul_(double factor) {
  return zip_in_place(MT_ZIP_MUL, dispatch::scalar_like(factor, *this), "mul_");
}

Tensor& Tensor::copy_(const Tensor& source) {
  check_in_place("copy_");
  Tensor keep_alive;
  const mt_view in = in_place_source(*this, source, keep_alive, "copy_");
  dispatch::copy_into(*this, in);
  return *this;
}

Tensor& Tensor::fill_(double value) {
  check_in_place("fill_");
  dispatch::fill(*this, value);
  return *this;
}

// ---- comparisons helpers ------------------------------------------------------

bool allclose(const Tensor& a, const Tensor& b) {
  try {
    shape_broadcast(a.shape(), b.shape());
  } catch (const ShapeError&) {
    return false;
  }
  return is_close(a, b).all().item() == 1.0;
}

}  // namespace mt
