// bindings.hpp — what the pieces of the extension module `minitorch._minitorch`
// share: one bind_* function per part and the Python-to-C++ argument helpers.
// Not a public C++ API: only python/src/*.cpp include it.
#pragma once

#include <minitorch/minitorch.hpp>

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

namespace mt::python {

namespace py = pybind11;

void bind_errors(py::module_& m);
void bind_backends(py::module_& m);
void bind_tensor(py::module_& m);
// After bind_tensor: adds Tensor(TensorData, backend=) and Tensor._tensor.
void bind_tensor_data(py::module_& m);
void bind_operators(py::module_& m);
void bind_scalar(py::module_& m);
void bind_function(py::module_& m);
void bind_optim(py::module_& m);
void bind_functional(py::module_& m);
// After bind_functional (adds to its datasets submodule); needs libminitorch_apps.
void bind_sentiment(py::module_& m);

// The backend a Python call means: a Backend object, a plugin name, or None
// (the Python front end's default: "reference", as MiniTorch's SimpleBackend).
BackendPtr resolve_backend(const py::object& backend);

// A shape or index from an int or a sequence of ints; `what` names the
// argument in the error.
std::vector<int64_t> int_list(const py::handle& value, const char* what);
// The same from *args: f(2, 3) or f((2, 3)).
std::vector<int64_t> int_args(const py::args& args, const char* what);

// Python's type name of an object, for messages.
std::string type_name(const py::handle& value);

}  // namespace mt::python
