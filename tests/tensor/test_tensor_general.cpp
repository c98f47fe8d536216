// test_tensor_general.cpp — MiniTorch's test_tensor_general.py cases that are
// not already in test_tensor.cpp (mm2, bmm), plus matmul layouts MiniTorch
// does not reach: permuted operands, multi-dim broadcast batches, 2-D @ 3-D;
// on every usable backend, each result also against the reference backend's,
// and bmm in f32. Not a matmul benchmark.
#include <boost/test/unit_test.hpp>
#include <minitorch/tensor/random.hpp>

#include "tensor_strategies.hpp"

#include <algorithm>

using namespace mt;
using namespace mt::test;

namespace {

// Σ_k a[..., i, k] · b[..., k, j] by broadcasting: the definition matmul must
// agree with, built from mul and sum only.
Tensor matmul_by_broadcast(const Tensor& a, const Tensor& b) {
  Shape a_shape = a.shape();
  a_shape.push_back(1);  // (..., M, K, 1)
  Shape b_shape = b.shape();
  b_shape.insert(b_shape.end() - 2, 1);  // (..., 1, K, N)
  const Tensor product = a.reshape(a_shape) * b.reshape(b_shape);
  Tensor summed = product.sum(-2);  // (..., M, 1, N)
  Shape out = summed.shape();
  out.erase(out.end() - 2);
  return summed.reshape(out);
}

// `result` against the same op on the reference backend (exact agreement is
// not required: a backend may sum in another order).
bool matches_reference(const Tensor& result, const Tensor& on_ref) {
  return result.shape() == on_ref.shape() && allclose(on_reference(result), on_ref);
}

}  // namespace

MT_BACKEND_TEST(test_tensor_general, test_mm2) {
  manual_seed(3);
  const Tensor a = rand({2, 3}, f64());
  const Tensor b = rand({3, 4}, f64());
  const Tensor c = a.matmul(b);
  BOOST_TEST((c.shape() == Shape{2, 4}));
  const Tensor c2 = (a.view({2, 3, 1}) * b.view({1, 3, 4})).sum(1).view({2, 4});
  BOOST_TEST(close_tensors(c, c2));
  // A value computed by hand from the definition.
  double expected = 0.0;
  for (int64_t k = 0; k < 3; ++k)
    expected += a.get({1, k}) * b.get({k, 2});
  BOOST_TEST(c.get({1, 2}) == expected, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(matches_reference(c, on_reference(a).matmul(on_reference(b))));
  std::mt19937_64 rng(3);
  BOOST_TEST(gradient_mismatch([](const std::vector<Tensor>& in) { return in[0].matmul(in[1]); },
                               {a, b}, rng, 12) == "");
}

// MiniTorch's test_bmm: (D, A, B) @ (1, B, C), the batch of one broadcast.
MT_BACKEND_PROP(test_tensor_general, test_bmm) {
  const auto size = rc::gen::inRange<int64_t>(2, 5);
  const int64_t A = *size, B = *size, C = *size, D = *size;
  const Tensor a = build(*tensor_specs_of({D, A, B}));
  const Tensor b = build(*tensor_specs_of({1, B, C}));
  const Tensor c = a.matmul(b);
  RC_ASSERT(c.shape() == (Shape{D, A, C}));
  const Tensor c2 = (a.contiguous().view({D, A, B, 1}) * b.contiguous().view({1, 1, B, C}))
                        .sum(2)
                        .view({D, A, C});
  RC_ASSERT(close_tensors(c, c2));
  RC_ASSERT(matches_reference(c, on_reference(a).matmul(on_reference(b))));
}

// bmm in f32 against the reference in f64 on the same (f32) values: each
// output sums B ≤ 4 products, so its rounding error is within a few 2^-24 of
// Σ|a·b| ≤ B·100·100.
MT_BACKEND_PROP(test_tensor_general, test_bmm_f32) {
  const auto size = rc::gen::inRange<int64_t>(2, 5);
  const int64_t A = *size, B = *size, C = *size, D = *size;
  const TensorSpec sa = rounded_to_f32(*tensor_specs_of({D, A, B}));
  const TensorSpec sb = rounded_to_f32(*tensor_specs_of({1, B, C}));
  const Tensor c = build(sa, f32()).matmul(build(sb, f32()));
  RC_ASSERT(c.dtype() == DType::f32);
  const Tensor expected = on_reference(build(sa)).matmul(on_reference(build(sb)));
  RC_ASSERT(c.shape() == expected.shape());
  const std::vector<double> got = c.to_vector();
  const std::vector<double> want = expected.to_vector();
  for (std::size_t k = 0; k < got.size(); ++k)
    rc_assert_close(got[k], want[k], DType::f32, "bmm element " + std::to_string(k),
                    1e-5 * static_cast<double>(B) * 1e4);
}

// bmm's backward in f32 against f64: a gradient element of `a` sums C terms
// w·b, one of `b` sums D·A terms w·a, each |term| <= 100 and rounded within
// 2^-24 of it.
MT_BACKEND_PROP(test_tensor_general, test_bmm_f32_gradients) {
  const auto size = rc::gen::inRange<int64_t>(1, 5);
  const int64_t A = *size, B = *size, C = *size, D = *size;
  f32_gradients_match_f64([](const std::vector<Tensor>& in) { return in[0].matmul(in[1]); },
                          {*tensor_specs_of({D, A, B}), *tensor_specs_of({1, B, C})},
                          1e-5 * 100.0 * static_cast<double>(std::max(C, D * A)));
}

MT_BACKEND_PROP(test_tensor_general, bmm_grad_check_with_broadcast_batch) {
  const auto size = rc::gen::inRange<int64_t>(1, 4);
  const int64_t A = *size, B = *size, C = *size, D = *size;
  grad_check([](const std::vector<Tensor>& in) { return in[0].matmul(in[1]); },
             {build(*tensor_specs_of({D, A, B})), build(*tensor_specs_of({1, B, C}))});
}

MT_BACKEND_TEST(test_tensor_general, matmul_2d_with_3d_and_multi_dim_batches) {
  manual_seed(11);
  // 2-D @ 3-D: the 2-D side is one batch broadcast over the other's batch.
  const Tensor m = rand({3, 4}, f64());
  const Tensor batch = rand({2, 4, 5}, f64());
  const Tensor out = m.matmul(batch);
  BOOST_TEST((out.shape() == Shape{2, 3, 5}));
  BOOST_TEST(close_tensors(out, matmul_by_broadcast(m.view({1, 3, 4}), batch)));
  BOOST_TEST(matches_reference(out, on_reference(m).matmul(on_reference(batch))));

  // Batch dims (2, 1) and (1, 3) broadcast to (2, 3): no single batch stride
  // walks them, so core lays the operands out first.
  const Tensor a = rand({2, 1, 3, 4}, f64());
  const Tensor b = rand({1, 3, 4, 2}, f64());
  const Tensor ab = matmul(a, b);
  BOOST_TEST((ab.shape() == Shape{2, 3, 3, 2}));
  BOOST_TEST(close_tensors(ab, matmul_by_broadcast(a, b)));
  BOOST_TEST(matches_reference(ab, matmul(on_reference(a), on_reference(b))));
  std::mt19937_64 rng(11);
  BOOST_TEST(gradient_mismatch([](const std::vector<Tensor>& in) { return in[0].matmul(in[1]); },
                               {a, b}, rng, 24) == "");

  // Transposed (non-contiguous) operands are read through their strides.
  const Tensor at = rand({4, 3}, f64()).transpose(0, 1);
  BOOST_TEST(!at.is_contiguous());
  BOOST_TEST(close_tensors(at.matmul(batch), matmul_by_broadcast(at.contiguous(), batch)));
  BOOST_TEST(matches_reference(at.matmul(batch), on_reference(at).matmul(on_reference(batch))));
}

MT_BACKEND_TEST(test_tensor_general, matmul_shape_errors_name_both_shapes) {
  const Tensor a = zeros({2, 3}, f64());
  const Tensor b = zeros({4, 5}, f64());
  BOOST_CHECK_EXCEPTION(a.matmul(b), ShapeError, [](const ShapeError& e) {
    const std::string text = e.what();
    return text.find("(2, 3)") != std::string::npos && text.find("(4, 5)") != std::string::npos;
  });
  BOOST_CHECK_THROW(zeros({3}, f64()).matmul(zeros({3, 2}, f64())), ShapeError);
  BOOST_CHECK_THROW(zeros({2, 2, 3}, f64()).matmul(zeros({3, 3, 2}, f64())), ShapeError);
}

MT_BACKEND_TEST(test_tensor_general, matmul_with_empty_inner_dim_is_zero) {
  const Tensor out = zeros({2, 0}, f64()).matmul(zeros({0, 3}, f64()));
  BOOST_TEST((out.shape() == Shape{2, 3}));
  BOOST_TEST((out.to_vector() == std::vector<double>(6, 0.0)));
}
