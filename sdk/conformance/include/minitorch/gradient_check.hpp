// minitorch/gradient_check.hpp — the one finite-difference gradient checker:
// backpropagates L = sum(f(inputs) * w) through core's autograd and compares
// every chosen input element's gradient with the central difference
//     (L(x + eps e_j) - L(x - eps e_j)) / (2 eps),
// optionally computed on another backend and dtype (the conformance kit
// differentiates on the candidate in its dtype and takes differences on the
// reference in f64). It is a checker, not a test framework: it returns a
// description of the first mismatch, and the caller asserts. MiniTorch's
// grad_check is the special case {weights ones, 1 element per input, rtol =
// atol = 1e-2, eps = 1e-6, differences on the inputs' own backend}; the
// project's tests (tests/support/grad_check.hpp) use random weights, N
// elements and UndefinedGradient::zero_without_graph.
#pragma once

#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mt::conformance {

// The function under test: a differentiable expression of the inputs. It is
// called once with leaves that require grad (the analytic pass) and, without
// recording a graph, twice per checked element with perturbed inputs. It must
// give the same output shape every time.
using GradientFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradientCheckOptions {
  // Central-difference step, added to and subtracted from one element.
  double epsilon = 1e-6;
  // An element passes when |analytic - numeric| <= atol + rtol * |numeric|
  // (MiniTorch's assert_allclose(grad, numeric, 1e-2, 1e-2)).
  double rtol = 1e-2;
  double atol = 1e-2;
  // Elements checked per input: 0 checks every element; N > 0 checks N
  // distinct elements (all when the input has fewer) chosen by a generator
  // seeded with `seed`. MiniTorch checks 1.
  int64_t elements = 0;
  // Seeds the element choice and the random weights: the same seed gives
  // the same check on every platform.
  uint64_t seed = 0;
  // random: L = sum(f(x) * w) with fixed weights w drawn uniformly from
  // [-1, 1] (rounded to the inputs' dtype), so every output element gets its
  // own upstream gradient and outputs with a constant sum (softmax) are
  // still checked. ones: L = sum(f(x)), MiniTorch's f(x).sum().
  enum class Weights { random, ones };
  Weights weights = Weights::random;
  // Where the central differences are computed: nullptr means each input's
  // own backend; a dtype of nullopt means the inputs' own dtype. The inputs'
  // values are copied there (the analytic pass always runs on the inputs as
  // given: their backend, dtype and layout).
  BackendPtr difference_backend;
  std::optional<DType> difference_dtype;
  // When the output does not depend differentiably on an input (a
  // comparison, or an input f ignores) core leaves its gradient undefined.
  //   mismatch: an undefined gradient is reported as a mismatch;
  //   zero: it counts as a zero gradient (checked against the differences
  //     like any other);
  //   zero_without_graph: zero only when the loss records no graph at all
  //     (f is a comparison); when it does, every input must get a gradient
  //     (the tests' rule).
  enum class UndefinedGradient { mismatch, zero, zero_without_graph };
  UndefinedGradient undefined_gradient = UndefinedGradient::mismatch;
  // Names of the inputs for messages ("input 'w'"); missing ones are
  // called by position ("input 1").
  std::vector<std::string> names;
};

struct GradientCheck {
  // "" when every checked element agrees; else how many disagree and the
  // first one: which input and index, its value, backend and strides, the
  // gradient, the central difference, the allowed difference. Also set when
  // f throws, or a gradient has another shape, dtype or backend than its
  // input.
  std::string message;
  // Largest |analytic - numeric| / max(1, |numeric|) seen (+inf for a
  // non-finite difference).
  double max_error = 0.0;
  int64_t checked = 0;     // elements compared
  int64_t mismatched = 0;  // of those, how many disagreed
  // L at the inputs as given, from the analytic pass (has_loss: that pass
  // got that far); the same L from the difference side and sum(|f(x) * w|)
  // there, the scale against which a caller may compare the two
  // (has_difference_loss: the difference side got that far).
  double loss = 0.0;
  double difference_loss = 0.0;
  double loss_scale = 0.0;
  bool has_loss = false;
  bool has_difference_loss = false;

  bool passed() const { return message.empty(); }
};

// Runs the check. Never throws for a failing f or backend: the failure is
// the message (an invalid option, e.g. epsilon <= 0, throws
// std::invalid_argument).
GradientCheck gradient_check(const GradientFn& f, const std::vector<Tensor>& inputs,
                             const GradientCheckOptions& options = {});

// The same, returning only the message: "" or the first mismatch.
std::string check_gradients(const GradientFn& f, const std::vector<Tensor>& inputs,
                            const GradientCheckOptions& options = {});

}  // namespace mt::conformance
