// scalar.cpp — MiniTorch Module 1 for Python: mt::Scalar with its operators,
// chain_rule and backward, and the hook that makes a ScalarFunction subclass
// written in Python a real node of the C++ graph (its backward is called by
// the C++ backpropagation). No derivative is computed here.
#include "bindings.hpp"

#include <minitorch/teaching/scalar.hpp>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>

namespace mt::python {

namespace {

// One function-table row per Python ScalarFunction class, kept for the process
// (graph nodes point at it); the name is the class's __name__.
struct PythonFunctionRow {
  std::string name;
  ScalarFunctionInfo info;
};

std::vector<double> no_table_backward(const ScalarContext&, double) {
  throw ArgumentError(
      "a Python ScalarFunction node has no C++ backward; its history's own is used");
}

const ScalarFunctionInfo& row_for(const py::handle& cls) {
  static std::map<PyObject*, std::unique_ptr<PythonFunctionRow>> rows;
  auto& row = rows[cls.ptr()];
  if (!row) {
    cls.inc_ref();  // the row outlives any node; keep its class alive too
    row = std::make_unique<PythonFunctionRow>();
    row->name = py::str(cls.attr("__name__"));
    row->info = ScalarFunctionInfo{row->name, &no_table_backward};
  }
  return row->info;
}

Scalar as_input(const py::handle& value) {
  if (py::isinstance<Scalar>(value)) {
    return value.cast<Scalar>();
  }
  return Scalar::constant(value.cast<double>());
}

// A node made by the Python function `cls` from `inputs`: chain_rule calls
// cls._backward(ctx, d) and reads one derivative per input.
Scalar python_node(double value, const py::object& cls, const py::object& ctx,
                   const py::iterable& inputs, std::string name) {
  std::vector<Scalar> parents;
  for (const py::handle input : inputs) {
    parents.push_back(as_input(input));
  }
  ScalarHistory history{&row_for(cls), ScalarContext{}, std::move(parents)};
  history.backward = [cls, ctx](double d_output) {
    const py::object grads = cls.attr("_backward")(ctx, d_output);
    std::vector<double> out;
    if (py::isinstance<py::tuple>(grads) || py::isinstance<py::list>(grads)) {
      for (const py::handle g : grads) {
        out.push_back(g.cast<double>());
      }
    } else {
      out.push_back(grads.cast<double>());
    }
    return out;
  };
  return Scalar(value, std::move(history), std::move(name));
}

// Scalar(v, back=..., name=None): a leaf by default (or for a ScalarHistory()
// without a function), a constant for back=None, a computed node for a history
// whose last_fn is a Python ScalarFunction.
Scalar make_scalar(double value, const py::object& back, const py::object& name_object) {
  std::string name =
      name_object.is_none() ? std::string() : py::str(name_object).cast<std::string>();
  if (back.is_none()) {
    return Scalar(value, std::nullopt, std::move(name));
  }
  if (back.ptr() == Py_Ellipsis) {  // the default: a leaf
    return Scalar(value, std::move(name));
  }
  const py::object fn = back.attr("last_fn");
  if (fn.is_none()) {
    return Scalar(value, std::move(name));
  }
  return python_node(value, fn, back.attr("ctx"), back.attr("inputs"), std::move(name));
}

template <std::size_t... I>
DerivativeCheckResult check_n(const py::function& f, const std::vector<Scalar>& s,
                              std::index_sequence<I...>) {
  auto call = [&f](auto... args) { return f(args...).template cast<Scalar>(); };
  return derivative_check(call, s[I]...);
}

}  // namespace

void bind_scalar(py::module_& m) {
  py::class_<Scalar> s(m, "Scalar", py::dynamic_attr(), R"doc(
MiniTorch's Scalar: a number that records the functions applied to it (libminitorch's
scalar autodiff). Scalar(v) is a leaf; back=None makes a constant.)doc");
  s.def(py::init(&make_scalar), py::arg("v") = 0.0, py::arg("back") = py::ellipsis(),
        py::arg("name") = py::none())
      .def_static("constant", &Scalar::constant, py::arg("v"))
      .def_property_readonly("data", &Scalar::data)
      .def_property(
          "derivative", &Scalar::derivative,
          [](Scalar& self, const py::object& value) {
            if (!value.is_none()) {
              throw py::value_error(
                  "Scalar.derivative can only be cleared (set to None); backward sets it");
            }
            self.zero_grad_();
          })
      .def_property_readonly("unique_id", &Scalar::unique_id)
      .def_property("name", &Scalar::name, &Scalar::set_name)
      .def_property_readonly("parents", &Scalar::parents)
      .def("is_leaf", &Scalar::is_leaf)
      .def("is_constant", &Scalar::is_constant)
      .def("requires_grad_", &Scalar::requires_grad_, py::arg("x") = true)
      .def("chain_rule", &Scalar::chain_rule, py::arg("d_output"))
      .def("accumulate_derivative", &Scalar::accumulate_derivative, py::arg("x"))
      .def(
          "backward",
          [](Scalar& self, const py::object& d) {
            self.backward(d.is_none() ? 1.0 : d.cast<double>());
          },
          py::arg("d_output") = py::none())
      .def("zero_grad_", &Scalar::zero_grad_)
      .def("detach", &Scalar::detach)
      .def("log", &Scalar::log)
      .def("exp", &Scalar::exp)
      .def("sigmoid", &Scalar::sigmoid)
      .def("relu", &Scalar::relu)
      .def("__bool__", [](const Scalar& a) { return static_cast<bool>(a); })
      .def("__repr__", &Scalar::to_string)
      .def("__hash__", [](const Scalar& a) { return a.unique_id(); });
  // Scalar ⊕ Scalar and Scalar ⊕ number, either side (the C++ operator table).
  s.def(
       "__add__", [](const Scalar& a, const Scalar& b) { return a + b; }, py::is_operator())
      .def(
          "__add__", [](const Scalar& a, double b) { return a + b; }, py::is_operator())
      .def(
          "__radd__", [](const Scalar& a, double b) { return b + a; }, py::is_operator())
      .def(
          "__sub__", [](const Scalar& a, const Scalar& b) { return a - b; }, py::is_operator())
      .def(
          "__sub__", [](const Scalar& a, double b) { return a - b; }, py::is_operator())
      .def(
          "__rsub__", [](const Scalar& a, double b) { return b - a; }, py::is_operator())
      .def(
          "__mul__", [](const Scalar& a, const Scalar& b) { return a * b; }, py::is_operator())
      .def(
          "__mul__", [](const Scalar& a, double b) { return a * b; }, py::is_operator())
      .def(
          "__rmul__", [](const Scalar& a, double b) { return b * a; }, py::is_operator())
      .def(
          "__truediv__", [](const Scalar& a, const Scalar& b) { return a / b; }, py::is_operator())
      .def(
          "__truediv__", [](const Scalar& a, double b) { return a / b; }, py::is_operator())
      .def(
          "__rtruediv__", [](const Scalar& a, double b) { return b / a; }, py::is_operator())
      .def("__neg__", [](const Scalar& a) { return -a; })
      .def(
          "__lt__", [](const Scalar& a, const Scalar& b) { return a < b; }, py::is_operator())
      .def(
          "__lt__", [](const Scalar& a, double b) { return a < b; }, py::is_operator())
      .def(
          "__gt__", [](const Scalar& a, const Scalar& b) { return a > b; }, py::is_operator())
      .def(
          "__gt__", [](const Scalar& a, double b) { return a > b; }, py::is_operator())
      .def(
          "__eq__", [](const Scalar& a, const Scalar& b) { return a == b; }, py::is_operator())
      .def(
          "__eq__", [](const Scalar& a, double b) { return a == b; }, py::is_operator());

  // derivative_check(f, *scalars) for 1 to 3 arguments: the C++ check, whose
  // message names each argument's two derivatives; AssertionError when they differ.
  m.def(
      "_derivative_check",
      [](const py::function& f, const std::vector<Scalar>& scalars) {
        DerivativeCheckResult result;
        switch (scalars.size()) {
          case 1:
            result = check_n(f, scalars, std::make_index_sequence<1>{});
            break;
          case 2:
            result = check_n(f, scalars, std::make_index_sequence<2>{});
            break;
          case 3:
            result = check_n(f, scalars, std::make_index_sequence<3>{});
            break;
          default:
            throw ArgumentError("derivative_check takes 1 to 3 Scalars; got " +
                                std::to_string(scalars.size()));
        }
        return py::make_tuple(result.ok(), result.message());
      },
      py::arg("f"), py::arg("scalars"));
}

}  // namespace mt::python
