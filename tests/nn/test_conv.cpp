// test_conv.cpp — MiniTorch's test_conv.py (task4_1, task4_2) plus the v2020
// exact-value cases, once per backend: conv1d/conv2d forward values
// computed by hand, backward values, gradient checks on strided inputs, and
// the shape errors; then torch's form (stride, padding, dilation, bias) against
// hand values and a naive loop, gradient-checked, with its layers. Not a
// benchmark.
#include <boost/test/unit_test.hpp>

#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/layers.hpp>

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

// ==== torch's form: stride, padding, dilation, bias ==============================

namespace {

// One (stride, padding, dilation) per spatial dim for the naive reference.
struct Opt {
  int64_t s, p, d;
};

// torch's definition as loops over host values: input (B, C, H, W) row-major,
// weight (O, C, KH, KW), out[b,o,y,x] = bias[o] + Σ in[b,c,y·s+i·d−p, x·s+j·d−p]·w
// (zero outside). A 1-D case is H = KH = 1 with (1, 0, 1) on that dim.
std::vector<double> naive_conv(const std::vector<double>& in, const Shape& is,
                               const std::vector<double>& w, const Shape& ws,
                               const std::vector<double>& bias, Opt oh, Opt ow, Shape& out_shape) {
  const int64_t B = is[0], C = is[1], H = is[2], W = is[3];
  const int64_t O = ws[0], KH = ws[2], KW = ws[3];
  const int64_t OH = (H + 2 * oh.p - oh.d * (KH - 1) - 1) / oh.s + 1;
  const int64_t OW = (W + 2 * ow.p - ow.d * (KW - 1) - 1) / ow.s + 1;
  out_shape = {B, O, OH, OW};
  std::vector<double> out(static_cast<std::size_t>(B * O * OH * OW));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t y = 0; y < OH; ++y)
        for (int64_t x = 0; x < OW; ++x) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<std::size_t>(o)];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j) {
                const int64_t yy = y * oh.s + i * oh.d - oh.p;
                const int64_t xx = x * ow.s + j * ow.d - ow.p;
                if (yy < 0 || yy >= H || xx < 0 || xx >= W)
                  continue;
                acc += in[static_cast<std::size_t>(((b * C + c) * H + yy) * W + xx)] *
                       w[static_cast<std::size_t>(((o * C + c) * KH + i) * KW + j)];
              }
          out[static_cast<std::size_t>(((b * O + o) * OH + y) * OW + x)] = acc;
        }
  return out;
}

// The combinations every torch-form case runs (stride, padding, dilation).
const std::vector<Opt> kOptionSets{{1, 0, 1}, {1, 1, 1}, {2, 0, 1}, {2, 1, 1},
                                   {1, 0, 2}, {3, 2, 2}, {2, 3, 1}, {1, 2, 3}};

// The message of the mt::Error `call` throws ("" when it throws none).
template <class Call>
std::string error_message(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string describe(Opt o) {
  return "stride " + std::to_string(o.s) + " padding " + std::to_string(o.p) + " dilation " +
         std::to_string(o.d);
}

}  // namespace

// input [0, 1, 2, 3, 4] ⋆ [1, 2, 3], worked out by hand for each option set.
MT_BACKEND_TEST(conv, conv1d_options_hand_values, has_conv) {
  const Tensor input = Tensor::from_values({0, 1, 2, 3, 4}, {1, 1, 5}, on(backend));
  const Tensor weight = Tensor::from_values({1, 2, 3}, {1, 1, 3}, on(backend));
  // Valid: 0+2+6, 1+4+9, 2+6+12.
  BOOST_TEST(compare(nn::conv1d(input, weight, {}), {8, 14, 20}, {1, 1, 3}) == "");
  // Padding 1: [0, 0,1,2,3,4, 0] gives 0+0+3, 8, 14, 20, 3+8+0.
  BOOST_TEST(compare(nn::conv1d(input, weight, {.padding = 1}), {3, 8, 14, 20, 11}, {1, 1, 5}) ==
             "");
  // Stride 2 of the padded result: positions 0, 2, 4.
  BOOST_TEST(compare(nn::conv1d(input, weight, {.stride = 2, .padding = 1}), {3, 14, 11},
                     {1, 1, 3}) == "");
  // Dilation 2: taps 0, 2, 4 -> 0·1 + 2·2 + 4·3.
  BOOST_TEST(compare(nn::conv1d(input, weight, {.dilation = 2}), {16}, {1, 1, 1}) == "");
  // Stride 3, padding 2, dilation 2 over [0,0, 0,1,2,3,4, 0,0]: taps (0,2,4) and
  // (3,5,7): 0+0+2·3 and 1+3·2+0; Lout = floor((5 + 4 − 4 − 1)/3) + 1 = 2.
  BOOST_TEST(compare(nn::conv1d(input, weight, {.stride = 3, .padding = 2, .dilation = 2}), {6, 7},
                     {1, 1, 2}) == "");
  // A bias per output channel.
  const Tensor bias = Tensor::from_values({10}, {1}, on(backend));
  BOOST_TEST(compare(nn::conv1d(input, weight, {.padding = 1}, bias), {13, 18, 24, 30, 21},
                     {1, 1, 5}) == "");
}

// 2-D by hand: a 3x3 input of 1..9 and a 2x2 kernel [[1, 0], [0, 1]] (x[y][x] + x[y+1][x+1]).
MT_BACKEND_TEST(conv, conv2d_options_hand_values, has_conv) {
  const Tensor input = Tensor::from_values({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, on(backend));
  const Tensor weight = Tensor::from_values({1, 0, 0, 1}, {1, 1, 2, 2}, on(backend));
  BOOST_TEST(compare(nn::conv2d(input, weight, {}), {1 + 5, 2 + 6, 4 + 8, 5 + 9}, {1, 1, 2, 2}) ==
             "");
  // Padding 1, stride 2: positions (0,0), (0,2), (2,0), (2,2) of the 5x5
  // padded input; each sums padded[y][x] + padded[y+1][x+1]: 0+1, 0+3, 0+7, 5+9.
  BOOST_TEST(compare(nn::conv2d(input, weight, {.stride = 2, .padding = 1}), {1, 3, 7, 14},
                     {1, 1, 2, 2}) == "");
  // Dilation 2 reaches the corners: 1 + 9; per-dim options (h: dilation 2, w: padding 1).
  BOOST_TEST(compare(nn::conv2d(input, weight, {.dilation = 2}), {10}, {1, 1, 1, 1}) == "");
  const Tensor mixed = nn::conv2d(input, weight, {.padding = {0, 1}, .dilation = {2, 1}});
  // Rows y with taps y, y+2; columns x−1, x: out[0][x] = in[0][x−1] + in[2][x].
  BOOST_TEST(compare(mixed, {0 + 7, 1 + 8, 2 + 9, 3 + 0}, {1, 1, 1, 4}) == "");
}

// Every option set, 1-D and 2-D, with and without bias, on strided inputs,
// against the naive loop.
MT_BACKEND_TEST(conv, conv_options_match_naive_loop, has_conv) {
  std::mt19937_64 rng(2024);
  for (const Opt o : kOptionSets) {
    for (const bool with_bias : {false, true}) {
      const Shape is1{2, 3, 9}, ws1{4, 3, 3};
      const std::vector<double> in1 = uniform_values(54, rng), w1 = uniform_values(36, rng);
      const std::vector<double> b = with_bias ? uniform_values(4, rng) : std::vector<double>{};
      Shape out_shape;
      const std::vector<double> expected1 =
          naive_conv(in1, {2, 3, 1, 9}, w1, {4, 3, 1, 3}, b, {1, 0, 1}, o, out_shape);
      const Tensor bias = with_bias ? Tensor::from_values(b, {4}, on(backend)) : Tensor();
      const Tensor got1 = nn::conv1d(build(in1, is1, reversed_order(3), on(backend)),
                                     build(w1, ws1, {2, 0, 1}, on(backend)),
                                     {.stride = o.s, .padding = o.p, .dilation = o.d}, bias);
      BOOST_TEST(compare(got1, expected1, {2, 4, out_shape[3]}) == "",
                 "conv1d " << describe(o) << " bias " << with_bias);

      const Opt other{1, 1, 1};  // a different option set on the height dim
      const Shape is2{2, 2, 7, 8}, ws2{3, 2, 2, 3};
      const std::vector<double> in2 = uniform_values(224, rng), w2 = uniform_values(36, rng);
      const std::vector<double> b2 = with_bias ? uniform_values(3, rng) : std::vector<double>{};
      const std::vector<double> expected2 = naive_conv(in2, is2, w2, ws2, b2, other, o, out_shape);
      const Tensor bias2 = with_bias ? Tensor::from_values(b2, {3}, on(backend)) : Tensor();
      const Tensor got2 = nn::conv2d(
          build(in2, is2, reversed_order(4), on(backend)),
          build(w2, ws2, {3, 1, 0, 2}, on(backend)),
          {.stride = {other.s, o.s}, .padding = {other.p, o.p}, .dilation = {other.d, o.d}}, bias2);
      BOOST_TEST(compare(got2, expected2, out_shape) == "",
                 "conv2d width " << describe(o) << " bias " << with_bias);
    }
  }
}

// Gradients of input, weight and bias against central differences, for each
// option set (1-D and 2-D, the 2-D one with the option set on both dims).
MT_BACKEND_PROP(conv, conv_options_grad_check, 3, has_conv) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  for (const Opt o : kOptionSets) {
    const Tensor in1 = random_tensor({2, 2, 8}, rng, backend);
    const Tensor w1 = random_tensor({3, 2, 3}, rng, backend);
    const Tensor b1 = random_tensor({3}, rng, backend);
    const nn::Conv1dOptions c1{.stride = o.s, .padding = o.p, .dilation = o.d};
    const std::string p1 = gradient_mismatch(
        [c1](const std::vector<Tensor>& xs) { return nn::conv1d(xs[0], xs[1], c1, xs[2]); },
        {in1, w1, b1}, rng, 6);
    rc_require_no_problem(backend, p1.empty() ? "" : "conv1d " + describe(o) + ": " + p1);

    const Tensor in2 = random_tensor({1, 2, 7, 6}, rng, backend);
    const Tensor w2 = random_tensor({2, 2, 2, 3}, rng, backend);
    const nn::Conv2dOptions c2{.stride = o.s, .padding = o.p, .dilation = o.d};
    const std::string p2 = gradient_mismatch(
        [c2](const std::vector<Tensor>& xs) { return nn::conv2d(xs[0], xs[1], c2); }, {in2, w2},
        rng, 6);
    rc_require_no_problem(backend, p2.empty() ? "" : "conv2d " + describe(o) + ": " + p2);
  }
}

MT_BACKEND_TEST(conv, conv_options_errors, has_conv) {
  const Tensor in = zeros({1, 2, 5}, on(backend));
  const Tensor w = zeros({3, 2, 3}, on(backend));
  const std::string stride = error_message([&] { nn::conv1d(in, w, {.stride = 0}); });
  BOOST_TEST(stride.find("stride 0") != std::string::npos);
  BOOST_TEST(stride.find("stride >= 1") != std::string::npos);
  BOOST_CHECK_THROW(nn::conv1d(in, w, {.padding = -1}), ArgumentError);
  BOOST_CHECK_THROW(nn::conv2d(zeros({1, 2, 5, 5}, on(backend)), zeros({3, 2, 3, 3}, on(backend)),
                               {.dilation = {1, 0}}),
                    ArgumentError);
  // Dilation 3 spans 7 > 5 + 2·0: a ShapeError naming the sizes.
  const std::string span = error_message([&] { nn::conv1d(in, w, {.dilation = 3}); });
  BOOST_TEST(span.find("(1, 2, 5)") != std::string::npos);
  BOOST_TEST(span.find("(7)") != std::string::npos);
  BOOST_CHECK_NO_THROW(nn::conv1d(in, w, {.padding = 1, .dilation = 3}));
  const std::string bias = error_message([&] { nn::conv1d(in, w, {}, zeros({2}, on(backend))); });
  BOOST_TEST(bias.find("bias (2)") != std::string::npos);
  BOOST_CHECK_THROW(nn::conv1d(in, w, {}, zeros({3}, on(backend, DType::f32))), ArgumentError);
  // The rank and channel rules are the same-size conv's.
  BOOST_CHECK_THROW(nn::conv1d(zeros({1, 3, 5}, on(backend)), w, {}), ShapeError);
}

// The torch-form layers: torch's shapes, a (out) bias or none, the same result
// as the functional call; MiniTorch's form keeps its same-size output.
MT_BACKEND_TEST(conv, conv_layers_with_options, has_conv) {
  const TensorOptions options = on(backend);
  const nn::Conv1d c1(3, 4, 5, {.stride = 2, .padding = 2}, options);
  BOOST_TEST(c1.weights().value().shape() == (Shape{4, 3, 5}));
  BOOST_TEST(c1.bias().value().shape() == (Shape{4}));
  BOOST_TEST(c1.bias().value().requires_grad());
  const Tensor x = rand({2, 3, 11}, options);
  const Tensor y = c1(x);
  BOOST_TEST(y.shape() == (Shape{2, 4, 6}));  // floor((11 + 4 − 4 − 1)/2) + 1
  BOOST_TEST(
      compare(y,
              nn::conv1d(x, c1.weights().value(), {.stride = 2, .padding = 2}, c1.bias().value())
                  .to_vector(),
              {2, 4, 6}) == "");
  BOOST_TEST(c1.extra_repr().find("stride=2, padding=2, dilation=1") != std::string::npos);

  const nn::Conv2d c2(1, 6, 5, {.padding = 2}, options, false);
  BOOST_TEST(!c2.has_bias());
  BOOST_TEST(c2.parameters().size() == 1u);
  BOOST_CHECK_THROW(c2.bias(), ArgumentError);
  BOOST_TEST(c2(rand({1, 1, 28, 28}, options)).shape() == (Shape{1, 6, 28, 28}));
  const nn::Conv2d c3(2, 3, {3, 1}, {.stride = {2, 1}, .dilation = {1, 2}}, options);
  BOOST_TEST(c3(rand({1, 2, 9, 4}, options)).shape() == (Shape{1, 3, 4, 4}));
  Tensor loss = c3(rand({1, 2, 9, 4}, options)).sum();
  loss.backward();
  BOOST_TEST(c3.weights().value().grad().defined());
  BOOST_TEST(c3.bias().value().grad().shape() == (Shape{3}));
  BOOST_CHECK_THROW(nn::Conv1d(1, 1, 3, {.stride = 0}, options), ArgumentError);

  // MiniTorch's form is unchanged: same size, (1, out, 1) bias.
  const nn::Conv1d same(3, 4, 5, options);
  BOOST_TEST(!same.conv_options().has_value());
  BOOST_TEST(same(x).shape() == (Shape{2, 4, 11}));
  BOOST_TEST(same.bias().value().shape() == (Shape{1, 4, 1}));
}
