// optim.cpp — the tensor half of minitorch.SGD in one call per step: for every
// Python Parameter whose value is a Tensor, value <- value - lr * grad as a
// fresh leaf (MiniTorch's rule), and zero_grad. Saves the per-parameter Python
// crossings of a loop in optim.py; values that are not Tensors (Scalars) are
// handed back for optim.py to update. The arithmetic is libminitorch's.
#include "bindings.hpp"

namespace mt::python {

void bind_optim(py::module_& m) {
  m.def(
      "_sgd_step",
      [](const py::iterable& parameters, double lr) {
        py::list rest;
        const py::str value_key("value");
        const py::str name_key("name");
        for (const py::handle p : parameters) {
          const py::object value = p.attr(value_key);
          if (!py::isinstance<Tensor>(value)) {
            if (!value.is_none()) {
              rest.append(p);
            }
            continue;
          }
          const Tensor& t = value.cast<const Tensor&>();
          const Tensor grad = t.grad();
          if (!grad.defined()) {
            continue;
          }
          Tensor updated;
          {
            NoGradGuard no_grad;
            updated = t - grad * lr;
          }
          updated.requires_grad_(true);
          py::object fresh = py::cast(std::move(updated));
          const py::object name = p.attr(name_key);
          if (!name.is_none() && py::len(name) > 0) {
            fresh.attr(name_key) = name;
          }
          p.attr(value_key) = fresh;
        }
        return rest;
      },
      py::arg("parameters"), py::arg("lr"),
      "SGD's step for the Tensor parameters; returns the other parameters.");
  m.def(
      "_zero_grad",
      [](const py::iterable& parameters) {
        py::list rest;
        for (const py::handle p : parameters) {
          const py::object value = p.attr("value");
          if (py::isinstance<Tensor>(value)) {
            value.cast<Tensor&>().zero_grad_();
          } else if (!value.is_none()) {
            rest.append(p);
          }
        }
        return rest;
      },
      py::arg("parameters"), "Clears the Tensor parameters' grads; returns the other parameters.");
}

}  // namespace mt::python
