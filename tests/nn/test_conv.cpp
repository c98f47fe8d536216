// test_conv.cpp — MiniTorch's test_conv.py (task4_1, task4_2) plus the v2020
// exact-value cases, once per backend: conv1d/conv2d forward values
// computed by hand, backward values, gradient checks on strided inputs, and
// the shape errors. Not a benchmark.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/functional.hpp>

#include "nn_testing.hpp"

#include <algorithm>

using namespace mt;
using namespace mt::nntest;

namespace {

// Random values in [-1, 1) with a random layout.
Tensor random_tensor(const Shape& shape, std::mt19937_64& rng, const BackendPtr& backend) {
  return build(uniform_values(static_cast<std::size_t>(shape_size(shape)), rng), shape,
               random_order(shape.size(), rng), on(backend));
}

// What every case here needs; conv_forward_matches_direct_sum also needs f32.
const test::BackendRequirement has_conv = needs({MT_FAMILY_CONV1D, MT_FAMILY_CONV2D});

// Gradient check of conv1d/conv2d on random inputs of the given shapes, on
// the backend under test; a rapidcheck property draws the seed.
void conv_grad_property(const BackendPtr& backend, const Shape& input_shape,
                        const Shape& weight_shape, std::size_t max_indices) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Tensor input = random_tensor(input_shape, rng, backend);
  const Tensor weight = random_tensor(weight_shape, rng, backend);
  const TensorFn f = [](const std::vector<Tensor>& xs) {
    return xs[0].dims() == 3 ? nn::conv1d(xs[0], xs[1]) : nn::conv2d(xs[0], xs[1]);
  };
  rc_require_no_problem(backend, gradient_mismatch(f, {input, weight}, rng, max_indices));
}

}  // namespace

// [0,1,2,3] ⋆ [1,2,3] anchored left, zero past the end.
MT_BACKEND_TEST(conv, conv1d_simple, has_conv) {
  const Tensor input = Tensor::from_values({0, 1, 2, 3}, {1, 1, 4}, on(backend));
  const Tensor weight = Tensor::from_values({1, 2, 3}, {1, 1, 3}, on(backend));
  const Tensor out = nn::conv1d(input, weight);
  const std::vector<double> expected{0 * 1 + 1 * 2 + 2 * 3, 1 * 1 + 2 * 2 + 3 * 3, 2 * 1 + 3 * 2,
                                     3 * 1};
  BOOST_TEST(expected == (std::vector<double>{8, 14, 8, 3}));
  BOOST_TEST(compare(out, expected, {1, 1, 4}) == "");
}

// v2020 test_conv1d_simple_backward: the input gradient is the reversed
// convolution, the weight gradient the correlation of input and gradient.
MT_BACKEND_TEST(conv, conv1d_simple_backward, has_conv) {
  const std::vector<double> in{0, 1, 2, 3};
  const std::vector<double> w{1, 2, 3};
  const std::vector<double> g{0, 1, 2, 3};
  Tensor input = Tensor::from_values(in, {1, 1, 4}, on(backend, DType::f64, true));
  Tensor weight = Tensor::from_values(w, {1, 1, 3}, on(backend, DType::f64, true));
  nn::conv1d(input, weight).backward(Tensor::from_values(g, {1, 1, 4}, on(backend)));
  const std::vector<double> expected_input{w[0] * g[0], w[0] * g[1] + w[1] * g[0],
                                           w[0] * g[2] + w[1] * g[1] + w[2] * g[0],
                                           w[0] * g[3] + w[1] * g[2] + w[2] * g[1]};
  // gw[k] = Σ_t in[t+k]·g[t] over t+k < 4.
  const std::vector<double> expected_weight{
      in[0] * g[0] + in[1] * g[1] + in[2] * g[2] + in[3] * g[3],
      in[1] * g[0] + in[2] * g[1] + in[3] * g[2], in[2] * g[0] + in[3] * g[1]};
  BOOST_TEST(compare(input.grad(), expected_input, {1, 1, 4}) == "");
  BOOST_TEST(compare(weight.grad(), expected_weight, {1, 1, 3}) == "");
}

// v2020 test_conv1d_in_channel: two identical input channels with identical
// weights give twice the one-channel output.
MT_BACKEND_TEST(conv, conv1d_in_channel, has_conv) {
  const Tensor one = nn::conv1d(Tensor::from_values({0, 1, 2, 3}, {1, 1, 4}, on(backend)),
                                Tensor::from_values({1, 2, 3}, {1, 1, 3}, on(backend)));
  const Tensor two =
      nn::conv1d(Tensor::from_values({0, 1, 2, 3, 0, 1, 2, 3}, {1, 2, 4}, on(backend)),
                 Tensor::from_values({1, 2, 3, 1, 2, 3}, {1, 2, 3}, on(backend)));
  std::vector<double> doubled = one.to_vector();
  for (double& v : doubled)
    v *= 2.0;
  BOOST_TEST(compare(two, doubled, {1, 1, 4}) == "");
}

// Several batches and channels against a direct loop over the formula, in
// f32 and f64, with a reversed (non-contiguous) input layout.
MT_BACKEND_TEST(conv, conv_forward_matches_direct_sum,
                needs({MT_FAMILY_CONV1D, MT_FAMILY_CONV2D}, {DType::f32, DType::f64})) {
  std::mt19937_64 rng(7);
  const int64_t B = 2, Cin = 3, Cout = 2, H = 5, W = 6, KH = 2, KW = 3;
  const std::vector<double> in = uniform_values(B * Cin * H * W, rng);
  const std::vector<double> w = uniform_values(Cout * Cin * KH * KW, rng);
  std::vector<double> expected(B * Cout * H * W, 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < Cout; ++o)
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) {
          double sum = 0.0;
          for (int64_t c = 0; c < Cin; ++c)
            for (int64_t ki = 0; ki < KH; ++ki)
              for (int64_t kj = 0; kj < KW; ++kj)
                if (i + ki < H && j + kj < W)
                  sum += in[((b * Cin + c) * H + i + ki) * W + j + kj] *
                         w[((o * Cin + c) * KH + ki) * KW + kj];
          expected[((b * Cout + o) * H + i) * W + j] = sum;
        }
  for (const DType dtype : {DType::f32, DType::f64}) {
    BOOST_TEST_CONTEXT(dtype_name(dtype)) {
      const Tensor input = build(in, {B, Cin, H, W}, reversed_order(4), on(backend, dtype));
      const Tensor weight = Tensor::from_values(w, {Cout, Cin, KH, KW}, on(backend, dtype));
      BOOST_TEST(!input.is_contiguous());
      const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
      BOOST_TEST(compare(nn::conv2d(input, weight), expected, {B, Cout, H, W}, tol) == "");
    }
  }
}

// test_conv2: 4×4 input whose rows are [0,1,2,3], 2×2 kernel of ones.
MT_BACKEND_TEST(conv, conv2_values_and_grad_check, has_conv) {
  std::vector<double> rows;
  for (int r = 0; r < 4; ++r)
    rows.insert(rows.end(), {0, 1, 2, 3});
  Tensor input = Tensor::from_values(rows, {1, 1, 4, 4}, on(backend, DType::f64, true));
  Tensor weight = Tensor::from_values({1, 1, 1, 1}, {1, 1, 2, 2}, on(backend, DType::f64, true));
  const Tensor out = nn::conv2d(input, weight);
  // Rows 0–2 see two input rows, row 3 only one; column j sums
  // columns j and j+1 (j+1 < 4).
  const std::vector<double> two_rows{2 * (0 + 1), 2 * (1 + 2), 2 * (2 + 3), 2 * 3};
  const std::vector<double> one_row{0 + 1, 1 + 2, 2 + 3, 3};
  std::vector<double> expected;
  for (int r = 0; r < 3; ++r)
    expected.insert(expected.end(), two_rows.begin(), two_rows.end());
  expected.insert(expected.end(), one_row.begin(), one_row.end());
  BOOST_TEST(compare(out, expected, {1, 1, 4, 4}) == "");

  out.sum().backward();
  // d/d in[i,j] = number of (ki, kj) with i−ki >= 0 and j−kj >= 0.
  std::vector<double> expected_input;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      expected_input.push_back((i >= 1 ? 2.0 : 1.0) * (j >= 1 ? 2.0 : 1.0));
  // d/d w[ki,kj] = Σ in[i+ki, j+kj] over the in-range cells.
  std::vector<double> expected_weight;
  for (int ki = 0; ki < 2; ++ki)
    for (int kj = 0; kj < 2; ++kj) {
      double sum = 0.0;
      for (int i = 0; i + ki < 4; ++i)
        for (int j = 0; j + kj < 4; ++j)
          sum += rows[static_cast<std::size_t>((i + ki) * 4 + j + kj)];
      expected_weight.push_back(sum);
    }
  BOOST_TEST(expected_weight == (std::vector<double>{24, 24, 18, 18}));
  BOOST_TEST(compare(input.grad(), expected_input, {1, 1, 4, 4}) == "");
  BOOST_TEST(compare(weight.grad(), expected_weight, {1, 1, 2, 2}) == "");

  std::mt19937_64 rng(3);
  BOOST_TEST(
      gradient_mismatch([](const std::vector<Tensor>& xs) { return nn::conv2d(xs[0], xs[1]); },
                        {input.detach(), weight.detach()}, rng, 24) == "");
}

// Conv1d/Conv2d output shapes for unequal channel counts and kernels wider
// than the input (every term past the edge is zero).
MT_BACKEND_TEST(conv, conv_shapes_and_wide_kernel, has_conv) {
  const Tensor out = nn::conv1d(ones({3, 2, 5}, on(backend)), ones({4, 2, 7}, on(backend)));
  BOOST_TEST(out.shape() == (Shape{3, 4, 5}));
  // out[t] = Σ_c Σ_k 1 over t+k < 5: 2·(5 − t).
  BOOST_TEST(compare(out.narrow(0, 0, 1).narrow(1, 0, 1), {10, 8, 6, 4, 2}, {1, 1, 5}) == "");
  BOOST_TEST(nn::conv2d(ones({2, 3, 4, 5}, on(backend)), ones({6, 3, 2, 2}, on(backend))).shape() ==
             (Shape{2, 6, 4, 5}));
}

MT_BACKEND_TEST(conv, conv_shape_errors_name_both_shapes, has_conv) {
  const auto message_of = [](auto&& call) {
    try {
      call();
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no ShapeError");
  };
  const std::string channels = message_of([&] {
    nn::conv1d(zeros({1, 2, 5}, on(backend)), zeros({1, 3, 2}, on(backend)));
  });
  BOOST_TEST(channels.find("(1, 2, 5)") != std::string::npos);
  BOOST_TEST(channels.find("(1, 3, 2)") != std::string::npos);
  BOOST_TEST(channels.find("channels") != std::string::npos);
  const std::string rank = message_of([&] {
    nn::conv2d(zeros({1, 2, 5}, on(backend)), zeros({1, 2, 2, 2}, on(backend)));
  });
  BOOST_TEST(rank.find("(1, 2, 5)") != std::string::npos);
  BOOST_TEST(rank.find("(1, 2, 2, 2)") != std::string::npos);
  BOOST_CHECK_THROW(nn::conv1d(zeros({2, 5}, on(backend)), zeros({1, 2, 2}, on(backend))),
                    ShapeError);
  BOOST_CHECK_THROW(nn::conv1d(zeros({1, 2, 5}, on(backend, DType::f32)),
                               zeros({1, 2, 2}, on(backend, DType::f64))),
                    ArgumentError);
}

// MiniTorch's grad checks: test_conv1d, test_conv1d_channel, test_conv,
// test_conv_batch, test_conv_channel (random values and layouts).
MT_BACKEND_PROP(conv, conv1d_grad_check, 0, has_conv) {
  conv_grad_property(backend, {1, 1, 6}, {1, 1, 4}, 24);
}
MT_BACKEND_PROP(conv, conv1d_channel_grad_check, 0, has_conv) {
  conv_grad_property(backend, {2, 2, 6}, {3, 2, 2}, 8);
}
MT_BACKEND_PROP(conv, conv2d_grad_check, 0, has_conv) {
  conv_grad_property(backend, {1, 1, 6, 6}, {1, 1, 2, 4}, 8);
}
MT_BACKEND_PROP(conv, conv2d_batch_grad_check, 0, has_conv) {
  conv_grad_property(backend, {2, 1, 6, 6}, {1, 1, 2, 4}, 8);
}
MT_BACKEND_PROP(conv, conv2d_channel_grad_check, 0, has_conv) {
  conv_grad_property(backend, {2, 2, 6, 6}, {3, 2, 2, 4}, 8);
}
