// train_testing.hpp — shared helpers for the training tests: parameter
// snapshots (the reference backend and TempDir come from test_support.hpp).
// Not a training utility library.
#pragma once

#include <minitorch/nn/module.hpp>

#include "test_support.hpp"

#include <vector>

namespace mt::test {

// Every parameter's values, in the module's order.
inline std::vector<std::vector<double>> parameter_values(const Module& m) {
  std::vector<std::vector<double>> out;
  for (const auto& [name, p] : m.named_parameters())
    out.push_back(p->value().to_vector());
  return out;
}

}  // namespace mt::test
