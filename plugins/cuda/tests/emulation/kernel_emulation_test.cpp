// kernel_emulation_test.cpp — runs the plugin's kernel launchers (src/*.cu as
// host C++) on CPU threads and compares every result with the reference
// plugin. Checks indexing, reductions, tiling and edges; not CUDA validity.
#define BOOST_TEST_MODULE cuda_kernel_emulation
#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include "launch.hpp"

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifndef MT_REFERENCE_PLUGIN
#error "MT_REFERENCE_PLUGIN must name the reference plugin's .so"
#endif

namespace {

// ---------------------------------------------------------------------------
// The oracle: the reference plugin, loaded from the build tree.
// ---------------------------------------------------------------------------

const mt_backend& oracle() {
  static const mt_backend* table = [] {
    void* handle = dlopen(MT_REFERENCE_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr)
      throw std::runtime_error(std::string("cannot load the reference plugin: ") + dlerror());
    const auto entry = reinterpret_cast<mt_plugin_entry_fn>(dlsym(handle, MT_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr)
      throw std::runtime_error("the reference plugin has no entry point");
    return entry(MT_ABI_MAJOR, MT_ABI_MINOR);
  }();
  return *table;
}

void check_oracle(mt_status status, const char* what) {
  if (status != MT_OK)
    throw std::runtime_error(std::string("reference ") + what +
                             " failed: " + oracle().last_error(oracle().context));
}

// Host memory from the reference plugin's alloc: the oracle accepts it as its
// own buffer, and the emulated kernels read it as "device" memory.
class Buffer {
 public:
  explicit Buffer(std::size_t bytes) {
    check_oracle(oracle().alloc(oracle().context, std::max<std::size_t>(bytes, 64), &data_),
                 "alloc");
  }
  ~Buffer() { (void)oracle().free(oracle().context, data_); }
  Buffer(Buffer&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer& operator=(Buffer&&) = delete;
  void* data() const { return data_; }

 private:
  void* data_ = nullptr;
};

// Temporary memory for the launchers (reduce partials), with a leak count.
class HostWorkspace final : public mt::cuda::Workspace {
 public:
  void* acquire(std::size_t bytes) override {
    void* block = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (block == nullptr)
      throw mt::sdk::Error(MT_ERR_OUT_OF_MEMORY, "host workspace");
    ++outstanding;
    return block;
  }
  void release(void* block) noexcept override {
    std::free(block);
    --outstanding;
  }
  int outstanding = 0;
};

HostWorkspace g_workspace;

// A small "GPU" so that grids are capped and long reductions get split.
mt::cuda::LaunchEnv small_env() {
  mt::cuda::LaunchEnv env;
  env.sm_count = 2;
  env.max_threads_per_sm = 512;
  env.workspace = &g_workspace;
  return env;
}

// ---------------------------------------------------------------------------
// Strided tensors over a buffer
// ---------------------------------------------------------------------------

struct Layout {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  int64_t storage = 1;  // elements the buffer must hold
};

int64_t count_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (const int64_t s : shape)
    n *= s;
  return n;
}

Layout finish(Layout l) {
  int64_t last = l.offset;
  if (count_of(l.shape) > 0)
    for (std::size_t d = 0; d < l.shape.size(); ++d)
      last += (l.shape[d] - 1) * l.strides[d];
  l.storage = last + 1;
  return l;
}

Layout row_major(const std::vector<int64_t>& shape, int64_t offset = 0) {
  Layout l;
  l.shape = shape;
  l.strides.assign(shape.size(), 0);
  int64_t running = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    l.strides[d] = running;
    running *= std::max<int64_t>(shape[d], 1);
  }
  l.offset = offset;
  return finish(l);
}

// Any layout a core tensor can have: dims stored in a shuffled order, gaps
// between rows (a slice of a bigger tensor), an offset, and for inputs some
// broadcast dims (stride 0).
Layout random_layout(std::mt19937& rng, const std::vector<int64_t>& shape, bool broadcast) {
  const std::size_t n = shape.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (rng() % 4 != 0)
    std::shuffle(order.begin(), order.end(), rng);
  Layout l;
  l.shape = shape;
  l.strides.assign(n, 0);
  int64_t running = 1;
  for (std::size_t r = n; r-- > 0;) {
    const std::size_t d = order[r];
    if (broadcast && rng() % 5 == 0)
      continue;  // stride 0
    l.strides[d] = running;
    const int64_t gap = rng() % 4 == 0 ? 1 + rng() % 2 : 0;
    running *= std::max<int64_t>(shape[d], 1) + gap;
  }
  l.offset = rng() % 4;
  return finish(l);
}

template <class T>
struct Tensor {
  Layout layout;
  Buffer buffer;

  explicit Tensor(Layout l)
      : layout(std::move(l)), buffer(static_cast<std::size_t>(layout.storage) * sizeof(T)) {}
  T* data() const { return static_cast<T*>(buffer.data()); }
  mt_view view() const {
    mt_view v{};
    v.buffer = buffer.data();
    v.offset = layout.offset;
    v.dtype = std::is_same_v<T, float> ? MT_F32 : MT_F64;
    v.ndim = static_cast<int32_t>(layout.shape.size());
    for (std::size_t d = 0; d < layout.shape.size(); ++d) {
      v.shape[d] = layout.shape[d];
      v.strides[d] = layout.strides[d];
    }
    return v;
  }
  std::vector<T> snapshot() const { return std::vector<T>(data(), data() + layout.storage); }
};

template <class T>
void fill_uniform(Tensor<T>& t, std::mt19937& rng, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  for (int64_t i = 0; i < t.layout.storage; ++i)
    t.data()[i] = static_cast<T>(dist(rng));
}

// A copy of `t` in another dtype (same layout, values converted), or with
// every value replaced by its magnitude.
template <class U, class T>
Tensor<U> convert(const Tensor<T>& t, bool magnitude = false) {
  Tensor<U> out(t.layout);
  for (int64_t i = 0; i < t.layout.storage; ++i) {
    const U v = static_cast<U>(t.data()[i]);
    out.data()[i] = magnitude ? std::fabs(v) : v;
  }
  return out;
}

// Calls f(position) for every element of the layout.
template <class F>
void for_each_position(const Layout& l, F&& f) {
  if (count_of(l.shape) == 0)
    return;
  std::vector<int64_t> index(l.shape.size(), 0);
  for (;;) {
    int64_t pos = l.offset;
    for (std::size_t d = 0; d < index.size(); ++d)
      pos += index[d] * l.strides[d];
    f(pos);
    std::size_t d = index.size();
    for (; d-- > 0;) {
      if (++index[d] < l.shape[d])
        break;
      index[d] = 0;
    }
    if (d == static_cast<std::size_t>(-1))
      return;
  }
}

// `tiny` absorbs the lost precision of subnormal results.
bool close(double got, double want, double scale, double rtol, double tiny) {
  if (std::isnan(want) || std::isnan(got))
    return std::isnan(want) && std::isnan(got);
  if (std::isinf(want) || std::isinf(got))
    return got == want;
  return std::fabs(got - want) <= rtol * (scale + std::fabs(want)) + tiny;
}

// Compares `got` with `want` (same layout) element by element, with an
// error allowance of rtol * (magnitude + |want|), and checks that no
// position outside the view changed from `before`. Returns "" or the
// first failures.
template <class T, class U>
std::string compare(const Tensor<T>& got, const Tensor<U>& want, const Tensor<U>* magnitude,
                    double rtol, const std::vector<T>& before) {
  std::ostringstream failures;
  int reported = 0;
  std::vector<char> covered(static_cast<std::size_t>(got.layout.storage), 0);
  for_each_position(got.layout, [&](int64_t pos) {
    covered[static_cast<std::size_t>(pos)] = 1;
    const double g = static_cast<double>(got.data()[pos]);
    const double w = static_cast<double>(want.data()[pos]);
    const double m = magnitude != nullptr ? static_cast<double>(magnitude->data()[pos]) : 0.0;
    const double tiny = rtol > 0 ? static_cast<double>(std::numeric_limits<T>::min()) : 0.0;
    if (!close(g, w, m, rtol, tiny) && reported++ < 5)
      failures << "at position " << pos << ": got " << g << ", want " << w << "; ";
  });
  for (int64_t pos = 0; pos < got.layout.storage; ++pos) {
    const T now = got.data()[pos];
    const T then = before[static_cast<std::size_t>(pos)];
    const bool same = (now == then) || (std::isnan(now) && std::isnan(then));
    if (!covered[static_cast<std::size_t>(pos)] && !same && reported++ < 10)
      failures << "position " << pos << " outside the output view was written; ";
  }
  return failures.str();
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << "(";
  for (std::size_t d = 0; d < shape.size(); ++d)
    s << (d ? ", " : "") << shape[d];
  s << ")";
  return s.str();
}

constexpr double kSentinel = 12345.5;

template <class T>
double exact_rtol() {
  return std::is_same_v<T, float> ? 1e-6 : 1e-14;
}
template <class T>
double sum_rtol() {
  return std::is_same_v<T, float> ? 2e-5 : 1e-13;
}

// ---------------------------------------------------------------------------
// One checked call per family. Each returns "" when the emulated kernels
// agree with the oracle.
// ---------------------------------------------------------------------------

template <class T>
std::string check_map(int32_t op, const std::vector<int64_t>& shape, uint32_t seed, bool in_place) {
  std::mt19937 rng(seed);
  Tensor<T> in(random_layout(rng, shape, !in_place));
  fill_uniform(in, rng, -100, 100);
  if (in_place) {
    const Tensor<T> want = convert<T>(in);
    const mt_view wv = want.view();
    check_oracle(oracle().map(oracle().context, op, &wv, &wv), "map");
    const std::vector<T> before = in.snapshot();
    const mt_view v = in.view();
    mt::cuda::launch_map(small_env(), op, v, v);
    return compare(in, want, static_cast<const Tensor<T>*>(nullptr), exact_rtol<T>(), before);
  }
  Tensor<T> out(random_layout(rng, shape, false));
  Tensor<T> want(out.layout);
  fill_uniform(out, rng, kSentinel, kSentinel);
  fill_uniform(want, rng, kSentinel, kSentinel);
  const mt_view iv = in.view(), ov = out.view(), wv = want.view();
  check_oracle(oracle().map(oracle().context, op, &wv, &iv), "map");
  const std::vector<T> before = out.snapshot();
  mt::cuda::launch_map(small_env(), op, ov, iv);
  return compare(out, want, static_cast<const Tensor<T>*>(nullptr), exact_rtol<T>(), before);
}

template <class T>
std::string check_zip(int32_t op, const std::vector<int64_t>& shape, uint32_t seed,
                      int in_place /* 0: no, 1: out is a, 2: out is b */) {
  std::mt19937 rng(seed);
  // An output never has stride 0, so the input it replaces has none either.
  const bool pairs = op == MT_ZIP_EQ || op == MT_ZIP_IS_CLOSE;
  const Layout la = random_layout(rng, shape, in_place == 0 && !pairs);
  const Layout lb = pairs ? la : random_layout(rng, shape, in_place != 2);
  Tensor<T> a(la);
  Tensor<T> b(lb);
  fill_uniform(a, rng, -100, 100);
  fill_uniform(b, rng, -100, 100);
  if (pairs) {
    // Same layout, and every other element equal (EQ) or within 1e-2
    // (IS_CLOSE), so both answers occur.
    for (int64_t i = 0; i < a.layout.storage; i += 2)
      b.data()[i] = a.data()[i] + static_cast<T>(op == MT_ZIP_EQ ? 0.0 : 0.004);
  }
  Tensor<T> out(in_place == 1   ? a.layout
                : in_place == 2 ? b.layout
                                : random_layout(rng, shape, false));
  if (in_place == 1)
    std::copy(a.data(), a.data() + a.layout.storage, out.data());
  else if (in_place == 2)
    std::copy(b.data(), b.data() + b.layout.storage, out.data());
  else
    fill_uniform(out, rng, kSentinel, kSentinel);
  Tensor<T> want = convert<T>(out);
  // In place: the output *is* one of the inputs (same buffer, same view).
  Tensor<T>& a_used = in_place == 1 ? out : a;
  Tensor<T>& b_used = in_place == 2 ? out : b;
  const Tensor<T>& a_oracle = in_place == 1 ? want : a;
  const Tensor<T>& b_oracle = in_place == 2 ? want : b;
  const mt_view wv = want.view(), av_o = a_oracle.view(), bv_o = b_oracle.view();
  check_oracle(oracle().zip(oracle().context, op, &wv, &av_o, &bv_o), "zip");
  const std::vector<T> before = out.snapshot();
  const mt_view ov = out.view(), av = a_used.view(), bv = b_used.view();
  mt::cuda::launch_zip(small_env(), op, ov, av, bv);
  return compare(out, want, static_cast<const Tensor<T>*>(nullptr), exact_rtol<T>(), before);
}

template <class T>
std::string check_fill(const std::vector<int64_t>& shape, uint32_t seed, double value) {
  std::mt19937 rng(seed);
  Tensor<T> out(random_layout(rng, shape, false));
  fill_uniform(out, rng, kSentinel, kSentinel);
  Tensor<T> want = convert<T>(out);
  const mt_view wv = want.view();
  check_oracle(oracle().fill(oracle().context, &wv, value), "fill");
  const std::vector<T> before = out.snapshot();
  mt::cuda::launch_fill(small_env(), out.view(), value);
  return compare(out, want, static_cast<const Tensor<T>*>(nullptr), 0.0, before);
}

// The oracle runs in f64 on the same (rounded) inputs; the allowance scales
// with the oracle's result on |inputs| (Σ|x| for sums, |Π| for products).
template <class T>
std::string check_reduce(int32_t op, const std::vector<int64_t>& shape, int32_t dim, uint32_t seed,
                         double lo, double hi, const mt::cuda::LaunchEnv& env, int nan_at = -1) {
  std::mt19937 rng(seed);
  Tensor<T> in(random_layout(rng, shape, true));
  fill_uniform(in, rng, lo, hi);
  if (nan_at >= 0 && nan_at < in.layout.storage)
    in.data()[nan_at] = std::numeric_limits<T>::quiet_NaN();
  std::vector<int64_t> out_shape = shape;
  out_shape[static_cast<std::size_t>(dim)] = 1;
  Tensor<T> out(random_layout(rng, out_shape, false));
  fill_uniform(out, rng, kSentinel, kSentinel);
  const Tensor<double> in64 = convert<double>(in);
  const Tensor<double> abs64 = convert<double>(in, true);
  Tensor<double> want = convert<double>(out);
  Tensor<double> magnitude = convert<double>(out);
  const mt_view iv = in64.view(), av = abs64.view(), wv = want.view(), mv = magnitude.view();
  check_oracle(oracle().reduce(oracle().context, op, &wv, &iv, dim), "reduce");
  check_oracle(oracle().reduce(oracle().context, op, &mv, &av, dim), "reduce");
  const std::vector<T> before = out.snapshot();
  const int outstanding = g_workspace.outstanding;
  mt::cuda::launch_reduce(env, op, out.view(), in.view(), dim);
  std::string result = compare(out, want, &magnitude, sum_rtol<T>(), before);
  if (g_workspace.outstanding != outstanding)
    result += "workspace blocks leaked; ";
  return result;
}

template <class T>
std::string check_matmul(int64_t batch, int64_t m, int64_t n, int64_t k, uint32_t seed,
                         const mt::cuda::LaunchEnv& env) {
  std::mt19937 rng(seed);
  Tensor<T> a(random_layout(rng, {batch, m, k}, false));
  Tensor<T> b(random_layout(rng, {batch, k, n}, false));
  // A broadcast batch: batch stride 0 on one operand.
  if (batch > 1 && rng() % 3 == 0) {
    Layout& l = rng() % 2 ? a.layout : b.layout;
    l.strides[0] = 0;
  }
  fill_uniform(a, rng, -1, 1);
  fill_uniform(b, rng, -1, 1);
  Tensor<T> out(random_layout(rng, {batch, m, n}, false));
  fill_uniform(out, rng, kSentinel, kSentinel);
  const Tensor<double> a64 = convert<double>(a), b64 = convert<double>(b);
  const Tensor<double> a_abs = convert<double>(a, true), b_abs = convert<double>(b, true);
  Tensor<double> want = convert<double>(out), magnitude = convert<double>(out);
  const mt_view av = a64.view(), bv = b64.view(), aav = a_abs.view(), bav = b_abs.view();
  const mt_view wv = want.view(), mv = magnitude.view();
  check_oracle(oracle().matmul(oracle().context, &wv, &av, &bv), "matmul");
  check_oracle(oracle().matmul(oracle().context, &mv, &aav, &bav), "matmul");
  const std::vector<T> before = out.snapshot();
  mt::cuda::launch_matmul(env, out.view(), a.view(), b.view());
  return compare(out, want, &magnitude, sum_rtol<T>(), before);
}

// conv1d when `spatial` has one size, conv2d when it has two.
template <class T>
std::string check_conv(int64_t batch, int64_t cin, int64_t cout,
                       const std::vector<int64_t>& in_spatial,
                       const std::vector<int64_t>& kernel_spatial,
                       const std::vector<int64_t>& out_spatial, bool reverse, uint32_t seed,
                       const mt::cuda::LaunchEnv& env) {
  std::mt19937 rng(seed);
  std::vector<int64_t> in_shape{batch, cin}, w_shape{cout, cin}, out_shape{batch, cout};
  in_shape.insert(in_shape.end(), in_spatial.begin(), in_spatial.end());
  w_shape.insert(w_shape.end(), kernel_spatial.begin(), kernel_spatial.end());
  out_shape.insert(out_shape.end(), out_spatial.begin(), out_spatial.end());
  Tensor<T> in(random_layout(rng, in_shape, false));
  Tensor<T> w(random_layout(rng, w_shape, false));
  fill_uniform(in, rng, -1, 1);
  fill_uniform(w, rng, -1, 1);
  Tensor<T> out(random_layout(rng, out_shape, false));
  fill_uniform(out, rng, kSentinel, kSentinel);
  const Tensor<double> in64 = convert<double>(in), w64 = convert<double>(w);
  const Tensor<double> in_abs = convert<double>(in, true), w_abs = convert<double>(w, true);
  Tensor<double> want = convert<double>(out), magnitude = convert<double>(out);
  const mt_view iv = in64.view(), wv64 = w64.view(), iav = in_abs.view(), wav = w_abs.view();
  const mt_view want_v = want.view(), mv = magnitude.view();
  const bool one_d = in_spatial.size() == 1;
  const auto conv = one_d ? oracle().conv1d : oracle().conv2d;
  check_oracle(conv(oracle().context, &want_v, &iv, &wv64, reverse ? 1 : 0), "conv");
  check_oracle(conv(oracle().context, &mv, &iav, &wav, reverse ? 1 : 0), "conv");
  const std::vector<T> before = out.snapshot();
  if (one_d)
    mt::cuda::launch_conv1d(env, out.view(), in.view(), w.view(), reverse);
  else
    mt::cuda::launch_conv2d(env, out.view(), in.view(), w.view(), reverse);
  return compare(out, want, &magnitude, sum_rtol<T>(), before);
}

// ---------------------------------------------------------------------------
// rapidcheck generators
// ---------------------------------------------------------------------------

// MiniTorch's tensor strategy (1-4 dims of size 1-3), widened: 0-4 dims of
// size 0-6, so scalars, empty tensors and odd sizes all appear.
rc::Gen<std::vector<int64_t>> gen_shape() {
  return rc::gen::mapcat(rc::gen::inRange(0, 5), [](int ndim) {
    return rc::gen::container<std::vector<int64_t>>(
        static_cast<std::size_t>(ndim),
        rc::gen::weightedOneOf<int64_t>(
            {{1, rc::gen::just<int64_t>(0)}, {12, rc::gen::inRange<int64_t>(1, 7)}}));
  });
}

template <class F>
void for_dtype(bool f64, F&& f) {
  if (f64)
    f(double{});
  else
    f(float{});
}

}  // namespace

// ===========================================================================
// Element-wise
// ===========================================================================

BOOST_AUTO_TEST_SUITE(elementwise)

RC_BOOST_PROP(map_matches_reference_on_any_layout, (bool f64, bool in_place, uint32_t seed)) {
  const auto op = *rc::gen::inRange<int32_t>(0, MT_MAP_OP_COUNT);
  const auto shape = *gen_shape();
  for_dtype(f64, [&](auto zero) {
    const std::string err = check_map<decltype(zero)>(op, shape, seed, in_place);
    RC_LOG() << "map " << mt::sdk::map_op_name(op) << " " << shape_text(shape) << ": " << err;
    RC_ASSERT(err.empty());
  });
}

RC_BOOST_PROP(zip_matches_reference_on_any_layout, (bool f64, uint32_t seed)) {
  const auto op = *rc::gen::inRange<int32_t>(0, MT_ZIP_OP_COUNT);
  const auto shape = *gen_shape();
  const int in_place = *rc::gen::inRange(0, 3);
  for_dtype(f64, [&](auto zero) {
    const std::string err = check_zip<decltype(zero)>(op, shape, seed, in_place);
    RC_LOG() << "zip " << mt::sdk::zip_op_name(op) << " " << shape_text(shape) << ": " << err;
    RC_ASSERT(err.empty());
  });
}

RC_BOOST_PROP(fill_writes_exactly_the_view, (bool f64, uint32_t seed, double value)) {
  const auto shape = *gen_shape();
  for_dtype(f64, [&](auto zero) {
    const std::string err = check_fill<decltype(zero)>(shape, seed, value);
    RC_LOG() << "fill " << shape_text(shape) << ": " << err;
    RC_ASSERT(err.empty());
  });
}

// Long contiguous runs take the 16-byte vector path; every remainder modulo
// the vector width and both alignments (offset 0 and 1) must be right.
BOOST_AUTO_TEST_CASE(vector_path_handles_tails_and_misalignment) {
  for (const int64_t n : {1, 2, 3, 4, 5, 7, 8, 9, 1000, 1003, 4099}) {
    for (uint32_t seed = 0; seed < 4; ++seed) {
      std::mt19937 rng(seed);
      for (const bool f64 : {false, true}) {
        for_dtype(f64, [&](auto zero) {
          using T = decltype(zero);
          const int64_t offset = seed % 2;  // 1 breaks 16-byte alignment
          Tensor<T> in(row_major({n}, offset)), out(row_major({n}, offset));
          fill_uniform(in, rng, -5, 5);
          fill_uniform(out, rng, kSentinel, kSentinel);
          Tensor<T> want = convert<T>(out);
          const mt_view iv = in.view(), wv = want.view();
          check_oracle(oracle().map(oracle().context, MT_MAP_EXP, &wv, &iv), "map");
          const std::vector<T> before = out.snapshot();
          mt::cuda::launch_map(small_env(), MT_MAP_EXP, out.view(), in.view());
          const std::string err =
              compare(out, want, static_cast<const Tensor<T>*>(nullptr), exact_rtol<T>(), before);
          BOOST_TEST(err.empty(), "n=" << n << " offset=" << offset << ": " << err);
        });
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_op_is_unsupported) {
  Tensor<float> t(row_major({4}));
  try {
    mt::cuda::launch_map(small_env(), MT_MAP_OP_COUNT, t.view(), t.view());
    BOOST_FAIL("an unknown map op was accepted");
  } catch (const mt::sdk::Error& e) {
    BOOST_TEST(e.status() == MT_ERR_UNSUPPORTED);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
// Reduce
// ===========================================================================

BOOST_AUTO_TEST_SUITE(reduce)

RC_BOOST_PROP(reduce_matches_reference_on_any_layout, (bool f64, uint32_t seed)) {
  const auto op = *rc::gen::inRange<int32_t>(0, MT_REDUCE_OP_COUNT);
  auto shape = *gen_shape();
  if (shape.empty())
    shape.push_back(*rc::gen::inRange<int64_t>(0, 7));
  const auto dim = *rc::gen::inRange<int32_t>(0, static_cast<int32_t>(shape.size()));
  // Long enough reduce lengths to reach the split, multi-pass code.
  if (*rc::gen::inRange(0, 4) == 0)
    shape[static_cast<std::size_t>(dim)] = *rc::gen::inRange<int64_t>(100, 5000);
  // Products of thousands of factors stay far from f32 underflow near 1.
  const double lo = op == MT_REDUCE_PROD ? 0.9 : -10, hi = op == MT_REDUCE_PROD ? 1.1 : 10;
  for_dtype(f64, [&](auto zero) {
    using T = decltype(zero);
    const std::string err = check_reduce<T>(op, shape, dim, seed, lo, hi, small_env());
    RC_LOG() << "reduce " << mt::sdk::reduce_op_name(op) << " " << shape_text(shape) << " dim "
             << dim << ": " << err;
    RC_ASSERT(err.empty());
  });
}

// Both kernels (block per output, thread per output), with and without
// splitting, and with more than one pass.
BOOST_AUTO_TEST_CASE(long_and_wide_reductions) {
  struct Case {
    std::vector<int64_t> shape;
    int32_t dim;
  };
  const std::vector<Case> cases = {
      {{100003}, 0},       // one output, many splits, then more passes
      {{3, 40001}, 1},     // few outputs, contiguous rows
      {{40001, 3}, 0},     // few outputs, strided: block per output
      {{20011, 37}, 0},    // strided rows, block per output
      {{3000, 200}, 0},    // many outputs, strided: thread per output, split
      {{200, 3, 900}, 0},  // thread per output over a non-contiguous kept layout
      {{9, 3001}, 1},      // several long rows
      {{3, 5, 3001}, 2},   // rank 3
      {{4000, 2}, 1},      // many outputs, short rows
  };
  for (const Case& c : cases) {
    for (const int32_t op : {MT_REDUCE_SUM, MT_REDUCE_MAX}) {
      for (const bool f64 : {false, true}) {
        for_dtype(f64, [&](auto zero) {
          using T = decltype(zero);
          const std::string err = check_reduce<T>(op, c.shape, c.dim, 7, -1, 1, small_env());
          BOOST_TEST(err.empty(), mt::sdk::reduce_op_name(op) << " " << shape_text(c.shape)
                                                              << " dim " << c.dim << ": " << err);
        });
      }
    }
  }
  // The same on a big "GPU", where nothing gets split.
  mt::cuda::LaunchEnv big = small_env();
  big.sm_count = 132;
  big.max_threads_per_sm = 2048;
  const std::string err = check_reduce<float>(MT_REDUCE_SUM, {2, 30011}, 1, 3, -1, 1, big);
  BOOST_TEST(err.empty(), err);
}

BOOST_AUTO_TEST_CASE(max_propagates_nan_and_empty_dims_give_start_values) {
  for (const int nan_at : {0, 5, 99999}) {
    const std::string err =
        check_reduce<float>(MT_REDUCE_MAX, {100003}, 0, 1, -1, 1, small_env(), nan_at);
    BOOST_TEST(err.empty(), "NaN at " << nan_at << ": " << err);
  }
  const std::string wide =
      check_reduce<double>(MT_REDUCE_MAX, {3000, 5}, 0, 2, -1, 1, small_env(), 4711);
  BOOST_TEST(wide.empty(), wide);
  for (const int32_t op : {MT_REDUCE_SUM, MT_REDUCE_PROD, MT_REDUCE_MAX}) {
    const std::string err = check_reduce<float>(op, {4, 0, 3}, 1, 5, -1, 1, small_env());
    BOOST_TEST(err.empty(), mt::sdk::reduce_op_name(op) << " over an empty dim: " << err);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
// Matmul and convolutions (the tiled GEMM)
// ===========================================================================

BOOST_AUTO_TEST_SUITE(gemm)

// Sizes around every tile edge (16, 32, 64, 128) and K = 0.
RC_BOOST_PROP(matmul_matches_reference_on_any_layout, (bool f64, uint32_t seed)) {
  const auto size =
      rc::gen::elementOf(std::vector<int64_t>{0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 127, 129});
  const int64_t batch = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t m = *size, n = *size, k = *size;
  const bool many_sms = *rc::gen::arbitrary<bool>();
  mt::cuda::LaunchEnv env = small_env();
  if (many_sms)
    env.sm_count = 1000;  // Large tiles would idle it: take the Small shape
  for_dtype(f64, [&](auto zero) {
    using T = decltype(zero);
    const std::string err = check_matmul<T>(batch, m, n, k, seed, env);
    RC_LOG() << "matmul batch " << batch << " m " << m << " n " << n << " k " << k << ": " << err;
    RC_ASSERT(err.empty());
  });
}

BOOST_AUTO_TEST_CASE(matmul_tile_shapes_and_edges) {
  struct Case {
    int64_t batch, m, n, k;
  };
  // Large (f32 128x128, f64 64x64), Small, Narrow (n <= 16), K = 0, M = 1.
  const std::vector<Case> cases = {{1, 257, 130, 19}, {2, 129, 129, 9}, {1, 300, 16, 40},
                                   {3, 5, 1, 70},     {1, 40, 50, 0},   {1, 1, 200, 33},
                                   {4, 33, 17, 8}};
  for (const Case& c : cases) {
    for (const bool f64 : {false, true}) {
      for_dtype(f64, [&](auto zero) {
        using T = decltype(zero);
        const std::string err = check_matmul<T>(c.batch, c.m, c.n, c.k, 11, small_env());
        BOOST_TEST(err.empty(), "batch " << c.batch << " m " << c.m << " n " << c.n << " k " << c.k
                                         << ": " << err);
      });
    }
  }
}

RC_BOOST_PROP(conv1d_matches_reference_on_any_layout, (bool f64, bool reverse, uint32_t seed)) {
  const int64_t batch = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t cin = *rc::gen::inRange<int64_t>(0, 4);
  const int64_t cout = *rc::gen::elementOf(std::vector<int64_t>{1, 2, 5, 16, 17, 40});
  const int64_t width = *rc::gen::inRange<int64_t>(0, 14);
  const int64_t kernel = *rc::gen::inRange<int64_t>(1, 6);
  // T = W (MiniTorch's forward), T = K (its weight gradient), or anything.
  const int64_t out_width =
      *rc::gen::elementOf(std::vector<int64_t>{width, kernel, *rc::gen::inRange<int64_t>(0, 16)});
  for_dtype(f64, [&](auto zero) {
    using T = decltype(zero);
    const std::string err =
        check_conv<T>(batch, cin, cout, {width}, {kernel}, {out_width}, reverse, seed, small_env());
    RC_LOG() << "conv1d B " << batch << " Cin " << cin << " Cout " << cout << " W " << width
             << " K " << kernel << " T " << out_width << " reverse " << reverse << ": " << err;
    RC_ASSERT(err.empty());
  });
}

RC_BOOST_PROP(conv2d_matches_reference_on_any_layout, (bool f64, bool reverse, uint32_t seed)) {
  const int64_t batch = *rc::gen::inRange<int64_t>(1, 3);
  const int64_t cin = *rc::gen::inRange<int64_t>(1, 4);
  const int64_t cout = *rc::gen::elementOf(std::vector<int64_t>{1, 3, 16, 20});
  const int64_t h = *rc::gen::inRange<int64_t>(1, 9), w = *rc::gen::inRange<int64_t>(1, 9);
  const int64_t kh = *rc::gen::inRange<int64_t>(1, 4), kw = *rc::gen::inRange<int64_t>(1, 4);
  const bool same_size = *rc::gen::arbitrary<bool>();
  const int64_t oh = same_size ? h : *rc::gen::inRange<int64_t>(0, 10);
  const int64_t ow = same_size ? w : *rc::gen::inRange<int64_t>(0, 10);
  for_dtype(f64, [&](auto zero) {
    using T = decltype(zero);
    const std::string err =
        check_conv<T>(batch, cin, cout, {h, w}, {kh, kw}, {oh, ow}, reverse, seed, small_env());
    RC_LOG() << "conv2d B " << batch << " Cin " << cin << " Cout " << cout << " H " << h << " W "
             << w << " K " << kh << "x" << kw << " out " << oh << "x" << ow << " reverse "
             << reverse << ": " << err;
    RC_ASSERT(err.empty());
  });
}

// MiniTorch's guide example: input 1..6, weight (5, 2, 3) gives
// 18, 28, 38, 48, 37, 30 (computed by hand from the formula, not by code).
BOOST_AUTO_TEST_CASE(conv1d_guide_example) {
  Tensor<double> in(row_major({1, 1, 6})), w(row_major({1, 1, 3})), out(row_major({1, 1, 6}));
  for (int i = 0; i < 6; ++i)
    in.data()[i] = i + 1;
  w.data()[0] = 5;
  w.data()[1] = 2;
  w.data()[2] = 3;
  mt::cuda::launch_conv1d(small_env(), out.view(), in.view(), w.view(), false);
  const double expected[6] = {18, 28, 38, 48, 37, 30};
  for (int i = 0; i < 6; ++i)
    BOOST_TEST(out.data()[i] == expected[i]);
}

BOOST_AUTO_TEST_SUITE_END()
