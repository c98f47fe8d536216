// test_allocation.cpp — allocation failures say what was being allocated and
// how much: backend storage (through the plugin's alloc), host buffers built
// from a shape, and rand/init, which used to build a host copy first and end
// in std::bad_alloc. Sizes are chosen to fail on any machine (past the 2^47
// bytes of a 64-bit process's address space) unless a test says otherwise.
// Under AddressSanitizer, CMakeLists.txt sets allocator_may_return_null=1 so
// a refused malloc returns NULL, as libc's does, instead of aborting.
#include <boost/test/unit_test.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/tensor/random.hpp>
#include <minitorch/tensor/tensor.hpp>

#include "limits_testing.hpp"

#include <fstream>

using namespace mt;
using namespace mt::test;

namespace {

TensorOptions on_reference(DType dtype = DType::f32) {
  return {.dtype = dtype, .backend = reference()};
}

// Linux's overcommit policy: under mode 1 ("always") a 4 TB malloc succeeds
// and only touching it fails, so a refusal cannot be expected.
bool overcommit_always() {
  std::ifstream in("/proc/sys/vm/overcommit_memory");
  int mode = 0;
  return (in >> mode) && mode == 1;
}

bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

}  // namespace

BOOST_AUTO_TEST_SUITE(allocation)

BOOST_AUTO_TEST_CASE(a_tensor_of_2_to_the_40_elements_names_the_bytes) {
  if (overcommit_always()) {
    BOOST_TEST_MESSAGE("skipped: vm.overcommit_memory is 1, so a 4.4 TB malloc succeeds here");
    return;
  }
  const std::string m =
      message_of<AllocationError>([] { Tensor::empty({int64_t{1} << 40}, on_reference()); });
  BOOST_TEST(contains(m, "cannot allocate 4.4 TB (4398046511104 bytes)"));
  BOOST_TEST(contains(m, "for a (1099511627776) f32 tensor on backend 'reference'"));
}

BOOST_AUTO_TEST_CASE(storage_past_the_address_space_names_shape_dtype_and_backend) {
  // 2^46 f64 elements: 512 TiB, more than any process can map.
  const std::string m = message_of<AllocationError>([] {
    Tensor::empty({int64_t{1} << 23, int64_t{1} << 23}, on_reference(DType::f64));
  });
  BOOST_TEST(contains(m, "cannot allocate 562.9 TB (562949953421312 bytes)"));
  BOOST_TEST(contains(m, "a (8388608, 8388608) f64 tensor on backend 'reference'"));
  BOOST_TEST(contains(m, "MT_ERR_OUT_OF_MEMORY"));
}

BOOST_AUTO_TEST_CASE(storage_whose_bytes_overflow_is_an_argument_error) {
  // 2^61 f64 elements fit int64 but their 2^64 bytes do not.
  const std::string m =
      message_of<ArgumentError>([] { Storage(reference(), DType::f64, int64_t{1} << 61); });
  BOOST_TEST(contains(m, "2305843009213693952 f64 elements"));
  BOOST_TEST(contains(m, "2^63 - 1"));
}

BOOST_AUTO_TEST_CASE(rand_and_layers_fail_in_the_backend_not_in_a_host_copy) {
  // rand used to build a host vector of every value first (8 bytes each):
  // std::bad_alloc with no word of what. Now the backend is asked first.
  std::string m = message_of<AllocationError>([] {
    rand({int64_t{1} << 24, int64_t{1} << 23}, on_reference());
  });
  BOOST_TEST(contains(m, "(16777216, 8388608) f32 tensor on backend 'reference'"));
  // What `minitorch train --hidden 100000` hit, at a size no machine has.
  m = message_of<AllocationError>(
      [] { nn::Linear(int64_t{1} << 23, int64_t{1} << 23, on_reference()); });
  BOOST_TEST(contains(m, "cannot allocate 281.5 TB"));
  BOOST_TEST(contains(m, "(8388608, 8388608) f32 tensor"));
  // rand still draws the same numbers as before, row-major, in chunks.
  manual_seed(3);
  const Tensor a = rand({70000}, on_reference(DType::f64));
  manual_seed(3);
  std::vector<double> expected(70000);
  for (double& v : expected)
    v = uniform();
  BOOST_TEST(a.to_vector() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(host_buffers_name_what_they_were_for) {
  if (under_address_sanitizer()) {
    // Its operator new reports a failed allocation and aborts; it never
    // throws std::bad_alloc, so there is nothing to turn into a message.
    BOOST_TEST_MESSAGE(
        "skipped the failing host allocation: AddressSanitizer's operator new "
        "aborts instead of throwing std::bad_alloc");
  } else {
    // 2^55 doubles: 2^58 bytes, a length no allocator grants.
    const std::string m = message_of<AllocationError>([] {
      host_vector<double>(int64_t{1} << 55, [] { return std::string("the test's host copy"); });
    });
    BOOST_TEST(contains(
        m, "cannot allocate 288.2 PB (288230376151711744 bytes) for the test's host copy"));
  }
  std::string m = message_of<ArgumentError>(
      [] { host_vector<double>(int64_t{1} << 61, [] { return std::string("too many"); }); });
  BOOST_TEST(contains(m, "too many"));
  BOOST_CHECK_THROW(host_vector<float>(-1, [] { return std::string("negative"); }), ArgumentError);
  BOOST_TEST(host_vector<float>(3, [] { return std::string("small"); }).size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
