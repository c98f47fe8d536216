// test_sizes.cpp — every element, stride, position and byte count is checked:
// shapes that overflow int64 are refused with the shape and the limit named,
// layouts that reach past 2^63 - 1 or past their storage are refused, and
// views, expands and layers that would make such counts fail cleanly.
#include <boost/test/unit_test.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/tensor/tensor.hpp>

#include "limits_testing.hpp"

#include <limits>

using namespace mt;
using namespace mt::test;

namespace {

constexpr int64_t big = int64_t{1} << 62;
constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

TensorOptions on_reference() {
  return {.dtype = DType::f32, .backend = reference()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sizes)

BOOST_AUTO_TEST_CASE(checked_arithmetic_refuses_overflow_and_negatives) {
  int64_t out = 7;
  BOOST_TEST(checked_mul(int64_t{1} << 31, int64_t{1} << 31, out));
  BOOST_TEST(out == int64_t{1} << 62);
  out = 7;
  BOOST_TEST(!checked_mul(big, 2, out));
  BOOST_TEST(out == 7);  // untouched on failure
  BOOST_TEST(!checked_mul(-1, 2, out));
  BOOST_TEST(checked_add(int64_max - 1, 1, out));
  BOOST_TEST(out == int64_max);
  BOOST_TEST(!checked_add(int64_max, 1, out));
  BOOST_TEST(!checked_add(3, -1, out));
}

BOOST_AUTO_TEST_CASE(shape_size_names_the_shape_and_the_limit) {
  BOOST_TEST(shape_size({}) == 1);
  BOOST_TEST(shape_size({0, int64_max}) == 0);
  BOOST_TEST(shape_size({int64_max}) == int64_max);
  std::string m = message_of<ArgumentError>([] { shape_size({big + 1, 4}); });
  BOOST_TEST(contains(m, "(4611686018427387905, 4)"));
  BOOST_TEST(contains(m, "2^63 - 1 (9223372036854775807)"));
  m = message_of<ArgumentError>([] { shape_size({3, -2}); });
  BOOST_TEST(contains(m, "(3, -2)"));
  BOOST_TEST(contains(m, "negative size (-2 at dim 1)"));
}

BOOST_AUTO_TEST_CASE(the_issue_example_is_refused_not_wrapped) {
  // ones({(1<<62)+1, 4}) used to wrap to 4 elements; `get` then read far
  // outside the 16-byte buffer.
  const std::string m = message_of<ArgumentError>([] { ones({big + 1, 4}, on_reference()); });
  BOOST_TEST(contains(m, "shape (4611686018427387905, 4) has too many elements"));
  BOOST_CHECK_THROW(Tensor::empty({big, 2}, on_reference()), ArgumentError);
  BOOST_CHECK_THROW(zeros({int64_t{1} << 32, int64_t{1} << 32}, on_reference()), ArgumentError);
}

BOOST_AUTO_TEST_CASE(strides_are_checked_even_without_elements) {
  // No elements, but the stride of dim 0 would be 2^64.
  const std::string m = message_of<ArgumentError>([] {
    Tensor::empty({0, big, 4}, on_reference());
  });
  BOOST_TEST(contains(m, "(0, 4611686018427387904, 4)"));
  BOOST_TEST(contains(m, "stride of dim 0"));
  BOOST_TEST((strides_from_shape({0, 3, 2}) == Strides{6, 2, 1}));
  BOOST_CHECK_THROW(strides_from_shape({2, -1}), ArgumentError);
}

BOOST_AUTO_TEST_CASE(layouts_that_reach_past_the_limit_are_refused) {
  std::string m = message_of<ArgumentError>([] { Layout({2, 2}, {int64_max, 1}, 0); });
  BOOST_TEST(contains(m, "strides (9223372036854775807, 1)"));
  BOOST_CHECK_THROW(Layout({2}, {1}, int64_max), ArgumentError);
  BOOST_CHECK_THROW(Layout({big, 4}, {0, 0}), ArgumentError);  // size overflows
  // The last position is kept and exact.
  const Layout ok({3, 4}, {1, 3}, 5);
  BOOST_TEST(ok.size() == 12);
  BOOST_TEST(ok.last_position() == 5 + 2 + 9);
  BOOST_TEST(Layout().size() == 1);
}

BOOST_AUTO_TEST_CASE(a_layout_never_reaches_outside_its_storage) {
  const Tensor t = zeros({2, 3}, on_reference());
  const std::string m = message_of<ArgumentError>([&] {
    Tensor::from_storage(t.storage(), Layout({2, 3}, {3, 1}, 1));
  });
  BOOST_TEST(contains(m, "reaches element 6 but the storage has 6"));
  // The last position is exactly int64's maximum: far past the storage.
  BOOST_CHECK_THROW(Tensor::from_storage(t.storage(), Layout({2}, {int64_max})), ArgumentError);
  // 2 x 2^62 wrapped to a negative last position, which passed the check.
  BOOST_CHECK_THROW(Tensor::from_storage(t.storage(), Layout({3}, {big})), ArgumentError);
}

BOOST_AUTO_TEST_CASE(get_and_set_stay_inside_the_storage) {
  Tensor t = zeros({2, 3}, on_reference());
  t.set({1, 2}, 4.5);
  BOOST_TEST(t.get({1, 2}) == 4.5);
  // A view at an offset reads the right element and nothing past the end.
  const Tensor tail = Tensor::from_storage(t.storage(), Layout({1}, {1}, 5));
  BOOST_TEST(tail.get({0}) == 4.5);
  std::string m = message_of<IndexingError>([&] { tail.get({1}); });
  BOOST_TEST(contains(m, "allowed 0..0"));
  m = message_of<IndexingError>([&] { t.set({2, 0}, 1.0); });
  BOOST_TEST(contains(m, "out of range for shape (2, 3)"));
  BOOST_CHECK_THROW(t.get({-1, 0}), IndexingError);
}

BOOST_AUTO_TEST_CASE(views_and_expands_of_impossible_sizes_fail_cleanly) {
  const Tensor t = zeros({4}, on_reference());
  // The known sizes multiply past int64; used to wrap and infer garbage.
  BOOST_CHECK_THROW(t.view({big, big, -1}), ShapeError);
  BOOST_CHECK_THROW(t.view({big, 4}), ShapeError);
  BOOST_TEST((t.view({2, -1}).shape() == Shape{2, 2}));
  const std::string m = message_of<ArgumentError>([&] { t.view({1, 4}).expand({big, big, 4}); });
  BOOST_TEST(contains(m, "(4611686018427387904, 4611686018427387904, 4)"));
}

BOOST_AUTO_TEST_CASE(layers_and_one_hot_check_their_sizes) {
  // fan_in = in * kernel used to overflow before the weight was even made.
  std::string m = message_of<ArgumentError>([] { nn::Conv1d(big, 1, 4, on_reference()); });
  BOOST_TEST(contains(m, "(1, 4611686018427387904, 4)"));
  BOOST_CHECK_THROW(nn::Conv2d(1, 2, big, big, on_reference()), ArgumentError);
  // 4 x 2^62 classes wraps a size_t product to 0: the write of the first
  // one-hot value then overran an empty vector.
  m = message_of<ArgumentError>([] { nn::one_hot({0, 0, 0, 0}, big, on_reference()); });
  BOOST_TEST(contains(m, "(4, 4611686018427387904)"));
}

BOOST_AUTO_TEST_CASE(byte_counts_name_what_and_the_limit) {
  BOOST_TEST(byte_count(int64_t{1} << 60, 4, "x") == std::size_t{1} << 62);
  const std::string m =
      message_of<ArgumentError>([] { byte_count(int64_t{1} << 61, 8, "a (2^61) f64 tensor"); });
  BOOST_TEST(contains(m, "a (2^61) f64 tensor"));
  BOOST_TEST(contains(m, "2^63 - 1"));
  BOOST_TEST(byte_size_text(0) == "0 bytes");
  BOOST_TEST(byte_size_text(1) == "1 byte");
  BOOST_TEST(byte_size_text(999) == "999 bytes");
  BOOST_TEST(byte_size_text(1500) == "1.5 kB");
  BOOST_TEST(byte_size_text(999999) == "1.0 MB");
  BOOST_TEST(byte_size_text(40000000000) == "40.0 GB");
  BOOST_TEST(byte_size_text(std::numeric_limits<uint64_t>::max()) == "18.4 EB");
}

BOOST_AUTO_TEST_SUITE_END()
