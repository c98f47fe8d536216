// functional.cpp — MiniTorch's Module-4 tensor functions (nn.py, fast_conv.py)
// bound to mt::nn: softmax, logsoftmax, max, argmax, dropout, pooling, tile,
// conv1d/conv2d; and the 2-D toy datasets (teaching/datasets.hpp). Stateless;
// the Python package names them as MiniTorch does.
#include "bindings.hpp"

#include <minitorch/teaching/datasets.hpp>

#include <pybind11/stl.h>

namespace mt::python {

void bind_functional(py::module_& m) {
  py::module_ nn = m.def_submodule("nn", "mt::nn functions");
  nn.def("softmax", &nn::softmax, py::arg("input"), py::arg("dim"));
  nn.def("logsoftmax", &nn::logsoftmax, py::arg("input"), py::arg("dim"));
  nn.def("max", &nn::max, py::arg("input"), py::arg("dim"));
  nn.def("argmax_one_hot", &nn::argmax_one_hot, py::arg("input"), py::arg("dim"));
  nn.def("dropout", &nn::dropout, py::arg("input"), py::arg("rate"), py::arg("training") = true);
  nn.def("tile", &nn::tile, py::arg("input"), py::arg("kh"), py::arg("kw"));
  nn.def("avgpool2d", &nn::avgpool2d, py::arg("input"), py::arg("kh"), py::arg("kw"));
  nn.def("maxpool2d", &nn::maxpool2d, py::arg("input"), py::arg("kh"), py::arg("kw"));
  nn.def("conv1d", py::overload_cast<const Tensor&, const Tensor&>(&nn::conv1d), py::arg("input"),
         py::arg("weight"));
  nn.def("conv2d", py::overload_cast<const Tensor&, const Tensor&>(&nn::conv2d), py::arg("input"),
         py::arg("weight"));

  // (N, X as a list of (x1, x2), y as a list of 0/1) for a dataset name.
  py::module_ data = m.def_submodule("datasets", "MiniTorch's 2-D toy datasets");
  data.def(
      "make",
      [](const std::string& name, int n, std::uint64_t seed) {
        const Graph g = make_dataset(name, n, seed);
        py::list points;
        for (const auto& [x1, x2] : g.X) {
          points.append(py::make_tuple(x1, x2));
        }
        return py::make_tuple(g.N, points, py::cast(g.y));
      },
      py::arg("name"), py::arg("N"), py::arg("seed"));
  data.def("names", &dataset_names);
}

}  // namespace mt::python
