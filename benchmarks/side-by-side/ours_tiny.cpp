// ours_tiny.cpp — MiniTorch's side of the tiny-op rows of the side-by-side harness: the
// same (4,) f32 op as torch_side.py and libtorch_side.cpp through the public C++ API (c = a * b;
// with backward, sum(a * b).backward()). Built by run.sh against a build tree; not part of
// the main CMake build, not a test (it checks its answers once, then times).
#include <minitorch/minitorch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// One untimed call, then calls until min_time seconds have passed: mean seconds per call.
double time_call(const std::function<void()>& fn, double min_time) {
  fn();
  long iters = 0;
  const auto start = Clock::now();
  for (;;) {
    fn();
    ++iters;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed >= min_time)
      return elapsed / static_cast<double>(iters);
  }
}

bool close(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size())
    return false;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= 1e-6 * std::max(1.0, std::abs(want[i]))))
      return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const double min_time = argc > 1 && std::string(argv[1]) == "--quick" ? 0.05 : 0.2;
    const std::vector<float> an{0.5f, -1.0f, 2.0f, 3.0f}, bn{1.5f, 2.0f, -0.25f, 4.0f};
    const mt::Tensor ca = mt::Tensor::from_host(an, {4}), cb = mt::Tensor::from_host(bn, {4});
    const mt::Tensor a = mt::Tensor::from_host(an, {4}, {.requires_grad = true});
    const mt::Tensor b = mt::Tensor::from_host(bn, {4}, {.requires_grad = true});
    const auto fwd = [&] { (void)(ca * cb); };
    const auto fwd_bwd = [&] { (a * b).sum().backward(); };
    fwd_bwd();
    const std::vector<double> product{0.75, -2.0, -0.5, 12.0}, grad_a{1.5, 2.0, -0.25, 4.0};
    if (!close((ca * cb).to_vector(), product) || !close(a.grad().to_vector(), grad_a)) {
      std::fprintf(stderr, "ours_tiny: check failed: a * b or d/da sum(a * b) is wrong\n");
      return 1;
    }
    const std::string backend = ca.backend()->name();
    std::printf(
        "RESULT {\"impl\": \"ours\", \"workload\": \"tiny/fwd\", \"value\": %.9g, "
        "\"unit\": \"us\", \"setting\": \"%s\"}\n",
        1e6 * time_call(fwd, min_time), backend.c_str());
    std::printf(
        "RESULT {\"impl\": \"ours\", \"workload\": \"tiny/fwd_bwd\", \"value\": %.9g, "
        "\"unit\": \"us\", \"setting\": \"%s\"}\n",
        1e6 * time_call(fwd_bwd, min_time), backend.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ours_tiny: %s\n", e.what());
    return 1;
  }
  return 0;
}
