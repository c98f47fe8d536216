// function.cpp — a tensor Function subclass written in Python as a node of the
// C++ autograd graph: PythonNode is an mt::Node whose backward calls the
// class's backward, so mt::run_backward drives it like any built-in op. The
// Python side (minitorch.Function.apply) runs forward; no op is computed here.
#include "bindings.hpp"

#include <pybind11/stl.h>

namespace mt::python {

namespace {

class PythonNode final : public Node {
 public:
  PythonNode(py::object cls, py::object ctx)
      : cls_(std::move(cls)), ctx_(std::move(ctx)), name_(py::str(cls_.attr("__name__"))) {}

  const char* name() const override { return name_.c_str(); }

  // One gradient per input: a Tensor (of the input's shape, or the output's
  // when the input was broadcast: the engine sums it back), or a number, as
  // MiniTorch's backwards return 0.0 for arguments like a dim (a full tensor
  // of it for an input that needs grad, else no gradient).
  std::vector<Tensor> backward(const Tensor& grad_output) override {
    const py::object grads = cls_.attr("_backward")(ctx_, grad_output);
    std::vector<py::object> items;
    if (py::isinstance<py::tuple>(grads) || py::isinstance<py::list>(grads)) {
      for (const py::handle g : grads) {
        items.push_back(py::reinterpret_borrow<py::object>(g));
      }
    } else {
      items.push_back(grads);
    }
    if (items.size() != inputs.size()) {
      throw ArgumentError(name_ + ".backward returned " + std::to_string(items.size()) +
                          " gradient(s) for " + std::to_string(inputs.size()) +
                          " input(s); it must return one per input");
    }
    std::vector<Tensor> out(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (py::isinstance<Tensor>(items[i])) {
        out[i] = items[i].cast<Tensor>();
      } else if (items[i].is_none()) {
        continue;
      } else if (needs_grad(i)) {
        out[i] = full(inputs[i].shape(), items[i].cast<double>(), inputs[i].options());
      }
    }
    return out;
  }

 private:
  py::object cls_;
  py::object ctx_;
  std::string name_;
};

}  // namespace

void bind_function(py::module_& m) {
  m.def(
      "_record_function",
      [](const py::object& cls, const py::object& ctx, const std::vector<Tensor>& inputs,
         const Tensor& output) {
        // A fresh handle on the forward's result, with this node as its history.
        Tensor out = output.detach();
        bool any = false;
        for (const Tensor& input : inputs) {
          any = any || input.requires_grad();
        }
        if (!grad_enabled() || !any) {
          return out;
        }
        auto node = std::make_shared<PythonNode>(cls, ctx);
        node->inputs = inputs;
        out.set_grad_fn(std::move(node));
        return out;
      },
      py::arg("cls"), py::arg("ctx"), py::arg("inputs"), py::arg("output"));
}

}  // namespace mt::python
