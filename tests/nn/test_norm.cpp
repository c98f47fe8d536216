// test_norm.cpp — BatchNorm1d/2d and LayerNorm on every backend: outputs against host loops
// in training and eval, running statistics, gradients (central differences and by hand),
// buffers, printing and errors. Not a test of training with them.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/norm.hpp>
#include <minitorch/tensor/random.hpp>

#include "nn_testing.hpp"

#include <cmath>

using namespace mt;
using namespace mt::nntest;

namespace {

// Per-channel host statistics of row-major values of shape (N, C, S) (S = spatial size).
struct ChannelStats {
  std::vector<double> mean, biased_var, unbiased_var;
};

ChannelStats host_stats(const std::vector<double>& v, int64_t n, int64_t c, int64_t s) {
  ChannelStats st;
  const double count = static_cast<double>(n * s);
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < s; ++k)
        sum += v[static_cast<std::size_t>((i * c + ch) * s + k)];
    const double mean = sum / count;
    double sq = 0.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < s; ++k) {
        const double d = v[static_cast<std::size_t>((i * c + ch) * s + k)] - mean;
        sq += d * d;
      }
    st.mean.push_back(mean);
    st.biased_var.push_back(sq / count);
    st.unbiased_var.push_back(sq / (count - 1.0));
  }
  return st;
}

// (v − mean_c) / sqrt(var_c + eps) · w_c + b_c for row-major (N, C, S) values.
std::vector<double> host_normalise(const std::vector<double>& v, int64_t n, int64_t c, int64_t s,
                                   const std::vector<double>& mean, const std::vector<double>& var,
                                   const std::vector<double>& w, const std::vector<double>& b,
                                   double eps) {
  std::vector<double> out(v.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < s; ++k) {
        const auto at = static_cast<std::size_t>((i * c + ch) * s + k);
        const auto cc = static_cast<std::size_t>(ch);
        out[at] = (v[at] - mean[cc]) / std::sqrt(var[cc] + eps) * w[cc] + b[cc];
      }
  return out;
}

}  // namespace

MT_BACKEND_TEST(norm, batchnorm1d_training_eval_and_running_stats) {
  std::mt19937_64 rng(21);
  for (const Shape& shape : {Shape{5, 3}, Shape{4, 3, 6}}) {
    const int64_t n = shape[0], c = shape[1], s = shape.size() == 3 ? shape[2] : 1;
    const std::vector<double> v = uniform_values(static_cast<std::size_t>(n * c * s), rng, -2, 3);
    nn::BatchNorm1d bn(3, {.momentum = 0.2}, on(backend));
    // A non-trivial affine transform, so weight and bias are exercised.
    const std::vector<double> w{1.5, -0.5, 2.0}, b{0.1, 0.2, -0.3};
    {
      NoGradGuard no_grad;
      bn.weight().value().copy_(Tensor::from_values(w, {3}, on(backend)));
      bn.bias().value().copy_(Tensor::from_values(b, {3}, on(backend)));
    }
    const Tensor x = build(v, shape, reversed_order(shape.size()), on(backend));
    const ChannelStats st = host_stats(v, n, c, s);
    BOOST_TEST(compare(bn(x), host_normalise(v, n, c, s, st.mean, st.biased_var, w, b, 1e-5), shape,
                       1e-10) == "");
    // running = 0.8 · initial + 0.2 · batch (unbiased variance).
    std::vector<double> rm, rv;
    for (std::size_t ch = 0; ch < 3; ++ch) {
      rm.push_back(0.2 * st.mean[ch]);
      rv.push_back(0.8 + 0.2 * st.unbiased_var[ch]);
    }
    BOOST_TEST(compare(bn.running_mean(), rm, {3}, 1e-12) == "");
    BOOST_TEST(compare(bn.running_var(), rv, {3}, 1e-12) == "");
    BOOST_TEST(compare(bn.buffer("running_var"), rv, {3}, 1e-12) == "");
    // Eval: the running statistics, which no longer change.
    bn.eval();
    BOOST_TEST(compare(bn(x), host_normalise(v, n, c, s, rm, rv, w, b, 1e-5), shape, 1e-10) == "");
    BOOST_TEST(compare(bn.running_mean(), rm, {3}, 1e-12) == "");
    BOOST_TEST(bn.num_batches_tracked().item() == 1.0);
  }
}

MT_BACKEND_TEST(norm, batchnorm_cumulative_average_without_momentum) {
  // momentum = None: after k batches the running stats are the plain mean of the k batches'
  // statistics (torch's cumulative moving average); the initial values get weight 0.
  nn::BatchNorm1d bn(2, {.momentum = std::nullopt}, on(backend));
  const std::vector<std::vector<double>> batches{{1, 2, 3, 6}, {0, -2, 4, 2}, {5, 5, 1, 3}};
  std::vector<double> mean_sum(2, 0.0), var_sum(2, 0.0);
  for (const auto& v : batches) {  // (2, 2): rows are samples
    bn(Tensor::from_values(v, {2, 2}, on(backend)));
    const ChannelStats st = host_stats(v, 2, 2, 1);
    for (std::size_t c = 0; c < 2; ++c) {
      mean_sum[c] += st.mean[c];
      var_sum[c] += st.unbiased_var[c];
    }
  }
  BOOST_TEST(bn.num_batches_tracked().item() == 3.0);
  BOOST_TEST(compare(bn.running_mean(), {mean_sum[0] / 3, mean_sum[1] / 3}, {2}, 1e-12) == "");
  BOOST_TEST(compare(bn.running_var(), {var_sum[0] / 3, var_sum[1] / 3}, {2}, 1e-12) == "");
  BOOST_TEST(bn.to_string() ==
             "BatchNorm1d(2, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
}

MT_BACKEND_TEST(norm, batchnorm2d_values_and_options) {
  std::mt19937_64 rng(22);
  const Shape shape{2, 3, 2, 3};
  const std::vector<double> v = uniform_values(36, rng, -1, 1);
  const ChannelStats st = host_stats(v, 2, 3, 6);
  const std::vector<double> one(3, 1.0), zero(3, 0.0);
  nn::BatchNorm2d bn(3, {.eps = 1e-3, .affine = false, .track_running_stats = false}, on(backend));
  BOOST_TEST(bn.named_parameters().empty());
  BOOST_TEST(bn.named_buffers().empty());
  const Tensor x = build(v, shape, {2, 0, 3, 1}, on(backend));
  const std::vector<double> expected =
      host_normalise(v, 2, 3, 6, st.mean, st.biased_var, one, zero, 1e-3);
  BOOST_TEST(compare(bn(x), expected, shape, 1e-10) == "");
  // Without running statistics, eval still normalises with the batch's.
  bn.eval();
  BOOST_TEST(compare(bn(x), expected, shape, 1e-10) == "");
  BOOST_CHECK_THROW(bn.weight(), ArgumentError);
  BOOST_CHECK_THROW(bn.running_mean(), ArgumentError);
  BOOST_TEST(bn.to_string() ==
             "BatchNorm2d(3, eps=0.001, momentum=0.1, affine=False, track_running_stats=False)");
  BOOST_TEST(nn::BatchNorm1d(4).to_string() ==
             "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
}

MT_BACKEND_TEST(norm, batchnorm_state_and_errors) {
  nn::BatchNorm2d bn(2, {}, on(backend));
  // torch's names, so state dicts interchange.
  BOOST_TEST(bn.state_dict().keys() ==
             (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                       "num_batches_tracked"}));
  BOOST_TEST(bn.num_batches_tracked().shape().empty());
  bn.to(DType::f32);
  BOOST_TEST((bn.running_var().dtype() == DType::f32));
  BOOST_TEST(bn(ones({2, 2, 2, 2}, on(backend, DType::f32))).shape() == (Shape{2, 2, 2, 2}));
  bn.to(DType::f64);
  try {
    bn(zeros({2, 3, 2, 2}, on(backend)));
    BOOST_FAIL("a wrong channel count must throw");
  } catch (const ShapeError& e) {
    BOOST_TEST(std::string(e.what()).find("(2, 3, 2, 2)") != std::string::npos, e.what());
  }
  BOOST_CHECK_THROW(bn(zeros({2, 2, 2}, on(backend))), ShapeError);
  BOOST_CHECK_THROW(nn::BatchNorm1d(2, {}, on(backend))(zeros({2, 2, 2, 2}, on(backend))),
                    ShapeError);
  // One value per channel cannot be normalised in training (torch's rule); eval can.
  nn::BatchNorm1d single(2, {}, on(backend));
  BOOST_CHECK_THROW(single(zeros({1, 2}, on(backend))), ShapeError);
  single.eval();
  BOOST_TEST(single(zeros({1, 2}, on(backend))).shape() == (Shape{1, 2}));
  BOOST_CHECK_THROW(nn::BatchNorm1d(0), ArgumentError);
  BOOST_CHECK_THROW(nn::BatchNorm1d(2, {.eps = 0.0}), ArgumentError);
  BOOST_CHECK_THROW(nn::BatchNorm1d(2, {.momentum = 1.5}), ArgumentError);
}

MT_BACKEND_TEST(norm, batchnorm_parameter_gradients) {
  // L = Σ g·y with y = x̂·w + b: dL/db_c = Σ g over the channel, dL/dw_c = Σ g·x̂.
  std::mt19937_64 rng(23);
  const std::vector<double> v = uniform_values(12, rng, -1, 1);  // (4, 3)
  const std::vector<double> g = uniform_values(12, rng, -1, 1);
  nn::BatchNorm1d bn(3, {}, on(backend));
  const Tensor y = bn(Tensor::from_values(v, {4, 3}, on(backend)));
  y.backward(Tensor::from_values(g, {4, 3}, on(backend)));
  const ChannelStats st = host_stats(v, 4, 3, 1);
  std::vector<double> db(3, 0.0), dw(3, 0.0);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t c = 0; c < 3; ++c) {
      const double xhat = (v[i * 3 + c] - st.mean[c]) / std::sqrt(st.biased_var[c] + 1e-5);
      db[c] += g[i * 3 + c];
      dw[c] += g[i * 3 + c] * xhat;
    }
  BOOST_TEST(compare(bn.bias().value().grad(), db, {3}, 1e-10) == "");
  BOOST_TEST(compare(bn.weight().value().grad(), dw, {3}, 1e-10) == "");
}

MT_BACKEND_PROP(norm, batchnorm_and_layernorm_input_grad_check, 20) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const auto n = *rc::gen::inRange<int64_t>(2, 4);
  const auto c = *rc::gen::inRange<int64_t>(1, 4);
  const auto s = *rc::gen::inRange<int64_t>(1, 4);
  const Shape shape{n, c, s};
  const Tensor x = build(uniform_values(static_cast<std::size_t>(n * c * s), rng, -2, 2), shape,
                         random_order(3, rng), on(backend));
  nn::BatchNorm1d bn(c, {}, on(backend));
  rc_require_no_problem(
      backend,
      gradient_mismatch([&](const std::vector<Tensor>& xs) { return bn(xs[0]); }, {x}, rng, 8));
  nn::BatchNorm2d bn2(c, {}, on(backend));
  rc_require_no_problem(backend, gradient_mismatch(
                                     [&](const std::vector<Tensor>& xs) {
                                       return bn2(xs[0].reshape({n, c, s, 1}));
                                     },
                                     {x}, rng, 8));
  nn::LayerNorm ln({c, s}, {}, on(backend));
  rc_require_no_problem(
      backend,
      gradient_mismatch([&](const std::vector<Tensor>& xs) { return ln(xs[0]); }, {x}, rng, 8));
}

MT_BACKEND_TEST(norm, layernorm_values_gradients_and_errors) {
  std::mt19937_64 rng(24);
  const std::vector<double> v = uniform_values(24, rng, -3, 3);  // (2, 3, 4), normalise (3, 4)
  const std::vector<double> w = uniform_values(12, rng, 0.5, 1.5);
  const std::vector<double> b = uniform_values(12, rng, -1, 1);
  nn::LayerNorm ln({3, 4}, {.eps = 1e-4}, on(backend));
  {
    NoGradGuard no_grad;
    ln.weight().value().copy_(Tensor::from_values(w, {3, 4}, on(backend)));
    ln.bias().value().copy_(Tensor::from_values(b, {3, 4}, on(backend)));
  }
  std::vector<double> expected, xhat;
  for (std::size_t row = 0; row < 2; ++row) {
    double mean = 0.0, var = 0.0;
    for (std::size_t k = 0; k < 12; ++k)
      mean += v[row * 12 + k] / 12.0;
    for (std::size_t k = 0; k < 12; ++k)
      var += (v[row * 12 + k] - mean) * (v[row * 12 + k] - mean) / 12.0;
    for (std::size_t k = 0; k < 12; ++k) {
      xhat.push_back((v[row * 12 + k] - mean) / std::sqrt(var + 1e-4));
      expected.push_back(xhat.back() * w[k] + b[k]);
    }
  }
  const Tensor x = build(v, {2, 3, 4}, {2, 1, 0}, on(backend));
  const Tensor y = ln(x);
  BOOST_TEST(compare(y, expected, {2, 3, 4}, 1e-10) == "");
  ln.eval();  // the same in eval mode
  BOOST_TEST(compare(ln(x), expected, {2, 3, 4}, 1e-10) == "");
  // dL/db = Σ_rows g, dL/dw = Σ_rows g·x̂ for L = Σ y.
  y.sum().backward();
  std::vector<double> dw(12, 0.0);
  for (std::size_t row = 0; row < 2; ++row)
    for (std::size_t k = 0; k < 12; ++k)
      dw[k] += xhat[row * 12 + k];
  BOOST_TEST(compare(ln.bias().value().grad(), std::vector<double>(12, 2.0), {3, 4}, 1e-12) == "");
  BOOST_TEST(compare(ln.weight().value().grad(), dw, {3, 4}, 1e-10) == "");

  BOOST_TEST(ln.to_string() == "LayerNorm((3, 4), eps=0.0001, elementwise_affine=True)");
  BOOST_TEST(nn::LayerNorm({5}).to_string() ==
             "LayerNorm((5,), eps=1e-05, elementwise_affine=True)");
  nn::LayerNorm plain({4}, {.elementwise_affine = false}, on(backend));
  BOOST_TEST(plain.named_parameters().empty());
  BOOST_CHECK_THROW(plain.weight(), ArgumentError);
  try {
    ln(zeros({2, 4, 3}, on(backend)));
    BOOST_FAIL("a wrong trailing shape must throw");
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    BOOST_TEST(
        (what.find("(2, 4, 3)") != std::string::npos && what.find("(3, 4)") != std::string::npos),
        what);
  }
  BOOST_CHECK_THROW(ln(zeros({4}, on(backend))), ShapeError);
  BOOST_CHECK_THROW(nn::LayerNorm(Shape{}), ArgumentError);
  BOOST_CHECK_THROW(nn::LayerNorm({0}), ArgumentError);
  BOOST_CHECK_THROW(nn::LayerNorm({2}, {.eps = -1.0}), ArgumentError);
}
