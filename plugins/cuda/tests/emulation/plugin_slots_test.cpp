// plugin_slots_test.cpp — the plugin's ABI table (plugin.cpp, allocator.cpp
// and the kernels, all on the emulated runtime) driven through its slots:
// argument checks, buffer bounds, copies, allocator reuse and out-of-memory.

#include <boost/test/unit_test.hpp>

#include "cuda_emulation.hpp"
#include "launch.hpp"

#include <minitorch/plugin_abi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" const mt_backend* mt_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor);

// probe.cu (a real kernel) is not part of the emulated build.
cudaError_t mt::cuda::probe_kernel_image() {
  return cudaSuccess;
}

namespace {

const mt_backend& cuda() {
  static const mt_backend* table = mt_plugin_entry(MT_ABI_MAJOR, MT_ABI_MINOR);
  return *table;
}

std::string last_error() {
  return cuda().last_error(cuda().context);
}

// A device buffer from the plugin, freed at scope exit.
struct DeviceBuffer {
  explicit DeviceBuffer(std::size_t bytes) {
    if (cuda().alloc(cuda().context, bytes, &data) != MT_OK)
      throw std::runtime_error("alloc failed: " + last_error());
  }
  ~DeviceBuffer() { (void)cuda().free(cuda().context, data); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* data = nullptr;
};

mt_view view_of(void* buffer, int32_t dtype, std::vector<int64_t> shape,
                std::vector<int64_t> strides, int64_t offset = 0) {
  mt_view v{};
  v.buffer = buffer;
  v.dtype = dtype;
  v.offset = offset;
  v.ndim = static_cast<int32_t>(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    v.shape[d] = shape[d];
    v.strides[d] = strides[d];
  }
  return v;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(slots)

BOOST_AUTO_TEST_CASE(table_header_and_usability) {
  BOOST_TEST(cuda().abi_major == MT_ABI_MAJOR);
  BOOST_TEST(cuda().struct_size == sizeof(mt_backend));
  BOOST_TEST(std::string(cuda().name) == "cuda");
  BOOST_TEST(cuda().device_kind == MT_DEVICE_CUDA);
  char reason[64] = "unchanged";
  BOOST_TEST(cuda().is_usable(cuda().context, reason, sizeof reason) == 1);
  BOOST_TEST(std::string(reason).empty());
  BOOST_TEST(cuda().supports(cuda().context, MT_FAMILY_CONV2D, 0, MT_F64) == 1);
  BOOST_TEST(cuda().supports(cuda().context, MT_FAMILY_MAP, MT_MAP_OP_COUNT, MT_F32) == 0);
  BOOST_TEST(cuda().supports(cuda().context, MT_FAMILY_ZIP, 0, MT_DTYPE_COUNT) == 0);
}

BOOST_AUTO_TEST_CASE(alloc_free_and_copies) {
  void* none = reinterpret_cast<void*>(0x10);
  BOOST_TEST(cuda().alloc(cuda().context, 0, &none) == MT_OK);
  BOOST_TEST(none == nullptr);
  BOOST_TEST(cuda().free(cuda().context, nullptr) == MT_OK);

  DeviceBuffer buffer(40);
  const float host[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  BOOST_TEST(cuda().copy_from_host(cuda().context, buffer.data, 0, host, sizeof host) == MT_OK);
  float back[4] = {};
  BOOST_TEST(cuda().copy_to_host(cuda().context, back, buffer.data, 12, 16) == MT_OK);
  BOOST_TEST(back[0] == 4.0f);
  BOOST_TEST(back[3] == 7.0f);

  BOOST_TEST(cuda().copy_from_host(cuda().context, buffer.data, 8, host, 36) == MT_ERR_INVALID_ARG);
  BOOST_TEST(contains(last_error(), "exceed the buffer's 40 bytes"), last_error());
  BOOST_TEST(cuda().copy_to_host(cuda().context, nullptr, buffer.data, 0, 4) == MT_ERR_INVALID_ARG);
  int not_ours = 0;
  BOOST_TEST(cuda().copy_to_host(cuda().context, back, &not_ours, 0, 4) == MT_ERR_INVALID_ARG);

  void* twice = nullptr;
  BOOST_TEST(cuda().alloc(cuda().context, 8, &twice) == MT_OK);
  BOOST_TEST(cuda().free(cuda().context, twice) == MT_OK);
  BOOST_TEST(cuda().free(cuda().context, twice) == MT_ERR_INVALID_ARG);
  BOOST_TEST(contains(last_error(), "already freed"), last_error());
}

BOOST_AUTO_TEST_CASE(freed_blocks_are_reused_and_out_of_memory_releases_the_cache) {
  void* first = nullptr;
  BOOST_TEST(cuda().alloc(cuda().context, 1000, &first) == MT_OK);
  BOOST_TEST(cuda().free(cuda().context, first) == MT_OK);
  void* again = nullptr;
  BOOST_TEST(cuda().alloc(cuda().context, 900, &again) == MT_OK);  // same 1 KiB bucket
  BOOST_TEST(again == first);
  BOOST_TEST(cuda().free(cuda().context, again) == MT_OK);

  // Cache 1 MiB, then ask for 2 MiB with only 2.5 MiB left to the "device":
  // the first cudaMalloc fails, the cache is released, the retry succeeds.
  void* cached = nullptr;
  BOOST_TEST(cuda().alloc(cuda().context, 1 << 20, &cached) == MT_OK);
  BOOST_TEST(cuda().free(cuda().context, cached) == MT_OK);
  mt_emu::memory_budget = mt_emu::memory_in_use + (5u << 19);
  void* big = nullptr;
  BOOST_TEST(cuda().alloc(cuda().context, 2u << 20, &big) == MT_OK);
  BOOST_TEST(big != nullptr);
  void* too_big = reinterpret_cast<void*>(0x10);
  BOOST_TEST(cuda().alloc(cuda().context, 4u << 20, &too_big) == MT_ERR_OUT_OF_MEMORY);
  BOOST_TEST(too_big == nullptr);
  BOOST_TEST(contains(last_error(), "cudaErrorMemoryAllocation"), last_error());
  mt_emu::memory_budget = SIZE_MAX;
  BOOST_TEST(cuda().free(cuda().context, big) == MT_OK);
}

BOOST_AUTO_TEST_CASE(compute_slots_run_and_check_their_views) {
  DeviceBuffer a(6 * 8), b(6 * 8), out(6 * 8);
  const double values[6] = {1, -2, 3, -4, 5, -6};
  BOOST_TEST(cuda().copy_from_host(cuda().context, a.data, 0, values, sizeof values) == MT_OK);
  const mt_view va = view_of(a.data, MT_F64, {2, 3}, {3, 1});
  const mt_view vb = view_of(b.data, MT_F64, {2, 3}, {0, 1});    // row broadcast
  const mt_view vo = view_of(out.data, MT_F64, {2, 3}, {1, 2});  // column-major out
  const mt_view b_row = view_of(b.data, MT_F64, {3}, {1});
  BOOST_TEST(cuda().fill(cuda().context, &b_row, 10.0) == MT_OK);
  BOOST_TEST(cuda().fill(cuda().context, &vb, 10.0) == MT_ERR_INVALID_ARG);  // writes twice
  BOOST_TEST(cuda().zip(cuda().context, MT_ZIP_ADD, &vo, &va, &vb) == MT_OK, last_error());
  double result[6] = {};
  BOOST_TEST(cuda().copy_to_host(cuda().context, result, out.data, 0, sizeof result) == MT_OK);
  // out[i][j] at i + 2j holds a[i][j] + 10.
  const double expected[6] = {11, 6, 8, 15, 13, 4};
  for (int p = 0; p < 6; ++p)
    BOOST_TEST(result[p] == expected[p]);

  const mt_view row_sum = view_of(out.data, MT_F64, {2, 1}, {1, 1});
  BOOST_TEST(cuda().reduce(cuda().context, MT_REDUCE_SUM, &row_sum, &va, 1) == MT_OK);
  BOOST_TEST(cuda().copy_to_host(cuda().context, result, out.data, 0, 16) == MT_OK);
  BOOST_TEST(result[0] == 2.0);
  BOOST_TEST(result[1] == -5.0);

  // Broken calls: each names what is wrong.
  const mt_view beyond = view_of(a.data, MT_F64, {2, 3}, {3, 1}, 1);
  BOOST_TEST(cuda().map(cuda().context, MT_MAP_NEG, &vo, &beyond) == MT_ERR_INVALID_ARG);
  BOOST_TEST(contains(last_error(), "reaches element 6 but its buffer holds 6"), last_error());
  const mt_view repeated = view_of(out.data, MT_F64, {2, 3}, {0, 1});
  BOOST_TEST(cuda().map(cuda().context, MT_MAP_NEG, &repeated, &va) == MT_ERR_INVALID_ARG);
  BOOST_TEST(contains(last_error(), "stride 0"), last_error());
  BOOST_TEST(cuda().map(cuda().context, 99, &vo, &va) == MT_ERR_UNSUPPORTED);
  mt_view odd_dtype = va;
  odd_dtype.dtype = 7;
  BOOST_TEST(cuda().map(cuda().context, MT_MAP_NEG, &vo, &odd_dtype) == MT_ERR_UNSUPPORTED);
  const mt_view f32 = view_of(out.data, MT_F32, {2, 3}, {3, 1});
  BOOST_TEST(cuda().zip(cuda().context, MT_ZIP_ADD, &f32, &va, &vb) == MT_ERR_INVALID_ARG);
  const mt_view wrong_shape = view_of(out.data, MT_F64, {3, 2}, {2, 1});
  BOOST_TEST(cuda().map(cuda().context, MT_MAP_NEG, &wrong_shape, &va) == MT_ERR_INVALID_ARG);
  BOOST_TEST(cuda().reduce(cuda().context, MT_REDUCE_SUM, &row_sum, &va, 2) == MT_ERR_INVALID_ARG);
  BOOST_TEST(cuda().reduce(cuda().context, MT_REDUCE_SUM, &vo, &va, 1) == MT_ERR_INVALID_ARG);

  const mt_view in3 = view_of(a.data, MT_F64, {1, 2, 3}, {6, 3, 1});
  const mt_view w3 = view_of(b.data, MT_F64, {1, 3, 2}, {6, 2, 1});  // Cin 3 != 2
  const mt_view out3 = view_of(out.data, MT_F64, {1, 1, 3}, {3, 3, 1});
  BOOST_TEST(cuda().conv1d(cuda().context, &out3, &in3, &w3, 0) == MT_ERR_INVALID_ARG);
  BOOST_TEST(contains(last_error(), "input channels Cin differs"), last_error());
  BOOST_TEST(cuda().synchronize(cuda().context) == MT_OK);
}

// optim_step (ABI 1.1): one SGD-with-momentum and one Adam step against
// values worked out by hand, and the refusals every backend gives.
BOOST_AUTO_TEST_CASE(optim_step_updates_in_place_and_checks_its_views) {
  BOOST_TEST(cuda().struct_size >= MT_BACKEND_SIZE_THROUGH(optim_step));
  BOOST_TEST(cuda().supports(cuda().context, MT_FAMILY_OPTIM, MT_OPTIM_ADAMW, MT_F32) == 1);
  DeviceBuffer p(4 * 8), g(4 * 8), m(4 * 8), v(4 * 8);
  // SGD, momentum 0.9, lr 0.1: b = 0.9 * 0.5 + 1 = 1.45, p -= 0.1 * 1.45.
  const double p0[2] = {1.0, 2.0}, g0[2] = {1.0, 1.0}, b0[2] = {0.5, 0.5};
  BOOST_TEST(cuda().copy_from_host(cuda().context, p.data, 0, p0, sizeof p0) == MT_OK);
  BOOST_TEST(cuda().copy_from_host(cuda().context, g.data, 0, g0, sizeof g0) == MT_OK);
  BOOST_TEST(cuda().copy_from_host(cuda().context, m.data, 0, b0, sizeof b0) == MT_OK);
  const mt_view vp = view_of(p.data, MT_F64, {2}, {1}), vg = view_of(g.data, MT_F64, {2}, {1});
  const mt_view vm = view_of(m.data, MT_F64, {2}, {1});
  mt_optim_step sgd{};
  sgd.kind = MT_OPTIM_SGD;
  sgd.step = 1;
  sgd.lr = 0.1;
  sgd.momentum = 0.9;
  BOOST_TEST(cuda().optim_step(cuda().context, &sgd, 1, &vp, &vg, &vm, nullptr) == MT_OK,
             last_error());
  double result[2] = {};
  BOOST_TEST(cuda().copy_to_host(cuda().context, result, p.data, 0, sizeof result) == MT_OK);
  BOOST_TEST(std::fabs(result[0] - 0.855) < 1e-15);
  BOOST_TEST(std::fabs(result[1] - 1.855) < 1e-15);
  BOOST_TEST(cuda().copy_to_host(cuda().context, result, m.data, 0, sizeof result) == MT_OK);
  BOOST_TEST(std::fabs(result[0] - 1.45) < 1e-15);

  // Adam at t = 1 from zero state moves each element by lr against the sign
  // of its gradient (m̂ = g, v̂ = g², so m̂ / (√v̂ + eps) = ±1 up to eps).
  const float pf[4] = {1.0f, -2.0f, 3.0f, 0.5f}, gf[4] = {0.5f, -1.0f, 0.25f, -2.0f};
  const float zero[4] = {};
  BOOST_TEST(cuda().copy_from_host(cuda().context, p.data, 0, pf, sizeof pf) == MT_OK);
  BOOST_TEST(cuda().copy_from_host(cuda().context, g.data, 0, gf, sizeof gf) == MT_OK);
  BOOST_TEST(cuda().copy_from_host(cuda().context, m.data, 0, zero, sizeof zero) == MT_OK);
  BOOST_TEST(cuda().copy_from_host(cuda().context, v.data, 0, zero, sizeof zero) == MT_OK);
  const mt_view fp = view_of(p.data, MT_F32, {2, 2}, {2, 1}),
                fg = view_of(g.data, MT_F32, {2, 2}, {2, 1});
  const mt_view fm = view_of(m.data, MT_F32, {2, 2}, {2, 1}),
                fv = view_of(v.data, MT_F32, {2, 2}, {2, 1});
  mt_optim_step adam{};
  adam.kind = MT_OPTIM_ADAM;
  adam.step = 1;
  adam.beta1 = 0.9;
  adam.one_minus_beta1 = 1.0 - 0.9;
  adam.beta2 = 0.999;
  adam.one_minus_beta2 = 1.0 - 0.999;
  adam.eps = 1e-8;
  adam.step_size = 0.1 / (1.0 - 0.9);
  adam.inv_sqrt_bias_correction2 = 1.0 / std::sqrt(1.0 - 0.999);
  BOOST_TEST(cuda().optim_step(cuda().context, &adam, 1, &fp, &fg, &fm, &fv) == MT_OK,
             last_error());
  float after[4] = {};
  BOOST_TEST(cuda().copy_to_host(cuda().context, after, p.data, 0, sizeof after) == MT_OK);
  const float want[4] = {0.9f, -1.9f, 2.9f, 0.6f};
  for (int i = 0; i < 4; ++i)
    BOOST_TEST(std::fabs(after[i] - want[i]) < 1e-6f, "element " << i << ": " << after[i]);

  // Refusals: a transposed parameter, a state buffer on the parameter, an
  // unknown kind; none of them writes anything.
  const mt_view transposed = view_of(p.data, MT_F32, {2, 2}, {1, 2});
  BOOST_TEST(cuda().optim_step(cuda().context, &adam, 1, &transposed, &fg, &fm, &fv) ==
             MT_ERR_INVALID_ARG);
  BOOST_TEST(contains(last_error(), "not contiguous"), last_error());
  BOOST_TEST(cuda().optim_step(cuda().context, &adam, 1, &fp, &fg, &fp, &fv) == MT_ERR_INVALID_ARG);
  BOOST_TEST(contains(last_error(), "overlaps"), last_error());
  mt_optim_step unknown = adam;
  unknown.kind = MT_OPTIM_KIND_COUNT;
  BOOST_TEST(cuda().optim_step(cuda().context, &unknown, 1, &fp, &fg, &fm, &fv) ==
             MT_ERR_UNSUPPORTED);
  BOOST_TEST(cuda().supports(cuda().context, MT_FAMILY_OPTIM, MT_OPTIM_KIND_COUNT, MT_F32) == 0);
  float unchanged[4] = {};
  BOOST_TEST(cuda().copy_to_host(cuda().context, unchanged, p.data, 0, sizeof unchanged) == MT_OK);
  for (int i = 0; i < 4; ++i)
    BOOST_TEST(unchanged[i] == after[i]);
  BOOST_TEST(cuda().optim_step(cuda().context, &adam, 0, nullptr, nullptr, nullptr, nullptr) ==
             MT_OK);
}

// Empty tensors touch no memory: a NULL buffer is fine when there are no
// elements, and a reduction over an empty dim writes the start values.
BOOST_AUTO_TEST_CASE(zero_size_views) {
  const mt_view empty = view_of(nullptr, MT_F32, {0, 4}, {4, 1});
  BOOST_TEST(cuda().fill(cuda().context, &empty, 1.0) == MT_OK, last_error());
  BOOST_TEST(cuda().map(cuda().context, MT_MAP_EXP, &empty, &empty) == MT_OK, last_error());
  DeviceBuffer out(3 * 4);
  const mt_view in = view_of(nullptr, MT_F32, {3, 0}, {0, 1});
  const mt_view o = view_of(out.data, MT_F32, {3, 1}, {1, 1});
  BOOST_TEST(cuda().reduce(cuda().context, MT_REDUCE_MAX, &o, &in, 1) == MT_OK, last_error());
  float result[3] = {};
  BOOST_TEST(cuda().copy_to_host(cuda().context, result, out.data, 0, sizeof result) == MT_OK);
  for (const float r : result)
    BOOST_TEST(r == -std::numeric_limits<float>::infinity());
}

BOOST_AUTO_TEST_SUITE_END()
