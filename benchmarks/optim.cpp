// optim.cpp — one optimizer step over LeNet's parameters (the CLI's mnist model: conv 1->4->8
// 3x3, linear 392->64->10; 26k f32 elements in 8 tensors) on each usable backend: Adam and SGD
// with momentum, through the fused optim_step slot and through the element-wise path
// (Optimizer::set_fused(false)), so the two are measured side by side in one run. Reports the
// bytes each step must move (p, g and the state read, p and the state written). Not a test.
#include "lab.hpp"

#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/random.hpp>

#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace mt::bench {

namespace {

const std::vector<Shape> kLeNet{{4, 1, 3, 3}, {4},  {8, 4, 3, 3}, {8},
                                {64, 392},    {64}, {10, 64},     {10}};

void bm_optim(benchmark::State& state, const BackendPtr& backend, bool adam, bool fused) {
  try {
    std::vector<Tensor> params;
    int64_t elements = 0;
    for (const Shape& s : kLeNet) {
      Tensor p = rand(s, {.dtype = DType::f32, .backend = backend, .requires_grad = true});
      (p * p).sum().backward();
      elements += p.numel();
      params.push_back(p);
    }
    std::unique_ptr<Optimizer> optimizer;
    if (adam)
      optimizer = std::make_unique<Adam>(params, 1e-3);
    else
      optimizer = std::make_unique<SGD>(params, 1e-2, SGDOptions{.momentum = 0.9});
    optimizer->set_fused(fused);
    for (auto _ : state)
      optimizer->step();
    backend->synchronize();
    // Adam: p, g, m, v read, p, m, v written; SGD with momentum: p, g, b read, p, b written.
    const int64_t arrays = adam ? 7 : 5;
    state.SetBytesProcessed(state.iterations() * elements * arrays * 4);
    state.counters["elements"] = static_cast<double>(elements);
  } catch (const std::exception& e) {
    const std::string message = "optim on " + backend->name() + ": " + e.what();
    state.SkipWithError(message.c_str());
  }
}

}  // namespace

void register_optim(const std::vector<BackendPtr>& backends) {
  for (const BackendPtr& backend : backends) {
    for (const bool adam : {true, false}) {
      for (const bool fused : {true, false}) {
        const std::string name = std::string("optim/") + (adam ? "adam" : "sgd_momentum") +
                                 "_lenet/" + backend->name() + (fused ? "/fused" : "/elementwise");
        benchmark::RegisterBenchmark(name.c_str(), [backend, adam, fused](benchmark::State& state) {
          bm_optim(state, backend, adam, fused);
        })->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace mt::bench
