// module.cpp — the extension module `minitorch._minitorch`: its entry point,
// MiniTorch's exception classes (C++ exceptions become them, message intact)
// and the argument helpers. Not the Python API itself: python/minitorch/ is.
#include "bindings.hpp"

#include <Python.h>

#include <exception>
#include <new>

namespace mt::python {

namespace {

// The exception classes, created once at import and kept for the process.
PyObject* g_error = nullptr;
PyObject* g_indexing_error = nullptr;
PyObject* g_shape_error = nullptr;
PyObject* g_argument_error = nullptr;
PyObject* g_backend_error = nullptr;
PyObject* g_load_error = nullptr;
PyObject* g_allocation_error = nullptr;
PyObject* g_data_error = nullptr;

PyObject* new_exception(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("minitorch.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) {
    throw py::error_already_set();
  }
  m.add_object(name, py::handle(type));
  return type;
}

}  // namespace

void bind_errors(py::module_& m) {
  const py::handle runtime(PyExc_RuntimeError);
  const py::handle value(PyExc_ValueError);
  g_error = new_exception(m, "MiniTorchError", py::make_tuple(runtime),
                          "Base of every error the MiniTorch C++ core raises.");
  const py::handle base(g_error);
  g_indexing_error = new_exception(
      m, "IndexingError", py::make_tuple(base),
      "A bad index, dim or permutation, or shapes that do not broadcast (MiniTorch's).");
  g_shape_error =
      new_exception(m, "ShapeError", py::make_tuple(py::handle(g_indexing_error), value),
                    "Shapes that do not fit together; an IndexingError, as MiniTorch raises "
                    "one for a failed broadcast.");
  g_argument_error = new_exception(m, "ArgumentError", py::make_tuple(base, value),
                                   "A value outside what is allowed.");
  g_backend_error = new_exception(m, "BackendError", py::make_tuple(base),
                                  "A backend plugin's operation failed.");
  g_load_error = new_exception(m, "LoadError", py::make_tuple(base),
                               "A backend could not be found, loaded or used here.");
  g_allocation_error =
      new_exception(m, "AllocationError", py::make_tuple(base, py::handle(PyExc_MemoryError)),
                    "Memory could not be had.");
  g_data_error = new_exception(m, "DataError", py::make_tuple(base, value),
                               "A data file or manifest is missing or corrupt.");

  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) {
        std::rethrow_exception(thrown);
      }
    } catch (const ShapeError& e) {
      PyErr_SetString(g_shape_error, e.what());
    } catch (const IndexingError& e) {
      PyErr_SetString(g_indexing_error, e.what());
    } catch (const ArgumentError& e) {
      PyErr_SetString(g_argument_error, e.what());
    } catch (const BackendError& e) {
      PyErr_SetString(g_backend_error, e.what());
    } catch (const LoadError& e) {
      PyErr_SetString(g_load_error, e.what());
    } catch (const AllocationError& e) {
      PyErr_SetString(g_allocation_error, e.what());
    } catch (const DataError& e) {
      PyErr_SetString(g_data_error, e.what());
    } catch (const Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });
}

std::string type_name(const py::handle& value) {
  return py::str(py::type::handle_of(value).attr("__name__"));
}

std::vector<int64_t> int_list(const py::handle& value, const char* what) {
  auto one = [&](const py::handle& item) -> int64_t {
    // Python ints and anything with __index__ (numpy integers); not floats.
    if (!PyIndex_Check(item.ptr())) {
      throw py::type_error(std::string(what) + " must hold ints; got " + type_name(item) + " " +
                           std::string(py::repr(item)));
    }
    return item.cast<int64_t>();
  };
  if (PyIndex_Check(value.ptr())) {
    return {one(value)};
  }
  if (!py::isinstance<py::sequence>(value) || py::isinstance<py::str>(value)) {
    throw py::type_error(std::string(what) + " must be an int or a sequence of ints; got " +
                         type_name(value));
  }
  std::vector<int64_t> out;
  for (const py::handle item : py::reinterpret_borrow<py::sequence>(value)) {
    out.push_back(one(item));
  }
  return out;
}

std::vector<int64_t> int_args(const py::args& args, const char* what) {
  if (args.size() == 1 && !PyIndex_Check(args[0].ptr())) {
    return int_list(args[0], what);
  }
  return int_list(args, what);
}

}  // namespace mt::python

PYBIND11_MODULE(_minitorch, m) {
  namespace mtp = mt::python;
  m.doc() = "MiniTorch's C++ core (libminitorch) for Python; use the `minitorch` package.";
  // MiniTorch's tensors are float64 throughout.
  mt::set_default_dtype(mt::DType::f64);
  mtp::bind_errors(m);
  mtp::bind_backends(m);
  mtp::bind_tensor(m);
  mtp::bind_tensor_data(m);
  pybind11::module_ ops =
      m.def_submodule("operators", "MiniTorch's scalar operators (float -> float)");
  mtp::bind_operators(ops);
  mtp::bind_functional(m);
  mtp::bind_sentiment(m);
  mtp::bind_scalar(m);
  mtp::bind_function(m);
  mtp::bind_optim(m);
}
