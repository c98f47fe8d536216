// operators.cpp — minitorch.operators: MiniTorch Module 0's float -> float
// operators and list helpers, bound to the C++ teaching layer
// (teaching/operators.hpp, teaching/functional.hpp). No formula is written here.
#include "bindings.hpp"

#include <minitorch/teaching/functional.hpp>
#include <minitorch/teaching/operators.hpp>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

namespace mt::python {

void bind_operators(py::module_& m) {
  m.def("mul", &mt::mul, py::arg("x"), py::arg("y"), "x * y");
  m.def("id", &mt::id, py::arg("x"), "x");
  m.def("add", &mt::add, py::arg("x"), py::arg("y"), "x + y");
  m.def("neg", &mt::neg, py::arg("x"), "-x");
  m.def("lt", &mt::lt, py::arg("x"), py::arg("y"), "1.0 if x < y else 0.0");
  m.def("eq", &mt::eq, py::arg("x"), py::arg("y"), "1.0 if x == y else 0.0");
  m.def("max", &mt::max, py::arg("x"), py::arg("y"), "x if x > y else y");
  // MiniTorch's is_close returns a bool (it is used in assert statements).
  m.def(
      "is_close", [](double x, double y) { return mt::is_close(x, y) != 0.0; }, py::arg("x"),
      py::arg("y"), "|x - y| < 1e-2");
  m.def("sigmoid", &mt::sigmoid, py::arg("x"), "1 / (1 + e^-x), computed stably");
  m.def("relu", &mt::relu, py::arg("x"), "x if x > 0 else 0");
  m.def("log", &mt::log, py::arg("x"), "the natural logarithm (log(0) = -inf)");
  m.def("exp", &mt::exp, py::arg("x"), "e^x");
  m.def("inv", &mt::inv, py::arg("x"), "1 / x");
  m.def("log_back", &mt::log_back, py::arg("x"), py::arg("d"), "d / x");
  m.def("inv_back", &mt::inv_back, py::arg("x"), py::arg("d"), "-d / x^2");
  m.def("relu_back", &mt::relu_back, py::arg("x"), py::arg("d"), "d if x > 0 else 0");

  // The higher-order helpers take any Python callable and list.
  using Fn1 = std::function<py::object(py::object)>;
  using Fn2 = std::function<py::object(py::object, py::object)>;
  m.def(
      "map",
      [](Fn1 fn) {
        return py::cpp_function([fn](const std::vector<py::object>& ls) { return mt::map(fn)(ls); },
                                py::arg("ls"));
      },
      py::arg("fn"), "map(fn)(ls): fn applied to every element of ls.");
  m.def(
      "zipWith",
      [](Fn2 fn) {
        return py::cpp_function(
            [fn](const std::vector<py::object>& ls1, const std::vector<py::object>& ls2) {
              return mt::zip_with(fn)(ls1, ls2);
            },
            py::arg("ls1"), py::arg("ls2"));
      },
      py::arg("fn"),
      "zipWith(fn)(ls1, ls2): fn of each pair; lists of different lengths are an error.");
  m.def(
      "reduce",
      [](Fn2 fn, py::object start) {
        return py::cpp_function(
            [fn, start](const std::vector<py::object>& ls) { return mt::reduce(fn, start)(ls); },
            py::arg("ls"));
      },
      py::arg("fn"), py::arg("start"),
      "reduce(fn, start)(ls) = fn(x3, fn(x2, fn(x1, start))); an empty list gives start.");
  m.def("negList", &mt::neg_list, py::arg("ls"), "-x for every x of ls");
  m.def("addLists", &mt::add_lists, py::arg("ls1"), py::arg("ls2"), "x + y for every pair");
  m.def("sum", &mt::sum, py::arg("ls"), "the sum of ls (0 for an empty list)");
  m.def("prod", &mt::prod, py::arg("ls"), "the product of ls (1 for an empty list)");
}

}  // namespace mt::python
