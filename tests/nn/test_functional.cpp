// test_functional.cpp — MiniTorch's test_nn.py (task4_3, task4_4) and the
// v2020 tile tests on every usable backend: tile, avgpool2d, maxpool2d, max,
// argmax_one_hot, softmax, logsoftmax and dropout, with gradient checks. Expected
// values come from the definitions (loops over windows), not from the code
// under test.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/functional.hpp>
#include <minitorch/tensor/random.hpp>

#include "nn_testing.hpp"

#include <algorithm>
#include <cmath>

using namespace mt;
using namespace mt::nntest;

namespace {

// 1 … 16 as a (1, 1, 4, 4) tensor.
Tensor one_to_sixteen(const BackendPtr& backend) {
  std::vector<double> v(16);
  std::iota(v.begin(), v.end(), 1.0);
  return Tensor::from_values(v, {1, 1, 4, 4}, on(backend));
}

// Distinct values (no ties) plus small noise, row-major, for max checks.
std::vector<double> tie_free(std::size_t n, std::mt19937_64& rng) {
  std::vector<double> v = uniform_values(n, rng, -0.01, 0.01);
  for (std::size_t i = 0; i < n; ++i)
    v[i] += static_cast<double>((i * 7) % n);  // a permutation of 0 … n−1
  return v;
}

}  // namespace

// v2020 test_tile / test_tile_2.
MT_BACKEND_TEST(functional, tile_orders_windows_row_major) {
  const Tensor t = one_to_sixteen(backend);
  const Tensor tiled = nn::tile(t, 2, 2);
  BOOST_TEST(tiled.shape() == (Shape{1, 1, 2, 2, 4}));
  for (int k = 0; k < 4; ++k)
    BOOST_TEST(tiled.get({0, 0, 0, 0, k}) == (std::vector<double>{1, 2, 5, 6}[k]));
  BOOST_TEST(tiled.get({0, 0, 1, 1, 3}) == 16.0);

  const Tensor strips = nn::tile(t, 1, 2);
  BOOST_TEST(strips.shape() == (Shape{1, 1, 4, 2, 2}));
  BOOST_TEST(strips.get({0, 0, 0, 0, 0}) == 1.0);
  BOOST_TEST(strips.get({0, 0, 0, 0, 1}) == 2.0);
  BOOST_TEST(strips.get({0, 0, 0, 1, 0}) == 3.0);
  BOOST_TEST(strips.get({0, 0, 0, 1, 1}) == 4.0);
}

MT_BACKEND_TEST(functional, pooling_argument_errors) {
  const Tensor t = one_to_sixteen(backend);
  try {
    nn::tile(t, 3, 2);
    BOOST_FAIL("tile with a non-dividing kernel did not throw");
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("(3, 2)") != std::string::npos);
    BOOST_TEST(what.find("4 x 4") != std::string::npos);
  }
  BOOST_CHECK_THROW(nn::avgpool2d(t, 2, 3), ShapeError);
  BOOST_CHECK_THROW(nn::maxpool2d(t.view({1, 16}), 1, 1), ShapeError);
  BOOST_CHECK_THROW(nn::avgpool2d(t, 0, 1), ArgumentError);
  BOOST_CHECK_THROW(nn::max(t, 4), IndexingError);
  BOOST_CHECK_THROW(nn::softmax(t, -5), IndexingError);
}

// test_avg and test_max_pool: the top-left window, for (2,2), (2,1), (1,2);
// plus every window of a random strided input against a direct loop.
MT_BACKEND_TEST(functional, avg_and_max_pool_windows) {
  std::mt19937_64 rng(11);
  const std::vector<std::pair<int64_t, int64_t>> kernels{{2, 2}, {2, 1}, {1, 2}, {4, 4}, {1, 1}};
  const Shape shape{2, 3, 4, 4};
  const std::vector<double> values = uniform_values(96, rng);
  const Tensor t = one_to_sixteen(backend);
  BOOST_TEST(nn::avgpool2d(t, 2, 2).get({0, 0, 0, 0}) == (1 + 2 + 5 + 6) / 4.0);
  BOOST_TEST(nn::avgpool2d(t, 2, 1).get({0, 0, 0, 0}) == (1 + 5) / 2.0);
  BOOST_TEST(nn::avgpool2d(t, 1, 2).get({0, 0, 0, 0}) == (1 + 2) / 2.0);
  BOOST_TEST(nn::maxpool2d(t, 2, 2).get({0, 0, 0, 0}) == 6.0);
  BOOST_TEST(nn::maxpool2d(t, 2, 1).get({0, 0, 0, 0}) == 5.0);
  BOOST_TEST(nn::maxpool2d(t, 1, 2).get({0, 0, 0, 0}) == 2.0);

  const Tensor x = build(values, shape, reversed_order(4), on(backend));
  for (const auto& [kh, kw] : kernels) {
    BOOST_TEST_CONTEXT("kernel (" << kh << ", " << kw << ")") {
      const int64_t nh = 4 / kh, nw = 4 / kw;
      std::vector<double> avg, mx;
      for (int64_t bc = 0; bc < 6; ++bc)
        for (int64_t i = 0; i < nh; ++i)
          for (int64_t j = 0; j < nw; ++j) {
            double sum = 0.0, best = -INFINITY;
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t b = 0; b < kw; ++b) {
                const double v =
                    values[static_cast<std::size_t>(bc * 16 + (i * kh + a) * 4 + j * kw + b)];
                sum += v;
                best = std::max(best, v);
              }
            avg.push_back(sum / static_cast<double>(kh * kw));
            mx.push_back(best);
          }
      BOOST_TEST(compare(nn::avgpool2d(x, kh, kw), avg, {2, 3, nh, nw}) == "");
      BOOST_TEST(compare(nn::maxpool2d(x, kh, kw), mx, {2, 3, nh, nw}) == "");
    }
  }
}

MT_BACKEND_PROP(functional, avgpool2d_grad_check) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor x = build(uniform_values(16, rng), {1, 1, 4, 4}, random_order(4, rng), on(backend));
  const std::string problem = gradient_mismatch(
      [](const std::vector<Tensor>& xs) { return nn::avgpool2d(xs[0], 2, 2); }, {x}, rng, 24);
  rc_require_no_problem(backend, problem);
}

MT_BACKEND_PROP(functional, maxpool2d_grad_check) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor x = build(tie_free(32, rng), {1, 2, 4, 4}, random_order(4, rng), on(backend));
  const std::string problem = gradient_mismatch(
      [](const std::vector<Tensor>& xs) { return nn::maxpool2d(xs[0], 2, 2); }, {x}, rng, 24);
  rc_require_no_problem(backend, problem);
}

// test_max: max over each dim of a (2, 3, 4) tensor equals the maximum of
// the slice, negative dims included.
MT_BACKEND_TEST(functional, max_over_each_dim) {
  std::mt19937_64 rng(5);
  const Shape shape{2, 3, 4};
  const std::vector<double> v = uniform_values(24, rng, -100, 100);
  const auto at = [&](int64_t i, int64_t j, int64_t k) {
    return v[static_cast<std::size_t>((i * 3 + j) * 4 + k)];
  };
  const Tensor t = build(v, shape, {2, 0, 1}, on(backend));
  std::vector<double> d0, d1, d2;
  for (int64_t j = 0; j < 3; ++j)
    for (int64_t k = 0; k < 4; ++k)
      d0.push_back(std::max(at(0, j, k), at(1, j, k)));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 4; ++k)
      d1.push_back(std::max({at(i, 0, k), at(i, 1, k), at(i, 2, k)}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      d2.push_back(std::max({at(i, j, 0), at(i, j, 1), at(i, j, 2), at(i, j, 3)}));
  BOOST_TEST(compare(nn::max(t, 0), d0, {1, 3, 4}) == "");
  BOOST_TEST(compare(nn::max(t, 1), d1, {2, 1, 4}) == "");
  BOOST_TEST(compare(nn::max(t, 2), d2, {2, 3, 1}) == "");
  BOOST_TEST(compare(nn::max(t, -1), d2, {2, 3, 1}) == "");
}

MT_BACKEND_PROP(functional, max_grad_check) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const int64_t dim = *rc::gen::inRange<int64_t>(0, 3);
  const Tensor x = build(tie_free(24, rng), {2, 3, 4}, random_order(3, rng), on(backend));
  const std::string problem = gradient_mismatch(
      [dim](const std::vector<Tensor>& xs) { return nn::max(xs[0], dim); }, {x}, rng, 24);
  rc_require_no_problem(backend,
                        problem.empty() ? "" : "dim " + std::to_string(dim) + ": " + problem);
}

// Ties: one winner (the first) gets the whole gradient, and argmax_one_hot marks it.
MT_BACKEND_TEST(functional, max_ties_give_one_winner) {
  Tensor x = Tensor::from_values({1, 3, 3, 3, 2, 3}, {2, 3}, on(backend, DType::f64, true));
  nn::max(x, 1).sum().backward();
  BOOST_TEST(compare(x.grad(), {0, 1, 0, 1, 0, 0}, {2, 3}) == "");
  BOOST_TEST(compare(nn::argmax_one_hot(x, 1), {0, 1, 0, 1, 0, 0}, {2, 3}) == "");
  BOOST_TEST(compare(nn::argmax_one_hot(x, 0), {0, 1, 1, 1, 0, 0}, {2, 3}) == "");
  BOOST_TEST(!nn::argmax_one_hot(x, 1).requires_grad());

  Tensor window = Tensor::from_values({5, 1, 5, 5}, {1, 1, 2, 2}, on(backend, DType::f64, true));
  nn::maxpool2d(window, 2, 2).sum().backward();
  BOOST_TEST(compare(window.grad(), {1, 0, 0, 0}, {1, 1, 2, 2}) == "");
}

// test_softmax: sums to 1 along dims 3 and 1, then a gradient check on dim 2.
MT_BACKEND_PROP(functional, softmax_sums_to_one_and_grad_check) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor t =
      build(uniform_values(16, rng, -100, 100), {1, 1, 4, 4}, random_order(4, rng), on(backend));
  for (const int64_t dim : {3, 1}) {
    const std::vector<double> sums = nn::softmax(t, dim).sum(dim).to_vector();
    for (const double s : sums)
      RC_ASSERT(std::fabs(s - 1.0) < 1e-9);
  }
  const Tensor small =
      build(uniform_values(16, rng, -3, 3), {1, 1, 4, 4}, random_order(4, rng), on(backend));
  const std::string problem = gradient_mismatch(
      [](const std::vector<Tensor>& xs) { return nn::softmax(xs[0], 2); }, {small}, rng, 24);
  rc_require_no_problem(backend, problem);
}

// test_log_softmax: exp(logsoftmax) ≈ softmax, then a gradient check; large
// inputs stay finite (the max is subtracted first).
MT_BACKEND_PROP(functional, logsoftmax_matches_softmax_and_grad_check) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor t =
      build(uniform_values(16, rng, -100, 100), {1, 1, 4, 4}, random_order(4, rng), on(backend));
  RC_ASSERT(allclose(nn::softmax(t, 3), nn::logsoftmax(t, 3).exp()));
  const Tensor small =
      build(uniform_values(16, rng, -3, 3), {1, 1, 4, 4}, random_order(4, rng), on(backend));
  const std::string problem = gradient_mismatch(
      [](const std::vector<Tensor>& xs) { return nn::logsoftmax(xs[0], 2); }, {small}, rng, 24);
  rc_require_no_problem(backend, problem);
}

MT_BACKEND_TEST(functional, logsoftmax_values_and_large_inputs) {
  const std::vector<double> row{1000.0, 1001.0, 1002.0};
  const double lse = 1002.0 + std::log(std::exp(-2.0) + std::exp(-1.0) + 1.0);
  const Tensor x = Tensor::from_values(row, {1, 3}, on(backend));
  BOOST_TEST(compare(nn::logsoftmax(x, 1), {row[0] - lse, row[1] - lse, row[2] - lse}, {1, 3},
                     1e-12) == "");
  const double z = std::exp(-2.0) + std::exp(-1.0) + 1.0;
  BOOST_TEST(compare(nn::softmax(x, 1), {std::exp(-2.0) / z, std::exp(-1.0) / z, 1.0 / z}, {1, 3},
                     1e-12) == "");
}

// logsoftmax is one node with the closed-form backward g − softmax·Σg: it equals the composition
// of recorded primitives (values and gradients for a random upstream gradient), in f32 and
// f64, over each dim, with ±1e4 inputs.
MT_BACKEND_TEST(functional, logsoftmax_node_equals_composition) {
  std::mt19937_64 rng(5);
  std::vector<double> values = uniform_values(24, rng, -3, 3);  // (2, 3, 4)
  values[0] = 1e4;
  values[5] = -1e4;
  values[13] = 1e4;
  values[14] = 1e4;
  const std::vector<double> upstream = uniform_values(24, rng, -2, 2);
  for (const DType dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
    for (const int64_t dim : {0, 1, 2, -1}) {
      Tensor a = Tensor::from_values(values, {2, 3, 4}, on(backend, dtype, true));
      Tensor b = Tensor::from_values(values, {2, 3, 4}, on(backend, dtype, true));
      const Tensor fused = nn::logsoftmax(a, dim);
      const Tensor shifted = b - b.detach().max(dim);
      const Tensor composed = shifted - shifted.exp().sum(dim).log();
      const std::string what = std::string(dtype_name(dtype)) + " dim " + std::to_string(dim);
      BOOST_TEST(std::string(fused.grad_fn()->name()) == "nn::LogSoftmax", what);
      BOOST_TEST(compare(fused, composed.to_vector(), {2, 3, 4}, tol) == "", what);
      const Tensor seed = Tensor::from_values(upstream, {2, 3, 4}, on(backend, dtype));
      fused.backward(seed);
      composed.backward(seed);
      BOOST_TEST(compare(a.grad(), b.grad().to_vector(), {2, 3, 4}, tol) == "", what);
    }
  }
}

// test_drop plus the inverted-dropout contract: rate 0 keeps, rate 1 zeros,
// eval keeps; kept values are scaled by 1/(1 − rate); the kept fraction of a
// large tensor is near 1 − rate; the same seed drops the same elements as on
// the reference backend.
MT_BACKEND_TEST(functional, dropout_rules) {
  std::mt19937_64 rng(2);
  const std::vector<double> v = uniform_values(24, rng, 1, 2);  // never 0
  const Tensor t = build(v, {2, 3, 4}, {1, 2, 0}, on(backend));
  BOOST_TEST(compare(nn::dropout(t, 0.0), v, {2, 3, 4}) == "");
  BOOST_TEST(compare(nn::dropout(t, 1.0), std::vector<double>(24, 0.0), {2, 3, 4}) == "");
  BOOST_TEST(compare(nn::dropout(t, 1.0, false), v, {2, 3, 4}) == "");
  BOOST_TEST(compare(nn::dropout(t, 0.5, false), v, {2, 3, 4}) == "");

  manual_seed(123);
  const double rate = 0.25;
  const Tensor big = ones({100, 100}, on(backend));
  const std::vector<double> out = nn::dropout(big, rate).to_vector();
  std::size_t kept = 0;
  bool values_ok = true;
  for (const double o : out) {
    if (o != 0.0) {
      ++kept;
      values_ok = values_ok && std::fabs(o - 1.0 / (1.0 - rate)) < 1e-12;
    }
  }
  BOOST_TEST(values_ok);
  // 10 000 Bernoulli(0.75) draws: σ ≈ 43, so ±300 is about 7σ.
  BOOST_TEST(std::abs(static_cast<double>(kept) - 7500.0) < 300.0);
  // The mask is drawn on the host: the reference draws the same one.
  manual_seed(123);
  BOOST_TEST(nn::dropout(ones({100, 100}, on(test::reference())), rate).to_vector() == out);
  BOOST_CHECK_THROW(nn::dropout(ones({2}, on(backend)), 1.5), ArgumentError);
  BOOST_CHECK_THROW(nn::dropout(ones({2}, on(backend)), -0.1), ArgumentError);
  BOOST_CHECK_THROW(nn::dropout(ones({2}, on(backend)), std::nan("")), ArgumentError);
}

// The gradient of dropout is the same mask and scale.
MT_BACKEND_TEST(functional, dropout_gradient_is_the_mask) {
  Tensor x = ones({50}, on(backend, DType::f64, true));
  const Tensor y = nn::dropout(x, 0.5);
  y.sum().backward();
  BOOST_TEST(compare(x.grad(), y.detach().to_vector(), {50}) == "");
}
