// tensor.cpp — mt::Tensor bound as MiniTorch's Tensor: constructors from
// nested lists, indexing, operators with tensors or numbers on either side,
// reductions with dim=, views, autograd and NumPy export. Every method is one
// call into libminitorch; nothing is computed here.
#include "bindings.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <bit>
#include <optional>
#include <unordered_map>

namespace mt::python {

namespace {

TensorOptions options_for(const py::object& backend, bool requires_grad) {
  return TensorOptions{
      .dtype = DType::f64, .backend = resolve_backend(backend), .requires_grad = requires_grad};
}

bool is_nested(const py::handle& value) {
  return (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value));
}

// Walks a nested list as MiniTorch's tensor() does: the shape comes from the
// first element at each depth; unlike MiniTorch, a ragged list is an error.
void flatten(const py::handle& value, std::size_t depth, Shape& shape, std::vector<double>& out,
             std::string& where) {
  if (depth == shape.size() && depth > 0 && is_nested(value)) {
    throw ShapeError("tensor(): the list is ragged: the element at " + where +
                     " is a list, where the first elements set a number at that depth");
  }
  if (depth < shape.size()) {
    if (!is_nested(value)) {
      throw ShapeError("tensor(): the list is ragged: the element at " + where + " is " +
                       type_name(value) + ", where the first elements set a list of length " +
                       std::to_string(shape[depth]));
    }
    const auto items = py::reinterpret_borrow<py::sequence>(value);
    if (static_cast<int64_t>(items.size()) != shape[depth]) {
      throw ShapeError("tensor(): the list is ragged: the list at " + where + " has length " +
                       std::to_string(items.size()) + ", where the first one at that depth has " +
                       std::to_string(shape[depth]));
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string inner = where + "[" + std::to_string(i) + "]";
      flatten(items[i], depth + 1, shape, out, inner);
    }
    return;
  }
  const double number = PyFloat_AsDouble(value.ptr());
  if (number == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::type_error("tensor(): the element at " + where + " is " + type_name(value) + " " +
                         std::string(py::repr(value)) +
                         "; only numbers and nested lists of "
                         "numbers are allowed");
  }
  out.push_back(number);
}

Tensor from_nested(const py::handle& values, const TensorOptions& options) {
  py::object data = py::reinterpret_borrow<py::object>(values);
  if (py::hasattr(data, "tolist") && !is_nested(data)) {
    data = data.attr("tolist")();  // a NumPy array or scalar
  }
  Shape shape;
  for (py::handle level = data; is_nested(level);) {
    const auto items = py::reinterpret_borrow<py::sequence>(level);
    shape.push_back(static_cast<int64_t>(items.size()));
    if (shape.size() > MT_MAX_DIMS) {  // also bounds flatten's recursion
      throw ShapeError("tensor(): the list nests more than " + std::to_string(MT_MAX_DIMS) +
                       " deep; a tensor has at most " + std::to_string(MT_MAX_DIMS) + " dims");
    }
    if (items.size() == 0) {
      break;
    }
    level = items[0];
  }
  std::vector<double> flat;
  std::string where = "ls";
  flatten(data, 0, shape, flat, where);
  return Tensor::from_values(flat, shape, options);
}

Index index_of(const py::handle& key) {
  if (py::isinstance<py::tuple>(key) || py::isinstance<py::list>(key) || PyIndex_Check(key.ptr())) {
    return int_list(key, "a tensor index");
  }
  throw IndexingError("a tensor index must be an int or a tuple of ints, one per dim; got " +
                      type_name(key) + " " + std::string(py::repr(key)));
}

// MiniTorch's LT and EQ are graph nodes whose backward is zero for both
// inputs, so a comparison of tensors that require grad gives a result that
// requires grad (and zero gradients), where core's comparisons, as torch's,
// record nothing.
struct ComparisonNode final : Node {
  const char* name() const override { return "Comparison"; }
  std::vector<Tensor> backward(const Tensor&) override {
    std::vector<Tensor> out(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (needs_grad(i)) {
        out[i] = zeros(inputs[i].shape(), inputs[i].options());
      }
    }
    return out;
  }
};

template <class... Inputs>
Tensor compared(Tensor out, const Inputs&... inputs) {
  record<ComparisonNode>(out, inputs...);
  return out;
}

// The 0-dim constant core makes for `tensor op number`, kept per (backend,
// dtype, value): a loop's `x * 2.0` then costs one kernel, not an allocation,
// a fill and a kernel. Nothing else holds these tensors (no handle reaches
// Python), so sharing them is safe. Bounded: cleared when it reaches 256 entries.
// Never destroyed, so no plugin is unloaded during interpreter shutdown.
const Tensor& constant_like(double value, const Tensor& like) {
  struct Key {
    const void* backend;
    DType dtype;
    uint64_t bits;
    bool operator==(const Key&) const = default;
  };
  struct Hash {
    std::size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.bits) ^ (std::hash<const void*>()(k.backend) << 1) ^
             static_cast<std::size_t>(k.dtype);
    }
  };
  static auto* cache = new std::unordered_map<Key, Tensor, Hash>();
  const Key key{like.backend().get(), like.dtype(), std::bit_cast<uint64_t>(value)};
  if (const auto found = cache->find(key); found != cache->end()) {
    return found->second;
  }
  if (cache->size() >= 256) {
    cache->clear();
  }
  TensorOptions options = like.options();
  options.requires_grad = false;
  return cache->emplace(key, full(Shape{}, value, options)).first->second;
}

// `a op b` for a Tensor or a number b (a number is a cached 0-dim constant on
// a's backend, broadcast as core's scalar ops do); NotImplemented otherwise, so
// Python tries the other operand's method.
template <class Op>
py::object binary(const Tensor& a, const py::handle& b, const Op& op) {
  if (py::isinstance<Tensor>(b)) {
    return py::cast(op(a, b.cast<const Tensor&>()));
  }
  if (PyFloat_Check(b.ptr()) || PyLong_Check(b.ptr()) || PyNumber_Check(b.ptr())) {
    const double value = PyFloat_AsDouble(b.ptr());
    if (!(value == -1.0 && PyErr_Occurred())) {
      return py::cast(op(a, constant_like(value, a)));
    }
    PyErr_Clear();
  }
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}

py::object grad_or_none(const Tensor& t) {
  Tensor g = t.grad();
  if (!g.defined()) {
    return py::none();
  }
  return py::cast(g);
}

// The name of the capsules by which to_numpy's arrays keep a storage alive.
constexpr const char* kStorageCapsule = "minitorch.StoragePtr";

// The storage a NumPy array views when it (or an array it is a view of) came
// from to_numpy; null otherwise.
StoragePtr storage_behind(const py::array& array) {
  py::object base = array.base();  // null when the array owns its memory
  while (base && py::isinstance<py::array>(base))
    base = base.cast<py::array>().base();
  if (!base || !PyCapsule_CheckExact(base.ptr()) || !PyCapsule_IsValid(base.ptr(), kStorageCapsule))
    return nullptr;
  return *static_cast<StoragePtr*>(PyCapsule_GetPointer(base.ptr(), kStorageCapsule));
}

// A tensor on a host backend comes back as a view of its storage in its own
// dtype (float64, or float32 for a float32 tensor: any strides, as MiniTorch's
// to_numpy shares storage); the array keeps the storage alive and is
// read-only while the tensor requires grad. Otherwise a copy of that dtype.
template <class T>
py::array to_numpy_as(const Tensor& t) {
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  if (t.backend()->host_accessible() && t.numel() > 0) {
    std::vector<py::ssize_t> strides;
    for (const int64_t s : t.strides()) {
      strides.push_back(static_cast<py::ssize_t>(s * static_cast<int64_t>(sizeof(T))));
    }
    auto* keep = new StoragePtr(t.storage());
    py::capsule owner(keep, [](void* p) { delete static_cast<StoragePtr*>(p); });
    PyCapsule_SetName(owner.ptr(), kStorageCapsule);  // from_numpy recognises it
    const T* first = static_cast<const T*>(t.storage()->data()) + t.offset();
    py::array_t<T> view(shape, strides, first, owner);
    if (t.requires_grad()) {
      py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    }
    return view;
  }
  const std::vector<double> values = t.to_vector();
  py::array_t<T> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::array to_numpy(const Tensor& t) {
  return t.dtype() == DType::f32 ? to_numpy_as<float>(t) : to_numpy_as<double>(t);
}

// Why `array` cannot be viewed in place on `backend`, or "" when it can:
// float32/float64, aligned, writable, strides >= 0 and multiples of the item
// size with no dim of size > 1 on stride 0, and a host backend that adopts.
std::string why_not_shared(const py::array& array, const Backend& backend) {
  const auto flags = py::detail::array_proxy(array.ptr())->flags;
  if (!backend.has_adopt_host())
    return "backend '" + backend.name() + "' cannot adopt host memory";
  if (!array.dtype().is(py::dtype::of<float>()) && !array.dtype().is(py::dtype::of<double>()))
    return "dtype is not float32/float64";
  if ((flags & py::detail::npy_api::NPY_ARRAY_ALIGNED_) == 0)
    return "not aligned";
  if ((flags & py::detail::npy_api::NPY_ARRAY_WRITEABLE_) == 0)
    return "not writable";
  const auto item = static_cast<py::ssize_t>(array.itemsize());
  for (py::ssize_t d = 0; d < array.ndim(); ++d) {
    const py::ssize_t stride = array.strides(d);
    if (stride < 0 || stride % item != 0)
      return "stride " + std::to_string(stride) + " is negative or not a multiple of " +
             std::to_string(item);
    if (stride == 0 && array.shape(d) > 1)
      return "dims overlap (stride 0)";
  }
  return "";
}

Tensor from_numpy(const py::array& array, const py::object& backend, bool requires_grad) {
  TensorOptions options = options_for(backend, requires_grad);
  if (array.dtype().is(py::dtype::of<float>()))
    options.dtype = DType::f32;  // float32 stays float32, shared or copied
  Shape shape(array.shape(), array.shape() + array.ndim());
  if (why_not_shared(array, *options.backend).empty()) {
    Strides strides;
    for (py::ssize_t d = 0; d < array.ndim(); ++d)
      strides.push_back(static_cast<int64_t>(array.strides(d) / array.itemsize()));
    // An array from to_numpy (or a view of one) is a view of that storage
    // again: memory a plugin allocated is never adopted as foreign memory.
    if (const StoragePtr storage = storage_behind(array);
        storage && storage->backend() == options.backend && storage->dtype() == options.dtype) {
      const auto* begin = static_cast<const char*>(storage->data());
      const auto* first = static_cast<const char*>(array.data());
      const auto item = static_cast<std::ptrdiff_t>(array.itemsize());
      if (array.size() > 0 && first >= begin && (first - begin) % item == 0) {
        Tensor t = Tensor::from_storage(
            storage, Layout(std::move(shape), std::move(strides), (first - begin) / item));
        if (requires_grad)
          t.requires_grad_(true);
        return t;
      }
    }
    // The tensor's storage keeps the array (and so its memory) alive; the
    // last reference may go from any thread, so it takes the GIL to drop it.
    PyObject* keep = array.ptr();
    Py_INCREF(keep);
    std::shared_ptr<void> owner(keep, [](void* object) {
      if (!Py_IsInitialized())
        return;  // the interpreter is gone, and the memory with it
      py::gil_scoped_acquire gil;
      Py_DECREF(static_cast<PyObject*>(object));
    });
    try {
      Tensor t = from_blob(const_cast<void*>(array.data()), shape, std::move(strides),
                           options.dtype, std::move(owner), options.backend);
      if (requires_grad)
        t.requires_grad_(true);
      return t;
    } catch (const BackendError&) {
      // The plugin declined this memory (e.g. the reference plugin refuses
      // memory inside one of its own buffers): copy instead, as documented.
    }
  }
  if (options.dtype == DType::f32) {
    const auto values =
        py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
    return Tensor::from_host(std::span<const float>(values.data(), values.size()), shape, options);
  }
  const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(array);
  if (!values)
    throw ArgumentError("from_numpy: cannot convert a NumPy array of dtype " +
                        py::str(array.dtype()).cast<std::string>() + " to float64");
  return Tensor::from_host(std::span<const double>(values.data(), values.size()), shape, options);
}

// The layout from_numpy would share `array` with on `backend`, or why not.
std::string from_numpy_plan(const py::array& array, const py::object& backend) {
  const std::string why = why_not_shared(array, *options_for(backend, false).backend);
  return why.empty() ? "shared" : "copied: " + why;
}

}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<Tensor> t(m, "Tensor", py::dynamic_attr(), R"doc(
A tensor of libminitorch: storage owned by a backend plugin, a strided layout and
autograd state. Made by minitorch.tensor / zeros / rand; float64 by default.)doc");

  // ---- properties -------------------------------------------------------------
  t.def_property_readonly("shape",
                          [](const Tensor& self) { return py::tuple(py::cast(self.shape())); })
      .def_property_readonly("size", &Tensor::numel)
      .def_property_readonly("dims", &Tensor::dims)
      .def_property_readonly("strides",
                             [](const Tensor& self) { return py::tuple(py::cast(self.strides())); })
      .def_property_readonly("backend", &Tensor::backend)
      .def_property_readonly("dtype", [](const Tensor& self) { return dtype_name(self.dtype()); })
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("__len__", [](const Tensor& self) { return self.dims() == 0 ? 1 : self.size(0); })
      .def("__repr__", &Tensor::to_string)
      .def("to_string", &Tensor::to_string);

  // ---- host access --------------------------------------------------------------
  t.def("__getitem__", [](const Tensor& self, const py::handle& key) {
     return self.get(index_of(key));
   }).def("__setitem__", [](Tensor& self, const py::handle& key, double value) {
    self.set(index_of(key), value);
  });
  t.def("item", &Tensor::item)
      .def("to_numpy", &to_numpy,
           "A NumPy array with this tensor's shape and dtype (float64, or float32 for a "
           "float32 tensor): a view of the storage on a host backend (read-only while the "
           "tensor requires grad), else a copy.")
      .def("tolist", [](const Tensor& self) { return to_numpy(self).attr("tolist")(); });

  // ---- operators (tensor or number on either side) ------------------------------
  // One binding per operator, the operand told apart in binary(): with a
  // (Tensor, Tensor) and a (Tensor, double) overload, pybind tried the Tensor
  // cast first on every `x * 2.0` (about 1 µs).
  auto op = [&t](const char* name, auto fn) {
    t.def(
        name, [fn](const Tensor& a, const py::handle& b) { return binary(a, b, fn); },
        py::is_operator());
  };
  op("__add__", [](const Tensor& a, const Tensor& b) { return a + b; });
  op("__radd__", [](const Tensor& a, const Tensor& b) { return b + a; });
  op("__sub__", [](const Tensor& a, const Tensor& b) { return a - b; });
  op("__rsub__", [](const Tensor& a, const Tensor& b) { return b - a; });
  op("__mul__", [](const Tensor& a, const Tensor& b) { return a * b; });
  op("__rmul__", [](const Tensor& a, const Tensor& b) { return b * a; });
  op("__truediv__", [](const Tensor& a, const Tensor& b) { return a / b; });
  op("__rtruediv__", [](const Tensor& a, const Tensor& b) { return b / a; });
  op("__lt__", [](const Tensor& a, const Tensor& b) { return compared(a < b, a, b); });
  op("__gt__", [](const Tensor& a, const Tensor& b) { return compared(a > b, a, b); });
  op("__eq__", [](const Tensor& a, const Tensor& b) { return compared(a == b, a, b); });
  t.def(
       "__matmul__", [](const Tensor& a, const Tensor& b) { return a.matmul(b); },
       py::is_operator())
      .def("__neg__", [](const Tensor& a) { return -a; })
      // __eq__ returns a tensor, so hashing goes by identity (as MiniTorch's unique_id).
      .def("__hash__", [](const py::object& self) {
        return static_cast<py::ssize_t>(reinterpret_cast<uintptr_t>(self.ptr()) >> 4);
      });

  // NumPy scalars on the left (np.float64(2) * t) defer to Tensor's reflected
  // operators instead of walking the tensor as a sequence.
  t.attr("__array_ufunc__") = py::none();

  // ---- element-wise and reductions ----------------------------------------------
  t.def("sigmoid", &Tensor::sigmoid)
      .def("relu", &Tensor::relu)
      .def("log", &Tensor::log)
      .def("exp", &Tensor::exp)
      .def("inv", &Tensor::inv)
      .def("is_close", &Tensor::is_close, py::arg("y"));
  auto reduction = [&t](const char* name, Tensor (Tensor::*all)() const,
                        Tensor (Tensor::*along)(int64_t) const, const char* doc) {
    t.def(
        name,
        [all, along](const Tensor& self, std::optional<int64_t> dim) {
          return dim ? (self.*along)(*dim) : (self.*all)();
        },
        py::arg("dim") = py::none(), doc);
  };
  reduction("sum", &Tensor::sum, &Tensor::sum,
            "Sum over every element (shape (1,)) or along dim (kept at size 1).");
  reduction("mean", &Tensor::mean, &Tensor::mean,
            "Mean over every element (shape (1,)) or along dim (kept at size 1).");
  reduction("all", &Tensor::all, &Tensor::all,
            "1 if every element (or every one along dim) is non-zero, else 0.");
  reduction("max", &Tensor::max, &Tensor::max,
            "Maximum over every element or along dim (kept at size 1).");

  // ---- views ----------------------------------------------------------------------
  t.def("permute",
        [](const Tensor& self, const py::args& order) {
          return self.permute(int_args(order, "permute's order"));
        })
      .def("view", [](const Tensor& self,
                      const py::args& shape) { return self.view(int_args(shape, "view's shape")); })
      .def("contiguous", &Tensor::contiguous)
      .def(
          "expand",
          [](const Tensor& self, const Tensor& other) {
            // MiniTorch's expand: `other` (a gradient) made to fit self's shape,
            // broadcast up where it is smaller and summed over the dims where
            // self had 1.
            if (other.shape() == self.shape()) {
              return other;
            }
            const Shape both = shape_broadcast(self.shape(), other.shape());
            const Tensor wide = other.expand(both);
            return both == self.shape() ? wide.contiguous() : sum_to_shape(wide, self.shape());
          },
          py::arg("other"))
      .def(
          "to",
          [](const Tensor& self, const py::object& backend) {
            return self.to(resolve_backend(backend));
          },
          py::arg("backend"), "A copy on another backend (differentiable); self when it is there.")
      .def("detach", &Tensor::detach)
      .def(
          "zeros",
          [](const Tensor& self, const py::object& shape) {
            Shape s = shape.is_none() ? self.shape() : int_list(shape, "zeros' shape");
            return zeros(s, self.options());
          },
          py::arg("shape") = py::none(), "Zeros on this tensor's backend.");

  // ---- autograd ---------------------------------------------------------------------
  // As in MiniTorch, requires_grad_ on a computed tensor makes this handle a
  // fresh leaf over the same storage (MiniTorch resets its history); other
  // handles to the computed tensor keep their graph.
  t.def(
       "requires_grad_",
       [](Tensor& self, bool x) -> Tensor& {
         if (!self.is_leaf()) {
           self = self.detach();
         }
         return self.requires_grad_(x);
       },
       py::arg("x") = true, py::return_value_policy::reference_internal)
      .def("requires_grad", &Tensor::requires_grad)
      .def("is_leaf", &Tensor::is_leaf)
      .def("is_constant", [](const Tensor& self) { return !self.requires_grad(); })
      .def("zero_grad_", &Tensor::zero_grad_)
      .def_property(
          "grad", &grad_or_none,
          [](Tensor& self, const py::object& value) {
            if (value.is_none()) {
              self.zero_grad_();
            } else {
              const Tensor grad = value.cast<Tensor>();
              if (grad.shape() != self.shape() || grad.dtype() != self.dtype() ||
                  grad.backend() != self.backend()) {
                throw ShapeError("grad must match its tensor: shape " +
                                 shape_to_string(self.shape()) + ", " + dtype_name(self.dtype()) +
                                 " on '" + self.backend()->name() + "'; got shape " +
                                 shape_to_string(grad.shape()) + ", " + dtype_name(grad.dtype()) +
                                 " on '" + grad.backend()->name() + "'");
              }
              self.set_grad(grad);
            }
          },
          "The accumulated gradient of a leaf, or None.")
      .def(
          "backward",
          [](const Tensor& self, const py::object& grad_output) {
            if (grad_output.is_none()) {
              self.backward();
            } else {
              self.backward(grad_output.cast<Tensor>());
            }
          },
          py::arg("grad_output") = py::none());

  // ---- constructors -------------------------------------------------------------------
  m.def(
      "tensor",
      [](const py::object& ls, const py::object& backend, bool requires_grad) {
        return from_nested(ls, options_for(backend, requires_grad));
      },
      py::arg("ls"), py::arg("backend") = py::none(), py::arg("requires_grad") = false,
      "A tensor from a number or a nested list (the shape is the nesting).");
  m.def(
      "zeros",
      [](const py::object& shape, const py::object& backend) {
        return zeros(int_list(shape, "zeros' shape"), options_for(backend, false));
      },
      py::arg("shape"), py::arg("backend") = py::none());
  m.def(
      "ones",
      [](const py::object& shape, const py::object& backend) {
        return ones(int_list(shape, "ones' shape"), options_for(backend, false));
      },
      py::arg("shape"), py::arg("backend") = py::none());
  m.def(
      "rand",
      [](const py::object& shape, const py::object& backend, bool requires_grad) {
        return rand(int_list(shape, "rand's shape"), options_for(backend, requires_grad));
      },
      py::arg("shape"), py::arg("backend") = py::none(), py::arg("requires_grad") = false,
      "Uniform [0, 1) from the core's seeded generator (see manual_seed).");
  m.def("from_numpy", &from_numpy, py::arg("array"), py::arg("backend") = py::none(),
        py::arg("requires_grad") = false, R"doc(
A tensor with the array's shape, sharing the array's memory when it can.

Shared (zero-copy, like torch.from_numpy) when all of these hold: the array is
float32 or float64; it is aligned and writable; every stride is >= 0 and a
multiple of the item size, with no dim longer than 1 on stride 0 (so slices,
transposes and step slicing are shared too); and the backend is a host backend
whose plugin adopts host memory (reference and parallel do; cuda does not).
Then writes through either side are seen by the other, and the tensor keeps
the array alive (an array from Tensor.to_numpy is a view of that tensor's
storage again). Otherwise, or when the plugin declines, it copies: float32
into a float32 tensor, anything else (int, bool, float16, ...) into a float64
tensor. The dtype never depends on the layout: a float32 array gives a
float32 tensor, a float64 one float64.)doc");
  m.def("_from_numpy_plan", &from_numpy_plan, py::arg("array"), py::arg("backend") = py::none(),
        "'shared' when from_numpy would share the array's memory, else 'copied: <reason>'.");
  m.def("manual_seed", &manual_seed, py::arg("seed"),
        "Reseeds the core's generator (rand, dropout).");
  m.def("matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); });
  m.def("shape_broadcast", [](const py::object& a, const py::object& b) {
    return py::tuple(py::cast(shape_broadcast(int_list(a, "shape1"), int_list(b, "shape2"))));
  });
  m.def("strides_from_shape", [](const py::object& shape) {
    return py::tuple(py::cast(strides_from_shape(int_list(shape, "shape"))));
  });
  // `with minitorch.no_grad():` records nothing on this thread inside the block.
  struct NoGrad {
    std::optional<NoGradGuard> guard;
  };
  py::class_<NoGrad>(m, "no_grad")
      .def(py::init<>())
      .def("__enter__", [](NoGrad& self) { self.guard.emplace(); })
      .def("__exit__", [](NoGrad& self, const py::args&) { self.guard.reset(); });
}

}  // namespace mt::python
