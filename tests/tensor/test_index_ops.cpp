// test_index_ops.cpp — argmax (indices), index_select, gather and scatter_add on
// every usable backend: hand-computed values (PyTorch's documented examples),
// host-loop references on random strided tensors, finite-difference gradient
// checks and the errors for bad dims, shapes and index values. Not a benchmark.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

bool message_has(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

// Boost predicate: the exception's message contains every one of `parts`.
auto mentions(std::vector<std::string> parts) {
  return [parts](const std::exception& e) {
    for (const std::string& part : parts) {
      if (!message_has(e, part))
        return false;
    }
    return true;
  };
}

// Values in row-major order with a reversed (non-contiguous) storage layout.
Tensor strided(const std::vector<double>& values, const Shape& shape, TensorOptions options) {
  std::vector<int64_t> order(shape.size());
  std::iota(order.rbegin(), order.rend(), 0);
  return build_permuted(values, shape, order, options);
}

std::vector<double> random_values(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v)
    x = dist(rng);
  return v;
}

// Row-major strides of a shape, for host reference loops.
int64_t flat_of(const Shape& shape, const Index& m) {
  int64_t flat = 0;
  for (std::size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + m[d];
  return flat;
}

Index unflat(const Shape& shape, int64_t flat) {
  Index m(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    m[d] = flat % shape[d];
    flat /= shape[d];
  }
  return m;
}

}  // namespace

// ==== argmax ====================================================================

MT_BACKEND_TEST(index_ops, argmax_hand_values_and_ties) {
  // [[1, 3, 3], [3, 2, 0]]: ties go to the first (lowest) index, as in torch.
  const Tensor x = strided({1, 3, 3, 3, 2, 0}, {2, 3}, f64());
  BOOST_TEST((x.argmax(1).shape() == Shape{2}));
  BOOST_TEST((x.argmax(1).to_vector() == std::vector<double>{1, 0}));
  BOOST_TEST((x.argmax(-1).to_vector() == std::vector<double>{1, 0}));
  BOOST_TEST((x.argmax(0).to_vector() == std::vector<double>{1, 0, 0}));
  BOOST_TEST((x.argmax(1, true).shape() == Shape{2, 1}));
  BOOST_TEST((argmax(x, 0, true).shape() == Shape{1, 3}));
  // Over every element: the row-major flat index of the first maximum, rank 0.
  const Tensor flat = x.argmax();
  BOOST_TEST(flat.dims() == 0);
  BOOST_TEST(flat.item() == 1.0);
  BOOST_TEST(argmax(tensor({{-5, -1}, {-1, -7}}, f64())).item() == 1.0);
  // The result has the input's dtype and backend, holds whole numbers, no grad.
  const Tensor xf = tensor({{0.5, -2.0, 9.0, 9.0}}, f32(true));
  const Tensor i = xf.argmax(1);
  BOOST_TEST((i.dtype() == DType::f32));
  BOOST_TEST(i.backend() == backend);
  BOOST_TEST(!i.requires_grad());
  BOOST_TEST(i.item() == 2.0);
  // A 3-D case along the middle dim.
  const Tensor y = tensor({{{1, 9}, {4, 2}, {4, 9}}, {{0, 0}, {-1, 5}, {7, 5}}}, f64());
  BOOST_TEST((y.argmax(1).to_vector() == std::vector<double>{1, 0, 2, 1}));
  BOOST_TEST((y.argmax(1).shape() == Shape{2, 2}));
}

MT_BACKEND_TEST(index_ops, argmax_nan_counts_as_maximum) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = tensor({{1, nan, 5, nan}, {2, 8, 3, 1}}, f64());
  BOOST_TEST((x.argmax(1).to_vector() == std::vector<double>{1, 1}));
  BOOST_TEST(x.argmax().item() == 1.0);
}

MT_BACKEND_TEST(index_ops, argmax_errors) {
  const Tensor x = zeros({2, 3}, f64());
  BOOST_CHECK_EXCEPTION(x.argmax(2), IndexingError, mentions({"argmax", "dim 2", "-2..1"}));
  BOOST_CHECK_EXCEPTION(zeros({2, 0}, f64()).argmax(1), ArgumentError,
                        mentions({"argmax", "empty", "(2, 0)"}));
}

// Random integer-valued tensors (many ties) on a random layout, against a host loop.
MT_BACKEND_PROP(index_ops, argmax_matches_host_loop, 30) {
  const Shape shape = *shapes();
  const auto dims = static_cast<int64_t>(shape.size());
  const int64_t dim = *rc::gen::inRange<int64_t>(-dims, dims);
  const std::vector<int64_t> order = *permutations(shape.size());
  std::vector<double> values(static_cast<std::size_t>(shape_size(shape)));
  for (double& v : values)
    v = *rc::gen::inRange(-2, 3);
  const Tensor x = build_permuted(values, shape, order, f64());
  const int64_t d = dim < 0 ? dim + dims : dim;
  Shape out_shape = shape;
  out_shape[static_cast<std::size_t>(d)] = 1;
  std::vector<double> expected(static_cast<std::size_t>(shape_size(out_shape)));
  for (std::size_t o = 0; o < expected.size(); ++o) {
    Index m = unflat(out_shape, static_cast<int64_t>(o));
    double best = -1e300;
    for (int64_t k = 0; k < shape[static_cast<std::size_t>(d)]; ++k) {
      m[static_cast<std::size_t>(d)] = k;
      const double v = values[static_cast<std::size_t>(flat_of(shape, m))];
      if (v > best) {
        best = v;
        expected[o] = static_cast<double>(k);
      }
    }
  }
  RC_ASSERT(x.argmax(dim, true).to_vector() == expected);
  RC_ASSERT(x.argmax(dim, true).shape() == out_shape);
}

// ==== index_select ================================================================

MT_BACKEND_TEST(index_ops, index_select_hand_values) {
  // x = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]], strided storage.
  const Tensor x = strided({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {4, 3}, f64());
  const Tensor rows = x.index_select(0, tensor({3, 0, 0}, f64()));
  BOOST_TEST((rows.shape() == Shape{3, 3}));
  BOOST_TEST((rows.to_vector() == std::vector<double>{9, 10, 11, 0, 1, 2, 0, 1, 2}));
  const Tensor cols = x.index_select(-1, {2, 0});
  BOOST_TEST((cols.shape() == Shape{4, 2}));
  BOOST_TEST((cols.to_vector() == std::vector<double>{2, 0, 5, 3, 8, 6, 11, 9}));
  // Consecutive runs (1, 2, 3) and a vector index through the free function.
  const std::vector<int64_t> run{1, 2, 3, 1};
  BOOST_TEST((index_select(x, 0, run).to_vector() ==
              std::vector<double>{3, 4, 5, 6, 7, 8, 9, 10, 11, 3, 4, 5}));
  // A 0-D index keeps the dim with size 1 (torch); an empty index gives size 0.
  BOOST_TEST((x.index_select(0, tensor(2, f64())).shape() == Shape{1, 3}));
  BOOST_TEST((x.index_select(0, tensor(2, f64())).to_vector() == std::vector<double>{6, 7, 8}));
  BOOST_TEST((x.index_select(1, std::vector<int64_t>{}).shape() == Shape{4, 0}));
  // The index may be f32 and live on another backend; the result is x's.
  const Tensor idx = tensor({1}, {.dtype = DType::f32, .backend = reference()});
  const Tensor picked = x.index_select(1, idx);
  BOOST_TEST(picked.backend() == backend);
  BOOST_TEST((picked.to_vector() == std::vector<double>{1, 4, 7, 10}));
}

MT_BACKEND_TEST(index_ops, index_select_gradient_accumulates_repeats) {
  Tensor x = Tensor::from_values({1, 2, 3, 4, 5, 6}, {3, 2}, f64(true));
  const Tensor w = tensor({{1, 2}, {3, 4}, {5, 6}, {7, 8}}, f64());
  (x.index_select(0, {2, 0, 2, 2}) * w).sum().backward();
  // Row 0 is picked once (by w row 1), row 1 never, row 2 three times (w rows 0, 2, 3).
  BOOST_TEST((x.grad().to_vector() == std::vector<double>{3, 4, 0, 0, 1 + 5 + 7, 2 + 6 + 8}));
}

MT_BACKEND_PROP(index_ops, index_select_grad_check, 20) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const int64_t dim = *rc::gen::inRange<int64_t>(0, 3);
  const Shape shape{3, 2, 4};
  const Tensor x = build_permuted(random_values(24, rng), shape, *permutations(3), f64());
  const int64_t n = shape[static_cast<std::size_t>(dim)];
  const std::vector<int64_t> index =
      *rc::gen::container<std::vector<int64_t>>(5, rc::gen::inRange<int64_t>(0, n));
  grad_check([&](const std::vector<Tensor>& xs) { return xs[0].index_select(dim, index); }, {x},
             24);
}

MT_BACKEND_TEST(index_ops, index_select_errors) {
  const Tensor x = zeros({4, 3}, f64());
  BOOST_CHECK_EXCEPTION(x.index_select(0, tensor({0, 1.5}, f64())), IndexingError,
                        mentions({"index_select", "1.5", "(1)", "whole number"}));
  BOOST_CHECK_EXCEPTION(x.index_select(0, {0, 1, 4}), IndexingError,
                        mentions({"index_select", "index 4", "(2)", "size 4", "0..3"}));
  BOOST_CHECK_EXCEPTION(x.index_select(1, tensor({-1}, f64())), IndexingError,
                        mentions({"index -1", "0..2"}));
  BOOST_CHECK_EXCEPTION(x.index_select(0, zeros({1, 1}, f64())), ShapeError,
                        mentions({"index_select", "0-D or 1-D", "(1, 1)"}));
  BOOST_CHECK_EXCEPTION(x.index_select(2, {0}), IndexingError, mentions({"dim 2"}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  BOOST_CHECK_THROW(x.index_select(0, tensor({nan}, f64())), IndexingError);
}

// ==== gather / scatter_add ===========================================================

MT_BACKEND_TEST(index_ops, gather_hand_values) {
  // torch.gather's documented example: t = [[1, 2], [3, 4]].
  const Tensor t = strided({1, 2, 3, 4}, {2, 2}, f64());
  const Tensor i = tensor({{0, 0}, {1, 0}}, f64());
  BOOST_TEST((t.gather(1, i).to_vector() == std::vector<double>{1, 1, 4, 3}));
  BOOST_TEST((gather(t, 0, i).to_vector() == std::vector<double>{1, 2, 3, 2}));
  // An index smaller than the input in the other dims picks from its corner.
  const Tensor x = tensor({{0, 1, 2}, {3, 4, 5}, {6, 7, 8}}, f64());
  const Tensor g = x.gather(-1, tensor({{2}, {0}}, f32()));
  BOOST_TEST((g.shape() == Shape{2, 1}));
  BOOST_TEST((g.to_vector() == std::vector<double>{2, 3}));
  // Class scores picked per row (the NLL-loss use).
  const Tensor scores = tensor({{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}}, f64());
  BOOST_TEST(
      (scores.gather(1, tensor({{1}, {0}}, f64())).to_vector() == std::vector<double>{0.7, 0.5}));
}

MT_BACKEND_TEST(index_ops, scatter_add_hand_values) {
  // torch.Tensor.scatter_add_'s documented example.
  const Tensor src = ones({2, 5}, f64());
  const Tensor index = tensor({{0, 1, 2, 0, 0}, {0, 1, 2, 2, 2}}, f64());
  const Tensor out = zeros({3, 5}, f64()).scatter_add(0, index, src);
  BOOST_TEST((out.to_vector() == std::vector<double>{2, 0, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1}));
  // Adds to the input's values and leaves the input alone; src may be larger.
  const Tensor base = tensor({{10, 20}, {30, 40}}, f64());
  const Tensor src2 = tensor({{1, 2, 99}, {3, 4, 99}}, f64());
  const Tensor r = scatter_add(base, 1, tensor({{1, 1}, {0, 1}}, f64()), src2);
  BOOST_TEST((r.to_vector() == std::vector<double>{10, 23, 33, 44}));
  BOOST_TEST((base.to_vector() == std::vector<double>{10, 20, 30, 40}));
}

MT_BACKEND_TEST(index_ops, gather_and_scatter_add_gradients_by_hand) {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, f64(true));
  // gather picks x[0][2], x[0][2], x[1][0]: its gradient is their counts, weighted.
  (x.gather(1, tensor({{2, 2}, {0, 0}}, f64())) * tensor({{1, 10}, {100, 0}}, f64()))
      .sum()
      .backward();
  BOOST_TEST((x.grad().to_vector() == std::vector<double>{0, 0, 11, 100, 0, 0}));

  Tensor base = zeros({2, 2}, f64(true));
  Tensor src = tensor({{1, 2, 3}, {4, 5, 6}}, f64(true));
  const Tensor w = tensor({{1, 2}, {3, 4}}, f64());
  (base.scatter_add(1, tensor({{1, 0}, {1, 1}}, f64()), src) * w).sum().backward();
  BOOST_TEST((base.grad().to_vector() == std::vector<double>{1, 2, 3, 4}));
  // src[i][j] lands in column index[i][j] of row i; column 2 of src is never used.
  BOOST_TEST((src.grad().to_vector() == std::vector<double>{2, 1, 0, 4, 4, 0}));
}

// Random shapes, dims and strided layouts against a host loop; then the gradients.
MT_BACKEND_PROP(index_ops, gather_scatter_match_host_loop_and_grad_check, 20) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const Shape shape = *shapes();
  const auto dims = static_cast<int64_t>(shape.size());
  const int64_t dim = *rc::gen::inRange<int64_t>(0, dims);
  const auto d = static_cast<std::size_t>(dim);
  Shape index_shape(shape.size());
  for (std::size_t k = 0; k < shape.size(); ++k)
    index_shape[k] =
        k == d ? *rc::gen::inRange<int64_t>(1, 4) : *rc::gen::inRange<int64_t>(1, shape[k] + 1);
  std::vector<double> idx(static_cast<std::size_t>(shape_size(index_shape)));
  for (double& v : idx)
    v = static_cast<double>(*rc::gen::inRange<int64_t>(0, shape[d]));
  const std::vector<double> values =
      random_values(static_cast<std::size_t>(shape_size(shape)), rng);
  const Tensor x = build_permuted(values, shape, *permutations(shape.size()), f64());
  const Tensor index = Tensor::from_values(idx, index_shape, f64());

  std::vector<double> expected(idx.size());
  for (std::size_t f = 0; f < idx.size(); ++f) {
    Index m = unflat(index_shape, static_cast<int64_t>(f));
    m[d] = static_cast<int64_t>(idx[f]);
    expected[f] = values[static_cast<std::size_t>(flat_of(shape, m))];
  }
  RC_ASSERT(x.gather(dim, index).to_vector() == expected);
  RC_ASSERT(x.gather(dim, index).shape() == index_shape);

  const std::vector<double> src_values = random_values(idx.size(), rng);
  const Tensor src = strided(src_values, index_shape, f64());
  std::vector<double> scattered = values;
  for (std::size_t f = 0; f < idx.size(); ++f) {
    Index m = unflat(index_shape, static_cast<int64_t>(f));
    m[d] = static_cast<int64_t>(idx[f]);
    scattered[static_cast<std::size_t>(flat_of(shape, m))] += src_values[f];
  }
  const std::vector<double> got = x.scatter_add(dim, index, src).to_vector();
  for (std::size_t k = 0; k < got.size(); ++k)
    RC_ASSERT(std::fabs(got[k] - scattered[k]) <= 1e-12);

  grad_check([&](const std::vector<Tensor>& xs) { return xs[0].gather(dim, index); }, {x}, 8);
  grad_check([&](const std::vector<Tensor>& xs) { return xs[0].scatter_add(dim, index, xs[1]); },
             {x, src}, 8);
}

MT_BACKEND_TEST(index_ops, gather_and_scatter_add_errors) {
  const Tensor x = zeros({2, 3}, f64());
  BOOST_CHECK_EXCEPTION(x.gather(1, zeros({2}, f64())), ShapeError,
                        mentions({"gather", "(2, 3)", "(2)", "as many dims"}));
  BOOST_CHECK_EXCEPTION(x.gather(1, zeros({3, 1}, f64())), ShapeError,
                        mentions({"gather", "index.size(0)", "input.size(0)"}));
  BOOST_CHECK_EXCEPTION(x.gather(1, tensor({{0}, {3}}, f64())), IndexingError,
                        mentions({"gather", "index 3", "(1, 0)", "size 3", "0..2"}));
  BOOST_CHECK_EXCEPTION(x.gather(0, tensor({{0.25}}, f64())), IndexingError,
                        mentions({"gather", "0.25", "whole number"}));
  BOOST_CHECK_EXCEPTION(x.gather(-3, zeros({1, 1}, f64())), IndexingError, mentions({"dim -3"}));
  BOOST_CHECK_EXCEPTION(x.scatter_add(0, zeros({1, 2}, f64()), zeros({1, 1}, f64())), ShapeError,
                        mentions({"scatter_add", "src.size(1)"}));
  BOOST_CHECK_EXCEPTION(x.scatter_add(0, zeros({1, 1}, f64()), zeros({1, 1}, f32())), ArgumentError,
                        mentions({"scatter_add", "f64", "f32"}));
}
