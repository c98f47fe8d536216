// test_reference.cpp — pins the reference backend (the oracle) to hand-computed
// values and to independently written per-element enumeration, so that the
// conformance kit's "expected" is itself checked. Not a cross-backend test:
// everything here runs on the reference plugin only (the kit runs the
// conformance cases on every backend).

#define BOOST_TEST_MODULE reference
#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include <minitorch/plugin/backend.hpp>
#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace {

using Shape = std::vector<int64_t>;
constexpr double kInf = std::numeric_limits<double>::infinity();

mt::Backend& reference() {
  static const mt::BackendPtr backend = mt::BackendRegistry::global().get("reference");
  return *backend;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

int64_t count(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

// A buffer on the reference backend with a view onto it (f64 unless told).
class Tensor {
 public:
  Tensor(const std::vector<double>& storage, Shape shape, Shape strides, int64_t offset = 0,
         mt::DType dtype = mt::DType::f64)
      : dtype_(dtype),
        storage_(storage.size()),
        shape_(std::move(shape)),
        strides_(std::move(strides)),
        offset_(offset) {
    buffer_ = reference().allocate(std::max<std::size_t>(storage_, 1) * mt::dtype_size(dtype));
    upload(storage);
  }
  // Contiguous, from row-major values.
  static Tensor of(const std::vector<double>& values, const Shape& shape,
                   mt::DType dtype = mt::DType::f64) {
    return Tensor(values, shape, contiguous_strides(shape), 0, dtype);
  }
  static Tensor zeros(const Shape& shape, mt::DType dtype = mt::DType::f64) {
    return of(std::vector<double>(static_cast<std::size_t>(count(shape)), 0.0), shape, dtype);
  }
  Tensor(Tensor&& other) noexcept
      : dtype_(other.dtype_),
        storage_(other.storage_),
        buffer_(std::exchange(other.buffer_, nullptr)),
        shape_(std::move(other.shape_)),
        strides_(std::move(other.strides_)),
        offset_(other.offset_) {}
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor() { reference().release(buffer_); }

  mt_view view() const { return mt::make_view(buffer_, dtype_, shape_, strides_, offset_); }

  // The whole buffer, as doubles.
  std::vector<double> storage() const {
    std::vector<double> out(storage_);
    if (dtype_ == mt::DType::f64) {
      reference().copy_to_host(out.data(), buffer_, 0, storage_ * sizeof(double));
    } else {
      std::vector<float> f(storage_);
      reference().copy_to_host(f.data(), buffer_, 0, storage_ * sizeof(float));
      std::copy(f.begin(), f.end(), out.begin());
    }
    return out;
  }

  // Elements in row-major order of the view (enumerated by hand here).
  std::vector<double> values() const {
    const auto all = storage();
    std::vector<double> out;
    const int64_t n = count(shape_);
    for (int64_t e = 0; e < n; ++e) {
      int64_t rest = e, pos = offset_;
      for (std::size_t d = shape_.size(); d-- > 0;) {
        pos += (rest % shape_[d]) * strides_[d];
        rest /= shape_[d];
      }
      out.push_back(all[static_cast<std::size_t>(pos)]);
    }
    return out;
  }

 private:
  void upload(const std::vector<double>& values) {
    if (values.empty())
      return;
    if (dtype_ == mt::DType::f64) {
      reference().copy_from_host(buffer_, 0, values.data(), values.size() * sizeof(double));
    } else {
      const std::vector<float> f(values.begin(), values.end());
      reference().copy_from_host(buffer_, 0, f.data(), f.size() * sizeof(float));
    }
  }

  mt::DType dtype_;
  std::size_t storage_;
  void* buffer_ = nullptr;
  Shape shape_, strides_;
  int64_t offset_;
};

std::vector<double> iota(int64_t n, double start = 0) {
  std::vector<double> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

// A deterministic pseudo-random vector in [-1, 1] (the test's own LCG).
std::vector<double> wiggle(int64_t n, uint32_t seed) {
  std::vector<double> v(static_cast<std::size_t>(n));
  uint32_t s = seed;
  for (double& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<double>(s >> 8) / static_cast<double>(1u << 24) * 2.0 - 1.0;
  }
  return v;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want,
                 double tol = 1e-12) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    BOOST_TEST(std::fabs(got[i] - want[i]) <= tol * std::max(1.0, std::fabs(want[i])),
               "element " << i << ": got " << got[i] << ", want " << want[i]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reference_semantics)

BOOST_AUTO_TEST_CASE(reports_itself_usable_on_the_cpu) {
  BOOST_TEST(reference().usable());
  BOOST_TEST(reference().host_accessible());
  BOOST_TEST(reference().supports(MT_FAMILY_CONV2D, 0, mt::DType::f32));
  BOOST_TEST(!reference().supports(MT_FAMILY_MAP, MT_MAP_OP_COUNT, mt::DType::f64));
  BOOST_TEST(!reference().supports(MT_FAMILY_MATMUL, 1, mt::DType::f64));
}

// MiniTorch's test_conv1d_simple.
BOOST_AUTO_TEST_CASE(conv1d_simple) {
  const auto in = Tensor::of({0, 1, 2, 3}, {1, 1, 4});
  const auto w = Tensor::of({1, 2, 3}, {1, 1, 3});
  auto out = Tensor::zeros({1, 1, 4});
  reference().conv1d(out.view(), in.view(), w.view(), false);
  check_close(out.values(), {8, 14, 8, 3}, 0);
}

// The guide's unroll example: input 1..6, w = [5, 2, 3].
BOOST_AUTO_TEST_CASE(conv1d_guide_example) {
  const auto in = Tensor::of({1, 2, 3, 4, 5, 6}, {1, 1, 6});
  const auto w = Tensor::of({5, 2, 3}, {1, 1, 3});
  auto out = Tensor::zeros({1, 1, 6});
  reference().conv1d(out.view(), in.view(), w.view(), false);
  check_close(out.values(), {18, 28, 38, 48, 37, 30}, 0);
}

// MiniTorch's v2020 test_conv1d_simple_backward: the reverse form is the
// input gradient, gi[t] = Σ_k g[t-k] w[k].
BOOST_AUTO_TEST_CASE(conv1d_reverse_simple) {
  const auto g = Tensor::of({0, 1, 2, 3}, {1, 1, 4});
  const auto w = Tensor::of({1, 2, 3}, {1, 1, 3});
  auto out = Tensor::zeros({1, 1, 4});
  reference().conv1d(out.view(), g.view(), w.view(), true);
  // w0·g0, w0·g1 + w1·g0, w0·g2 + w1·g1 + w2·g0, w0·g3 + w1·g2 + w2·g1
  check_close(out.values(), {0, 1, 4, 10}, 0);
}

// Multi-channel conv1d, both directions, against the formula written out here.
BOOST_AUTO_TEST_CASE(conv1d_multichannel_matches_formula) {
  const int64_t B = 2, Cin = 3, Cout = 2, W = 7, K = 3;
  const auto x = wiggle(B * Cin * W, 1), k = wiggle(Cout * Cin * K, 2);
  const auto in = Tensor::of(x, {B, Cin, W});
  const auto w = Tensor::of(k, {Cout, Cin, K});
  for (const bool reverse : {false, true}) {
    auto out = Tensor::zeros({B, Cout, W});
    reference().conv1d(out.view(), in.view(), w.view(), reverse);
    std::vector<double> want;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t o = 0; o < Cout; ++o)
        for (int64_t t = 0; t < W; ++t) {
          double sum = 0;
          for (int64_t c = 0; c < Cin; ++c)
            for (int64_t j = 0; j < K; ++j) {
              const int64_t s = reverse ? t - j : t + j;
              if (s >= 0 && s < W)
                sum += x[static_cast<std::size_t>((b * Cin + c) * W + s)] *
                       k[static_cast<std::size_t>((o * Cin + c) * K + j)];
            }
          want.push_back(sum);
        }
    BOOST_TEST_CONTEXT("reverse = " << reverse) {
      check_close(out.values(), want);
    }
  }
}

// MiniTorch's test_conv2: rows [0, 1, 2, 3] and a 2x2 kernel of ones.
BOOST_AUTO_TEST_CASE(conv2d_rows_and_ones) {
  std::vector<double> x;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      x.push_back(j);
  const auto in = Tensor::of(x, {1, 1, 4, 4});
  const auto w = Tensor::of({1, 1, 1, 1}, {1, 1, 2, 2});
  auto out = Tensor::zeros({1, 1, 4, 4});
  reference().conv2d(out.view(), in.view(), w.view(), false);
  // Window sums with zero padding past the bottom and right edges.
  check_close(out.values(), {2, 6, 10, 6, 2, 6, 10, 6, 2, 6, 10, 6, 1, 3, 5, 3}, 0);
}

BOOST_AUTO_TEST_CASE(conv2d_matches_hand_loops) {
  const int64_t B = 2, Cin = 2, Cout = 3, H = 4, W = 5, KH = 2, KW = 3;
  const auto x = wiggle(B * Cin * H * W, 3), k = wiggle(Cout * Cin * KH * KW, 4);
  const auto in = Tensor::of(x, {B, Cin, H, W});
  const auto w = Tensor::of(k, {Cout, Cin, KH, KW});
  for (const bool reverse : {false, true}) {
    auto out = Tensor::zeros({B, Cout, H, W});
    reference().conv2d(out.view(), in.view(), w.view(), reverse);
    std::vector<double> want;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t o = 0; o < Cout; ++o)
        for (int64_t i = 0; i < H; ++i)
          for (int64_t j = 0; j < W; ++j) {
            double sum = 0;
            for (int64_t c = 0; c < Cin; ++c)
              for (int64_t di = 0; di < KH; ++di)
                for (int64_t dj = 0; dj < KW; ++dj) {
                  const int64_t si = reverse ? i - di : i + di;
                  const int64_t sj = reverse ? j - dj : j + dj;
                  if (si < 0 || si >= H || sj < 0 || sj >= W)
                    continue;
                  sum += x[static_cast<std::size_t>(((b * Cin + c) * H + si) * W + sj)] *
                         k[static_cast<std::size_t>(((o * Cin + c) * KH + di) * KW + dj)];
                }
            want.push_back(sum);
          }
    BOOST_TEST_CONTEXT("reverse = " << reverse) {
      check_close(out.values(), want);
    }
  }
}

BOOST_AUTO_TEST_CASE(conv_rejects_mismatched_channels) {
  const auto in = Tensor::of(iota(10), {1, 2, 5});
  const auto w = Tensor::of(iota(6), {1, 3, 2});  // Cin 3 vs 2
  auto out = Tensor::zeros({1, 1, 5});
  try {
    reference().conv1d(out.view(), in.view(), w.view(), false);
    BOOST_ERROR("conv1d accepted in (1, 2, 5) with weight (1, 3, 2)");
  } catch (const mt::BackendError& e) {
    const std::string message = e.what();
    BOOST_TEST(message.find("MT_ERR_INVALID_ARG") != std::string::npos, message);
    BOOST_TEST(message.find("input channels") != std::string::npos, message);
  }
}

// 1 followed by 2^20 - 1 terms of 2^-24: summed in f32 one term at a time,
// every 2^-24 is lost (1 + 2^-24 rounds back to 1), so the result would be
// 1. The reference accumulates in f64 and rounds once: 1 + 2^-4 - 2^-24,
// which is 1.0625 in f32. The same for matmul's and conv's dot products.
BOOST_AUTO_TEST_CASE(f32_sums_and_dot_products_accumulate_in_f64) {
  constexpr int64_t n = int64_t{1} << 20;
  std::vector<double> terms(static_cast<std::size_t>(n), 0x1p-24);
  terms[0] = 1.0;
  const double exact = 1.0 + static_cast<double>(n - 1) * 0x1p-24;
  const double want = static_cast<double>(static_cast<float>(exact));
  BOOST_TEST(want == 1.0625);

  const auto x = Tensor::of(terms, {1, n}, mt::DType::f32);
  auto sum = Tensor::zeros({1, 1}, mt::DType::f32);
  reference().reduce(MT_REDUCE_SUM, sum.view(), x.view(), 1);
  BOOST_TEST(sum.values()[0] == want);

  const auto a = Tensor::of(terms, {1, 1, n}, mt::DType::f32);
  const auto ones =
      Tensor::of(std::vector<double>(static_cast<std::size_t>(n), 1.0), {1, n, 1}, mt::DType::f32);
  auto dot = Tensor::zeros({1, 1, 1}, mt::DType::f32);
  reference().matmul(dot.view(), a.view(), ones.view());
  BOOST_TEST(dot.values()[0] == want);

  const auto kernel =
      Tensor::of(std::vector<double>(static_cast<std::size_t>(n), 1.0), {1, 1, n}, mt::DType::f32);
  auto conv = Tensor::zeros({1, 1, 1}, mt::DType::f32);
  reference().conv1d(conv.view(), a.view(), kernel.view(), false);
  BOOST_TEST(conv.values()[0] == want);
}

BOOST_AUTO_TEST_CASE(matmul_by_hand) {
  const auto a = Tensor::of({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  const auto b = Tensor::of({1, 0, -1, 2, 2, 1, 0, -1, 0, 3, 1, 1}, {1, 3, 4});
  auto out = Tensor::zeros({1, 2, 4});
  reference().matmul(out.view(), a.view(), b.view());
  check_close(out.values(), {5, 11, 2, 3, 14, 23, 2, 9}, 0);
}

BOOST_AUTO_TEST_CASE(matmul_batch_stride_zero_and_empty_inner) {
  // a broadcast over 2 batches (stride 0), b differs per batch.
  const Tensor a({1, 2, 3, 4}, {2, 2, 2}, {0, 2, 1});
  const auto b = Tensor::of({1, 0, 0, 1, 2, 0, 0, 2}, {2, 2, 2});
  auto out = Tensor::zeros({2, 2, 2});
  reference().matmul(out.view(), a.view(), b.view());
  check_close(out.values(), {1, 2, 3, 4, 2, 4, 6, 8}, 0);

  const auto empty_a = Tensor::zeros({1, 2, 0}), empty_b = Tensor::zeros({1, 0, 3});
  auto filled = Tensor::of(std::vector<double>(6, 7.0), {1, 2, 3});
  reference().matmul(filled.view(), empty_a.view(), empty_b.view());
  check_close(filled.values(), std::vector<double>(6, 0.0), 0);  // K == 0 gives 0
}

// x[i, j, k] = 12i + 4j + k + 1 stored contiguously as (2, 3, 4), viewed
// permuted to (k, i, j) and reduced over the last dim (the original j).
BOOST_AUTO_TEST_CASE(reduce_on_permuted_view) {
  const Tensor x(iota(24, 1), {4, 2, 3}, {1, 12, 4});
  auto check = [&](mt_reduce_op op, auto formula) {
    auto out = Tensor::zeros({4, 2, 1});
    reference().reduce(op, out.view(), x.view(), 2);
    std::vector<double> want;
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < 2; ++i)
        want.push_back(formula(12.0 * i + k + 1));
    BOOST_TEST_CONTEXT("op " << mt::sdk::reduce_op_name(op)) {
      check_close(out.values(), want, 0);
    }
  };
  check(MT_REDUCE_SUM, [](double base) { return 3 * base + 12; });  // base + (base+4) + (base+8)
  check(MT_REDUCE_PROD, [](double base) { return base * (base + 4) * (base + 8); });
  check(MT_REDUCE_MAX, [](double base) { return base + 8; });
}

BOOST_AUTO_TEST_CASE(reduce_over_an_empty_dim_gives_start_values) {
  const auto x = Tensor::zeros({2, 0, 3});
  for (const auto& [op, start] : std::vector<std::pair<mt_reduce_op, double>>{
           {MT_REDUCE_SUM, 0.0}, {MT_REDUCE_PROD, 1.0}, {MT_REDUCE_MAX, -kInf}}) {
    auto out = Tensor::of(std::vector<double>(6, 42.0), {2, 1, 3});
    reference().reduce(op, out.view(), x.view(), 1);
    for (const double v : out.values())
      BOOST_TEST(v == start, mt::sdk::reduce_op_name(op) << " gave " << v);
  }
}

BOOST_AUTO_TEST_CASE(reduce_max_propagates_nan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto x = Tensor::of({1, nan, 3, -kInf, -kInf, -kInf}, {2, 3});
  auto out = Tensor::zeros({2, 1});
  reference().reduce(MT_REDUCE_MAX, out.view(), x.view(), 1);
  const auto v = out.values();
  BOOST_TEST(std::isnan(v[0]));
  BOOST_TEST(v[1] == -kInf);
}

BOOST_AUTO_TEST_CASE(sigmoid_is_stable_at_plus_minus_1000) {
  for (const mt::DType dtype : {mt::DType::f32, mt::DType::f64}) {
    const auto in = Tensor::of({1000, -1000, 0}, {3}, dtype);
    auto out = Tensor::zeros({3}, dtype);
    reference().map(MT_MAP_SIGMOID, out.view(), in.view());
    const auto v = out.values();
    BOOST_TEST_CONTEXT(mt::dtype_name(dtype)) {
      BOOST_TEST(v[0] == 1.0);
      BOOST_TEST(v[1] == 0.0);
      BOOST_TEST(v[2] == 0.5);
    }
  }
}

BOOST_AUTO_TEST_CASE(zip_broadcast_with_stride_zero) {
  const Tensor col({10, 20, 30}, {3, 4}, {1, 0});  // (3, 1) expanded
  const Tensor row({1, 2, 3, 4}, {3, 4}, {0, 1});  // (1, 4) expanded
  auto out = Tensor::zeros({3, 4});
  reference().zip(MT_ZIP_ADD, out.view(), col.view(), row.view());
  check_close(out.values(), {11, 12, 13, 14, 21, 22, 23, 24, 31, 32, 33, 34}, 0);
}

BOOST_AUTO_TEST_CASE(relu_maps_nan_to_zero) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto in = Tensor::of({nan, -1, 2}, {3});
  auto out = Tensor::zeros({3});
  reference().map(MT_MAP_RELU, out.view(), in.view());
  check_close(out.values(), {0, 0, 2}, 0);
}

BOOST_AUTO_TEST_CASE(rejects_views_that_break_the_contract) {
  auto expect_invalid = [](const char* what, auto call, const char* needle) {
    try {
      call();
      BOOST_ERROR(what << " was accepted");
    } catch (const mt::BackendError& e) {
      const std::string message = e.what();
      BOOST_TEST(message.find(needle) != std::string::npos, what << ": " << message);
    }
  };
  const auto a = Tensor::of(iota(6), {2, 3});
  auto out = Tensor::zeros({2, 3});
  // A view that reaches past the end of its buffer.
  const Tensor too_far(iota(6), {2, 3}, {3, 1}, 1);
  expect_invalid(
      "a view past its buffer", [&] { reference().map(MT_MAP_NEG, out.view(), too_far.view()); },
      "reaches element 6");
  expect_invalid(
      "reduce dim 2 of a 2-D view",
      [&] { reference().reduce(MT_REDUCE_SUM, out.view(), a.view(), 2); }, "dim 2 is out of range");
  expect_invalid(
      "matmul of 2-D views", [&] { reference().matmul(out.view(), a.view(), a.view()); },
      "expected 3 dims");
  expect_invalid(
      "zip with different shapes",
      [&] {
        const auto b = Tensor::of(iota(3), {3});
        reference().zip(MT_ZIP_ADD, out.view(), a.view(), b.view());
      },
      "differ in shape");
  // Core refuses an op the plugin's supports() does not list before calling it.
  expect_invalid(
      "an unknown map op",
      [&] { reference().map(static_cast<mt_map_op>(99), out.view(), a.view()); },
      "does not support map op 99 (unknown) in f64");
  // An output that would write one element twice.
  const Tensor repeated(iota(3), {2, 3}, {0, 1});
  expect_invalid(
      "an output with stride 0", [&] { reference().map(MT_MAP_COPY, repeated.view(), a.view()); },
      "stride 0");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// Property: for random shapes and permuted layouts, reference map and zip
// agree with the per-element definition applied element by element, where
// the test enumerates indices itself (ordinal -> index -> position).
// ---------------------------------------------------------------------------

namespace {

struct RandomTensor {
  Shape shape;
  Shape strides;  // of a permuted layout over a contiguous buffer
  std::vector<double> storage;
};

// A tensor with MiniTorch's strategy: 1-4 dims of size 1-3, values in
// [-100, 100], stored in a random dim order.
RandomTensor random_tensor(const Shape& shape) {
  RandomTensor t{shape, Shape(shape.size(), 0), {}};
  std::vector<std::size_t> perm(shape.size());
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  // Shuffle with rapidcheck-drawn swaps so the layout shrinks as well.
  for (std::size_t i = perm.size(); i-- > 1;) {
    const auto j = *rc::gen::inRange<std::size_t>(0, i + 1);
    std::swap(perm[i], perm[j]);
  }
  int64_t stride = 1;
  for (std::size_t i = perm.size(); i-- > 0;) {
    t.strides[perm[i]] = stride;
    stride *= shape[perm[i]];
  }
  const auto n = static_cast<std::size_t>(count(shape));
  t.storage = *rc::gen::container<std::vector<double>>(
      n, rc::gen::map(rc::gen::inRange(-100000, 100001), [](int v) { return v / 1000.0; }));
  return t;
}

Shape random_shape() {
  const auto ndim = *rc::gen::inRange<std::size_t>(1, 5);
  return *rc::gen::container<Shape>(ndim, rc::gen::inRange<int64_t>(1, 4));
}

// Element (ordinal e, row-major) of a strided tensor: the to_index step.
double element(const RandomTensor& t, int64_t e) {
  int64_t pos = 0;
  for (std::size_t d = t.shape.size(); d-- > 0;) {
    pos += (e % t.shape[d]) * t.strides[d];
    e /= t.shape[d];
  }
  return t.storage[static_cast<std::size_t>(pos)];
}

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reference_properties)

RC_BOOST_PROP(map_matches_per_element_definition, ()) {
  const Shape shape = random_shape();
  const RandomTensor x = random_tensor(shape);
  const RandomTensor o = random_tensor(shape);  // an output with its own layout
  const auto op = *rc::gen::inRange<int32_t>(0, MT_MAP_OP_COUNT);
  const Tensor in(x.storage, x.shape, x.strides);
  Tensor out(o.storage, o.shape, o.strides);
  reference().map(static_cast<mt_map_op>(op), out.view(), in.view());
  const auto got = out.storage();
  const RandomTensor result{o.shape, o.strides, got};
  for (int64_t e = 0; e < count(shape); ++e) {
    const double want = mt::sdk::apply_map<double>(op, element(x, e));
    RC_ASSERT(same_value(element(result, e), want));
  }
}

RC_BOOST_PROP(zip_matches_per_element_definition, ()) {
  const Shape shape = random_shape();
  const RandomTensor a = random_tensor(shape), b = random_tensor(shape);
  const RandomTensor o = random_tensor(shape);
  const auto op = *rc::gen::inRange<int32_t>(0, MT_ZIP_OP_COUNT);
  const Tensor ta(a.storage, a.shape, a.strides), tb(b.storage, b.shape, b.strides);
  Tensor out(o.storage, o.shape, o.strides);
  reference().zip(static_cast<mt_zip_op>(op), out.view(), ta.view(), tb.view());
  const RandomTensor result{o.shape, o.strides, out.storage()};
  for (int64_t e = 0; e < count(shape); ++e) {
    const double want = mt::sdk::apply_zip<double>(op, element(a, e), element(b, e));
    RC_ASSERT(same_value(element(result, e), want));
  }
}

BOOST_AUTO_TEST_SUITE_END()
