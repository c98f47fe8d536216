// tensor_data.cpp — MiniTorch's TensorData for Python: a float64 NumPy storage
// with mt::Layout's strided indexing (index, indices, sample, permute,
// is_contiguous, to_string), and Tensor(TensorData, backend=) / Tensor._tensor.
// The layout rules are core's; this file holds no index arithmetic.
#include "bindings.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace mt::python {

namespace {

using Storage1d = py::array_t<double, py::array::c_style | py::array::forcecast>;

// A storage array and a layout over it; permute shares the array.
struct TensorData {
  Storage1d storage;
  Layout layout;

  TensorData(Storage1d values, Layout l) : storage(std::move(values)), layout(std::move(l)) {
    if (storage.ndim() != 1) {
      storage = Storage1d(storage.attr("reshape")(-1));
    }
    const int64_t length = storage.size();
    if (layout.size() > 0 && layout.last_position() >= length) {
      throw ShapeError("TensorData: shape " + shape_to_string(layout.shape()) + " with strides " +
                       shape_to_string(layout.strides()) + " reaches storage position " +
                       std::to_string(layout.last_position()) + ", but the storage has " +
                       std::to_string(length) + " element(s)");
    }
  }

  double get(const py::handle& key) const {
    return storage.at(layout.index(int_list(key, "a TensorData index")));
  }
  void set(const py::handle& key, double value) {
    storage.mutable_at(layout.index(int_list(key, "a TensorData index"))) = value;
  }
};

py::tuple as_tuple(const std::vector<int64_t>& values) {
  return py::tuple(py::cast(values));
}

py::array_t<int32_t> as_int_array(const std::vector<int64_t>& values) {
  py::array_t<int32_t> out(static_cast<py::ssize_t>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.mutable_at(static_cast<py::ssize_t>(i)) = static_cast<int32_t>(values[i]);
  }
  return out;
}

// The tensor's whole storage as a flat array: a view on a host backend, else a copy.
Storage1d storage_array(const Tensor& t) {
  const StoragePtr& storage = t.storage();
  if (t.dtype() == DType::f64 && t.backend()->host_accessible() && storage->size() > 0) {
    auto* keep = new StoragePtr(storage);
    py::capsule owner(keep, [](void* p) { delete static_cast<StoragePtr*>(p); });
    return Storage1d({static_cast<py::ssize_t>(storage->size())},
                     static_cast<const double*>(storage->data()), owner);
  }
  // Read every position through a contiguous 1-D view of the whole storage.
  const Tensor flat = Tensor::from_storage(storage, Layout(Shape{storage->size()}));
  const std::vector<double> values = flat.to_vector();
  Storage1d out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

}  // namespace

void bind_tensor_data(py::module_& m) {
  py::class_<TensorData>(m, "TensorData", R"doc(
MiniTorch's TensorData: a float64 storage and a strided layout (shape, strides).
TensorData(storage, shape, strides=None); strides default to row-major.)doc")
      .def(py::init([](const py::object& storage, const py::object& shape,
                       const py::object& strides) {
             Shape s = int_list(shape, "TensorData's shape");
             if (!strides.is_none() && py::isinstance<py::sequence>(strides) &&
                 py::len(strides) != s.size()) {
               // MiniTorch raises IndexingError here (not a ShapeError).
               throw IndexingError("TensorData: strides " + std::string(py::repr(strides)) +
                                   " do not fit shape " + shape_to_string(s) +
                                   ": need one stride per dim (" + std::to_string(s.size()) + ")");
             }
             Layout layout = strides.is_none()
                                 ? Layout(s)
                                 : Layout(s, int_list(strides, "TensorData's strides"));
             return TensorData(Storage1d(py::array::ensure(storage)), std::move(layout));
           }),
           py::arg("storage"), py::arg("shape"), py::arg("strides") = py::none())
      .def_property_readonly("shape",
                             [](const TensorData& d) { return as_tuple(d.layout.shape()); })
      .def_property_readonly("strides",
                             [](const TensorData& d) { return as_tuple(d.layout.strides()); })
      .def_property_readonly("dims", [](const TensorData& d) { return d.layout.dims(); })
      .def_property_readonly("size", [](const TensorData& d) { return d.layout.size(); })
      .def_readonly("_storage", &TensorData::storage)
      .def_property_readonly("_shape",
                             [](const TensorData& d) { return as_int_array(d.layout.shape()); })
      .def_property_readonly("_strides",
                             [](const TensorData& d) { return as_int_array(d.layout.strides()); })
      .def("is_contiguous", [](const TensorData& d) { return d.layout.is_contiguous(); })
      .def(
          "index",
          [](const TensorData& d, const py::handle& index) {
            return d.layout.index(int_list(index, "a TensorData index"));
          },
          py::arg("index"))
      .def("indices",
           [](const TensorData& d) {
             py::list out;
             for (const Index& index : d.layout.indices()) {
               out.append(as_tuple(index));
             }
             return py::iter(out);
           })
      .def("sample", [](const TensorData& d) { return as_tuple(d.layout.sample(generator())); })
      .def("get", &TensorData::get, py::arg("key"))
      .def("set", &TensorData::set, py::arg("key"), py::arg("val"))
      .def("tuple",
           [](const TensorData& d) {
             return py::make_tuple(d.storage, as_int_array(d.layout.shape()),
                                   as_int_array(d.layout.strides()));
           })
      .def("permute",
           [](const TensorData& d, const py::args& order) {
             return TensorData(d.storage, d.layout.permute(int_args(order, "permute's order")));
           })
      .def("to_string",
           [](const TensorData& d) {
             return d.layout.to_string(std::span<const double>(
                 d.storage.data(), static_cast<std::size_t>(d.storage.size())));
           })
      .def_static(
          "shape_broadcast",
          [](const py::object& a, const py::object& b) {
            return as_tuple(shape_broadcast(int_list(a, "shape1"), int_list(b, "shape2")));
          },
          py::arg("shape1"), py::arg("shape2"));

  // MiniTorch's index helpers. to_index and broadcast_index write into an
  // out_index array, as MiniTorch's do (an int32 or int64 NumPy array).
  m.attr("MAX_DIMS") = MT_MAX_DIMS;
  m.def(
      "index_to_position",
      [](const py::object& index, const py::object& strides) {
        return index_to_position(int_list(index, "index"), int_list(strides, "strides"));
      },
      py::arg("index"), py::arg("strides"));
  auto write_out = [](py::array out, const Index& values, const char* what) {
    if (out.ndim() != 1 || out.shape(0) < static_cast<py::ssize_t>(values.size())) {
      throw ShapeError(std::string(what) + ": out_index must be a 1-D array of at least " +
                       std::to_string(values.size()) + " entries");
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
      out[py::int_(i)] = py::int_(values[i]);
    }
  };
  m.def(
      "to_index",
      [write_out](int64_t ordinal, const py::object& shape, py::array out_index) {
        const Shape s = int_list(shape, "shape");
        Layout layout(s);  // checks the shape
        if (ordinal < 0 || ordinal >= layout.size()) {
          throw IndexingError("to_index: ordinal " + std::to_string(ordinal) +
                              " is out of range for shape " + shape_to_string(s) + "; allowed 0.." +
                              std::to_string(layout.size() - 1));
        }
        Index out(s.size());
        to_index(ordinal, s, out);
        write_out(out_index, out, "to_index");
      },
      py::arg("ordinal"), py::arg("shape"), py::arg("out_index"));
  m.def(
      "broadcast_index",
      [write_out](const py::object& big_index, const py::object& big_shape, const py::object& shape,
                  py::array out_index) {
        const Index big = int_list(big_index, "big_index");
        const Shape big_s = int_list(big_shape, "big_shape");
        const Shape s = int_list(shape, "shape");
        if (big.size() != big_s.size() || s.size() > big_s.size()) {
          throw ShapeError("broadcast_index: big_index has " + std::to_string(big.size()) +
                           " entries for big_shape " + shape_to_string(big_s) + " and shape " +
                           shape_to_string(s) + "; need one per big dim and no more dims in shape");
        }
        Index out(s.size());
        broadcast_index(big, big_s, s, out);
        write_out(out_index, out, "broadcast_index");
      },
      py::arg("big_index"), py::arg("big_shape"), py::arg("shape"), py::arg("out_index"));

  // Tensor(TensorData, backend=None): the storage is copied onto the backend and
  // the layout kept, strides and all; Tensor._tensor goes the other way.
  auto tensor_class = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  tensor_class
      // MiniTorch's signature is Tensor(v, back=None, name=None, backend=None);
      // a backend given in back's place (Tensor(td, SimpleBackend)) is taken as
      // the backend. A History is not: graph nodes come from Function.apply.
      .def(py::init([](const TensorData& data, const py::object& back, const py::object& name,
                       py::object backend) {
             if (!back.is_none()) {
               if (!backend.is_none() || py::hasattr(back, "last_fn")) {
                 throw ArgumentError(
                     "Tensor(v, back=...): a History cannot be attached here; make graph nodes "
                     "with a Function subclass's apply (back may only name the backend)");
               }
               backend = back;
             }
             if (!name.is_none()) {
               throw py::type_error(
                   "Tensor(v, name=...): set the name after construction "
                   "(t.name = ...)");
             }
             const std::span<const double> values(data.storage.data(),
                                                  static_cast<std::size_t>(data.storage.size()));
             const Tensor flat = Tensor::from_host(
                 values, Shape{static_cast<int64_t>(values.size())},
                 TensorOptions{.dtype = DType::f64, .backend = resolve_backend(backend)});
             return Tensor::from_storage(flat.storage(), data.layout);
           }),
           py::arg("v"), py::arg("back") = py::none(), py::arg("name") = py::none(),
           py::arg("backend") = py::none())
      .def_property_readonly(
          "_tensor", [](const Tensor& t) { return TensorData(storage_array(t), t.layout()); });
}

}  // namespace mt::python
