// test_host_copy.cpp — Tensor::from_host and from_values (the host copy-in path) on every
// backend: each (source, tensor) dtype pair holds exactly the source's values rounded to the
// tensor's dtype, across the converter's chunk boundary; counts that do not match the shape are
// ShapeErrors; requires_grad is kept. Not a test of copies between backends (to()).
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <span>
#include <vector>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

// 10007 values: more than two of the converter's 4096-element chunks and not a multiple of
// one, none of them exact in f32 (so a conversion that skips or repeats a chunk shows).
std::vector<double> odd_doubles() {
  std::vector<double> v(10007);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = 0.1 * static_cast<double>(i) - 333.3;
  return v;
}

std::vector<float> odd_floats() {
  std::vector<float> v(10007);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = 0.37f * static_cast<float>(i) - 17.0f;
  return v;
}

// What a tensor of `dtype` holds for host value x: x rounded to that dtype, read as a double.
template <class T>
std::vector<double> expected(const std::vector<T>& values, DType dtype) {
  std::vector<double> out;
  for (const T x : values)
    out.push_back(dtype == DType::f32 ? static_cast<double>(static_cast<float>(x))
                                      : static_cast<double>(x));
  return out;
}

}  // namespace

MT_BACKEND_TEST(test_host_copy, from_host_keeps_every_value_for_each_dtype_pair) {
  const std::vector<double> doubles = odd_doubles();
  const std::vector<float> floats = odd_floats();
  const Shape shape{10007};
  for (const DType dtype : {DType::f32, DType::f64}) {
    const TensorOptions options{.dtype = dtype, .backend = backend};
    const Tensor from_d = Tensor::from_host(std::span<const double>(doubles), shape, options);
    BOOST_TEST((from_d.dtype() == dtype));
    BOOST_TEST(from_d.to_vector() == expected(doubles, dtype), boost::test_tools::per_element());
    const Tensor from_f = Tensor::from_host(std::span<const float>(floats), shape, options);
    BOOST_TEST(from_f.to_vector() == expected(floats, dtype), boost::test_tools::per_element());
    const Tensor from_v = Tensor::from_values(doubles, {10007, 1}, options);
    BOOST_TEST((from_v.shape() == Shape{10007, 1}));
    BOOST_TEST(from_v.to_vector() == expected(doubles, dtype), boost::test_tools::per_element());
  }
}

MT_BACKEND_TEST(test_host_copy, from_host_checks_the_count_and_keeps_requires_grad) {
  const std::vector<float> floats{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
  BOOST_CHECK_THROW(Tensor::from_host(std::span<const float>(floats), {5}, f32()), ShapeError);
  BOOST_CHECK_THROW(Tensor::from_host(std::span<const float>(floats), {2, 4}, f64()), ShapeError);
  const Tensor empty = Tensor::from_host(std::span<const float>(floats.data(), 0), {0, 3}, f32());
  BOOST_TEST(empty.numel() == 0);
  const Tensor leaf = Tensor::from_host(std::span<const float>(floats), {2, 3}, f32(true));
  BOOST_TEST(leaf.requires_grad());
  BOOST_TEST(leaf.get({1, 2}) == 6.0);
  BOOST_TEST(!Tensor::from_host(std::span<const float>(floats), {6}, f32()).requires_grad());
}
