// test_parallel_plugin.cpp — the parallel plugin's own code paths, checked
// against naive loops over the SDK's per-element formulas: tensors large
// enough to be split across threads, operands transposed against the output
// (the banded walk), the three reduce loop shapes and chunked long
// reductions, GEMM edge sizes, broadcast batches and the split-k path, and
// each convolution path (direct, dot, folded, exact), and optim_step over a
// parameter list split across tasks. Not the cross-backend
// suite (tests/conformance); CTest runs this binary once per instruction set
// (MT_PARALLEL_ISA) and once with a bad MT_NUM_THREADS.
#define BOOST_TEST_MODULE parallel_plugin
#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include <minitorch/plugin_abi.h>
#include <minitorch/plugin_helpers.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

// ---- the plugin under test ----------------------------------------------------

struct Plugin {
  const mt_backend* table = nullptr;
  bool usable = false;
  std::string reason;
};

const Plugin& plugin() {
  static const Plugin loaded = [] {
    Plugin p;
    void* handle = dlopen(MT_PARALLEL_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      p.reason = std::string("dlopen failed: ") + dlerror();
      return p;
    }
    auto entry = reinterpret_cast<mt_plugin_entry_fn>(dlsym(handle, MT_PLUGIN_ENTRY_SYMBOL));
    p.table = entry != nullptr ? entry(MT_ABI_MAJOR, MT_ABI_MINOR) : nullptr;
    if (p.table == nullptr) {
      p.reason = "no table from mt_plugin_entry";
      return p;
    }
    char text[256] = "";
    p.usable = p.table->is_usable(p.table->context, text, sizeof text) == 1;
    p.reason = text;
    return p;
  }();
  return loaded;
}

const mt_backend& api() {
  return *plugin().table;
}

// Precondition for the compute suites: a run whose settings make the plugin
// unusable (MT_PARALLEL_ISA=avx512 on a CPU without it) skips them, saying why.
struct Usable {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result result(plugin().usable);
    result.message() << "the parallel plugin is not usable here: " << plugin().reason;
    return result;
  }
};

std::mt19937_64& rng() {
  static std::mt19937_64 engine(20240601);
  return engine;
}

// A tensor in one of the plugin's buffers. Dims are laid out in memory in
// `order` (outermost first), with an element offset in front.
class Tensor {
 public:
  Tensor(int32_t dtype, const std::vector<int64_t>& shape, const std::vector<int>& order,
         int64_t offset = 0, double lo = -3.0, double hi = 3.0) {
    view_.dtype = dtype;
    view_.ndim = static_cast<int32_t>(shape.size());
    view_.offset = offset;
    int64_t stride = 1;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const auto d = static_cast<std::size_t>(*it);
      view_.shape[d] = shape[d];
      view_.strides[d] = stride;
      stride *= std::max<int64_t>(1, shape[d]);
    }
    span_ = offset + stride;
    const std::size_t bytes = static_cast<std::size_t>(span_) * (dtype == MT_F32 ? 4 : 8);
    BOOST_TEST_REQUIRE(api().alloc(api().context, bytes, &view_.buffer) == MT_OK);
    if (span_ > (int64_t{1} << 22)) {
      // Big buffers get a cheap pattern: the random draws would dominate.
      for (int64_t i = 0; i < span_; ++i)
        set(i, lo + (hi - lo) * static_cast<double>(i % 97) / 97.0);
      return;
    }
    std::uniform_real_distribution<double> value(lo, hi);
    for (int64_t i = 0; i < span_; ++i)
      set(i, value(rng()));
  }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor() { api().free(api().context, view_.buffer); }

  mt_view& view() { return view_; }
  const mt_view& view() const { return view_; }
  int64_t span() const { return span_; }
  double get(int64_t pos) const {
    return view_.dtype == MT_F32 ? static_cast<const float*>(view_.buffer)[pos]
                                 : static_cast<const double*>(view_.buffer)[pos];
  }
  void set(int64_t pos, double x) {
    if (view_.dtype == MT_F32)
      static_cast<float*>(view_.buffer)[pos] = static_cast<float>(x);
    else
      static_cast<double*>(view_.buffer)[pos] = x;
  }
  int64_t position(const std::vector<int64_t>& index) const {
    int64_t p = view_.offset;
    for (int32_t d = 0; d < view_.ndim; ++d)
      p += index[static_cast<std::size_t>(d)] * view_.strides[d];
    return p;
  }
  double at(const std::vector<int64_t>& index) const { return get(position(index)); }
  // The same without building a vector, for the oracles' inner loops.
  double at(std::initializer_list<int64_t> index) const {
    int64_t p = view_.offset;
    int32_t d = 0;
    for (int64_t i : index)
      p += i * view_.strides[d++];
    return get(p);
  }

 private:
  mt_view view_{};
  int64_t span_ = 0;
};

std::vector<int> in_order(std::size_t n) {
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  return order;
}

std::vector<int> reversed(std::size_t n) {
  std::vector<int> order = in_order(n);
  std::reverse(order.begin(), order.end());
  return order;
}

std::vector<int> shuffled(std::size_t n) {
  std::vector<int> order = in_order(n);
  std::shuffle(order.begin(), order.end(), rng());
  return order;
}

void for_each_index(const std::vector<int64_t>& shape,
                    const std::function<void(const std::vector<int64_t>&)>& body) {
  for (int64_t s : shape)
    if (s == 0)
      return;
  std::vector<int64_t> index(shape.size(), 0);
  for (;;) {
    body(index);
    std::size_t d = shape.size();
    for (;;) {
      if (d == 0)
        return;
      --d;
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

// Within rel * (1 + scale) of want; NaN and inf must match exactly.
bool close(double got, double want, double rel, double scale) {
  if (std::isnan(want))
    return std::isnan(got);
  if (std::isinf(want))
    return got == want;
  return std::fabs(got - want) <= rel * (1.0 + scale);
}

double unit_roundoff(int32_t dtype) {
  return dtype == MT_F32 ? 6e-8 : 1.2e-16;
}

// The SDK formulas in the view's dtype.
double sdk_map(int32_t dtype, int32_t op, double x) {
  return dtype == MT_F32 ? mt::sdk::apply_map<float>(op, static_cast<float>(x))
                         : mt::sdk::apply_map<double>(op, x);
}
double sdk_zip(int32_t dtype, int32_t op, double a, double b) {
  return dtype == MT_F32
             ? mt::sdk::apply_zip<float>(op, static_cast<float>(a), static_cast<float>(b))
             : mt::sdk::apply_zip<double>(op, a, b);
}

// Element-wise results: exact, except exp/log/sigmoid/pow, which the plugin
// computes with its own vectorised formulas (a few ulp).
double elementwise_tolerance(int32_t dtype) {
  return 40 * unit_roundoff(dtype);
}

// ---- element-wise checks ------------------------------------------------------

void check_map(int32_t dtype, int32_t op, const std::vector<int64_t>& shape,
               const std::vector<int>& in_layout, bool in_place) {
  Tensor in(dtype, shape, in_layout, 2, op == MT_MAP_LOG || op == MT_MAP_SQRT ? 0.01 : -3.0);
  std::vector<double> want(static_cast<std::size_t>(in.span()), 0.0);
  for_each_index(shape, [&](const std::vector<int64_t>& i) {
    want[static_cast<std::size_t>(in.position(i))] = sdk_map(dtype, op, in.at(i));
  });
  Tensor out_buffer(dtype, shape, in_order(shape.size()), 1);
  Tensor& out = in_place ? in : out_buffer;
  BOOST_TEST_REQUIRE(api().map(api().context, op, &out.view(), &in.view()) == MT_OK);
  int bad = 0;
  for_each_index(shape, [&](const std::vector<int64_t>& i) {
    const double w = want[static_cast<std::size_t>(in.position(i))];
    if (!close(out.at(i), w, elementwise_tolerance(dtype), std::fabs(w)) && bad++ < 3)
      BOOST_ERROR(mt::sdk::map_op_name(op)
                  << " " << mt::sdk::dtype_name(dtype) << ": got " << out.at(i) << ", want " << w);
  });
}

void check_zip(int32_t dtype, int32_t op, const std::vector<int64_t>& shape,
               const std::vector<int>& a_layout, const std::vector<int>& b_layout,
               int broadcast_dim_of_b = -1) {
  Tensor a(dtype, shape, a_layout, 3);
  Tensor b(dtype, shape, b_layout, 0);
  if (broadcast_dim_of_b >= 0)
    b.view().strides[broadcast_dim_of_b] = 0;
  if (op == MT_ZIP_POW)
    for (int64_t i = 0; i < a.span(); ++i)
      a.set(i, std::fabs(a.get(i)) + 0.1);
  if (op == MT_ZIP_EQ || op == MT_ZIP_IS_CLOSE)
    for (int64_t i = 0; i < std::min(a.span(), b.span()); i += 3)
      b.set(i, a.get(i) + (op == MT_ZIP_IS_CLOSE ? 0.004 : 0.0));
  Tensor out(dtype, shape, in_order(shape.size()), 1);
  BOOST_TEST_REQUIRE(api().zip(api().context, op, &out.view(), &a.view(), &b.view()) == MT_OK);
  int bad = 0;
  for_each_index(shape, [&](const std::vector<int64_t>& i) {
    const double w = sdk_zip(dtype, op, a.at(i), b.at(i));
    if (!close(out.at(i), w, elementwise_tolerance(dtype), std::fabs(w)) && bad++ < 3)
      BOOST_ERROR(mt::sdk::zip_op_name(op)
                  << " " << mt::sdk::dtype_name(dtype) << ": got " << out.at(i) << ", want " << w);
  });
}

// ---- reduce check ----------------------------------------------------------------

void check_reduce(int32_t dtype, int32_t op, const std::vector<int64_t>& shape, int dim,
                  const std::vector<int>& layout, bool with_nan = false) {
  const bool prod = op == MT_REDUCE_PROD;
  Tensor in(dtype, shape, layout, 1, prod ? 0.9 : -3.0, prod ? 1.1 : 3.0);
  if (with_nan)
    in.set(in.span() / 2, NAN);
  std::vector<int64_t> out_shape = shape;
  out_shape[static_cast<std::size_t>(dim)] = 1;
  Tensor out(dtype, out_shape, in_order(shape.size()));
  BOOST_TEST_REQUIRE(api().reduce(api().context, op, &out.view(), &in.view(), dim) == MT_OK);
  int bad = 0;
  for_each_index(out_shape, [&](const std::vector<int64_t>& o) {
    std::vector<int64_t> i = o;
    double want = mt::sdk::reduce_start<double>(op);
    double magnitude = 0.0;
    for (int64_t k = 0; k < shape[static_cast<std::size_t>(dim)]; ++k) {
      i[static_cast<std::size_t>(dim)] = k;
      want = mt::sdk::reduce_combine<double>(op, want, in.at(i));
      magnitude += std::fabs(in.at(i));
    }
    // Summation order differs from the oracle's: allow n roundings.
    const double n = static_cast<double>(shape[static_cast<std::size_t>(dim)]) + 1.0;
    const double scale = op == MT_REDUCE_SUM ? magnitude : std::fabs(want);
    if (!close(out.at(o), want, 4 * n * unit_roundoff(dtype), scale) && bad++ < 3)
      BOOST_ERROR(mt::sdk::reduce_op_name(op)
                  << " dim " << dim << ": got " << out.at(o) << ", want " << want);
  });
}

// ---- matmul check -----------------------------------------------------------------

void check_matmul(int32_t dtype, int64_t batch, int64_t m, int64_t n, int64_t k, bool broadcast_a,
                  bool broadcast_b, bool transposed_out = false, bool row_major = false,
                  bool column_major_b = false) {
  Tensor a(dtype, {broadcast_a ? 1 : batch, m, k}, row_major ? in_order(3) : shuffled(3), 2);
  Tensor b(dtype, {broadcast_b ? 1 : batch, k, n},
           column_major_b ? std::vector<int>{0, 2, 1}
           : row_major    ? in_order(3)
                          : shuffled(3),
           0);
  for (Tensor* t : {&a, &b})
    if (t->view().shape[0] != batch) {
      t->view().shape[0] = batch;
      t->view().strides[0] = 0;
    }
  Tensor out(dtype, {batch, m, n}, transposed_out ? std::vector<int>{0, 2, 1} : in_order(3), 1);
  BOOST_TEST_REQUIRE(api().matmul(api().context, &out.view(), &a.view(), &b.view()) == MT_OK);
  int bad = 0;
  for_each_index({batch, m, n}, [&](const std::vector<int64_t>& o) {
    double want = 0.0, magnitude = 0.0;
    for (int64_t p = 0; p < k; ++p) {
      const double term = a.at({o[0], o[1], p}) * b.at({o[0], p, o[2]});
      want += term;
      magnitude += std::fabs(term);
    }
    const double tol = 2.0 * (static_cast<double>(k) + 1.0) * unit_roundoff(dtype);
    if (!close(out.at(o), want, tol, magnitude) && bad++ < 3)
      BOOST_ERROR("matmul " << mt::sdk::dtype_name(dtype) << " B" << batch << " M" << m << " N" << n
                            << " K" << k << " at (" << o[0] << "," << o[1] << "," << o[2]
                            << "): got " << out.at(o) << ", want " << want);
  });
}

// ---- conv check --------------------------------------------------------------------

// How check_conv fills an operand: `kSparseIn` / `kSparseWeight` zero it but
// for one non-zero per row (the last dim), as the gradient behind a max-pool;
// kZeroIn zeroes the input whole.
enum Sparsity { kDense = 0, kSparseIn, kSparseWeight, kZeroIn };

// One non-zero per row of the last dim (1-D) or per plane of the last two
// (2-D: a max over the whole image); none when !keep_one.
void make_one_hot_rows(Tensor& t, const std::vector<int64_t>& shape, bool keep_one) {
  for (int64_t i = 0; i < t.span(); ++i)
    t.set(i, 0.0);
  const std::vector<int64_t> rows(shape.begin(), shape.begin() + 2);
  for_each_index(rows, [&](const std::vector<int64_t>& r) {
    std::vector<int64_t> index(r);
    for (std::size_t d = 2; d < shape.size(); ++d)
      index.push_back(std::uniform_int_distribution<int64_t>(0, shape[d] - 1)(rng()));
    if (keep_one)
      t.set(t.position(index), 0.5 + static_cast<double>(index.back() % 7) / 4.0);
  });
}

// A value planted at an index of the input or the weight.
struct Plant {
  bool weight;
  std::vector<int64_t> index;
  double value;
};

// check_conv with the layouts (dim orders, outermost first), the sparsity
// and planted values (set after the sparsity) given.
void check_conv_in(int32_t dtype, int dims, int64_t batch, int64_t cin, int64_t cout,
                   const std::vector<int64_t>& space, const std::vector<int64_t>& kernel,
                   const std::vector<int64_t>& out_space, bool reverse,
                   const std::vector<int>& in_layout, const std::vector<int>& w_layout,
                   const std::vector<Plant>& plants, const std::vector<int>& out_layout,
                   Sparsity sparse = kDense) {
  std::vector<int64_t> in_shape{batch, cin}, w_shape{cout, cin}, out_shape{batch, cout};
  in_shape.insert(in_shape.end(), space.begin(), space.end());
  w_shape.insert(w_shape.end(), kernel.begin(), kernel.end());
  out_shape.insert(out_shape.end(), out_space.begin(), out_space.end());
  Tensor in(dtype, in_shape, in_layout, 1);
  Tensor w(dtype, w_shape, w_layout, 2);
  Tensor out(dtype, out_shape, out_layout, 0);
  if (sparse == kSparseIn || sparse == kZeroIn)
    make_one_hot_rows(in, in_shape, sparse == kSparseIn);
  if (sparse == kSparseWeight)
    make_one_hot_rows(w, w_shape, true);
  for (const Plant& p : plants)
    (p.weight ? w : in).set((p.weight ? w : in).position(p.index), p.value);
  const mt_status status =
      dims == 2 ? api().conv2d(api().context, &out.view(), &in.view(), &w.view(), reverse)
                : api().conv1d(api().context, &out.view(), &in.view(), &w.view(), reverse);
  BOOST_TEST_REQUIRE(status == MT_OK, api().last_error(api().context));
  const int64_t h = dims == 2 ? space[0] : 1, wd = space.back();
  const int64_t kh = dims == 2 ? kernel[0] : 1, kw = kernel.back();
  const int64_t sign = reverse ? -1 : 1;
  int bad = 0;
  for_each_index(out_shape, [&](const std::vector<int64_t>& o) {
    const int64_t i = dims == 2 ? o[2] : 0, j = o.back();
    double want = 0.0, magnitude = 0.0;
    for (int64_t c = 0; c < cin; ++c)
      for (int64_t ki = 0; ki < kh; ++ki)
        for (int64_t kj = 0; kj < kw; ++kj) {
          const int64_t si = i + sign * ki, sj = j + sign * kj;
          if (si < 0 || si >= h || sj < 0 || sj >= wd)
            continue;  // out-of-range terms are skipped, as the ABI defines
          const double term = dims == 2 ? in.at({o[0], c, si, sj}) * w.at({o[1], c, ki, kj})
                                        : in.at({o[0], c, sj}) * w.at({o[1], c, kj});
          want += term;
          magnitude += std::fabs(term);
        }
    const double tol = 2.0 * static_cast<double>(cin * kh * kw + 1) * unit_roundoff(dtype);
    if (!close(out.at(o), want, tol, magnitude) && bad++ < 3)
      BOOST_ERROR("conv" << dims << "d reverse=" << reverse << " " << mt::sdk::dtype_name(dtype)
                         << ": got " << out.at(o) << ", want " << want);
  });
}

// dims = 1 or 2; in (B, Cin, space...), weight (Cout, Cin, kernel...), out
// (B, Cout, out space...), in random layouts. `nan_weight` plants a NaN in
// the weights' first element in memory; `inf_input` an inf in the last
// element of the last image: out of range for most terms, so most outputs
// stay finite by the definition. `sparse`: see Sparsity.
void check_conv(int32_t dtype, int dims, int64_t batch, int64_t cin, int64_t cout,
                const std::vector<int64_t>& space, const std::vector<int64_t>& kernel,
                const std::vector<int64_t>& out_space, bool reverse, bool nan_weight = false,
                bool inf_input = false, Sparsity sparse = kDense) {
  const std::size_t rank = space.size() + 2;
  const std::vector<int> in_layout = shuffled(rank), w_layout = shuffled(rank);
  std::vector<Plant> plants;
  if (nan_weight) {
    // The element at the view's offset: index 0 in every dim.
    plants.push_back({true, std::vector<int64_t>(rank, 0), NAN});
  }
  if (inf_input) {
    std::vector<int64_t> last{batch - 1, cin - 1};
    for (int64_t s : space)
      last.push_back(s - 1);
    plants.push_back({false, last, INFINITY});
  }
  check_conv_in(dtype, dims, batch, cin, cout, space, kernel, out_space, reverse, in_layout,
                w_layout, plants, shuffled(rank), sparse);
}

const int32_t kDtypes[] = {MT_F32, MT_F64};

}  // namespace

// ---- settings -------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(settings)

// CTest also runs this suite with MT_NUM_THREADS=abc and
// MT_PARALLEL_TEST_EXPECT_UNUSABLE naming the variable the reason must cite.
BOOST_AUTO_TEST_CASE(usable_unless_the_environment_is_invalid) {
  BOOST_TEST_REQUIRE(plugin().table != nullptr, plugin().reason);
  if (const char* expected = std::getenv("MT_PARALLEL_TEST_EXPECT_UNUSABLE")) {
    BOOST_TEST(!plugin().usable);
    BOOST_TEST(plugin().reason.find(expected) != std::string::npos, plugin().reason);
  } else {
    BOOST_TEST(plugin().usable, plugin().reason);
  }
}

BOOST_AUTO_TEST_CASE(supports_every_op_in_both_dtypes) {
  BOOST_TEST_REQUIRE(plugin().table != nullptr, plugin().reason);
  const int32_t counts[] = {MT_MAP_OP_COUNT,    MT_ZIP_OP_COUNT, MT_REDUCE_OP_COUNT, 1, 1, 1,
                            MT_OPTIM_KIND_COUNT};
  static_assert(std::size(counts) == MT_FAMILY_COUNT);
  for (int32_t family = 0; family < MT_FAMILY_COUNT; ++family)
    for (int32_t dtype : kDtypes) {
      for (int32_t op = 0; op < counts[family]; ++op)
        BOOST_TEST(api().supports(api().context, family, op, dtype) == 1);
      BOOST_TEST(api().supports(api().context, family, counts[family], dtype) == 0);
    }
  BOOST_TEST(api().supports(api().context, MT_FAMILY_MAP, 0, MT_DTYPE_COUNT) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- element-wise ---------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(optim, *boost::unit_test::precondition(Usable()))

// One optim_step over parameters of 40,000, 3, 70,001 and 0 elements (the
// call's one index space is split across tasks mid-parameter), every rule
// and branch, both dtypes, bit for bit against the SDK's formula looped here.
BOOST_AUTO_TEST_CASE(every_rule_over_a_split_parameter_list) {
  const std::vector<int64_t> sizes{40000, 3, 70001, 0};
  struct Rule {
    int32_t kind;
    double momentum, weight_decay;
    int32_t nesterov;
  };
  const Rule rules[] = {{MT_OPTIM_SGD, 0.0, 0.0, 0},   {MT_OPTIM_SGD, 0.0, 0.01, 0},
                        {MT_OPTIM_SGD, 0.9, 0.0, 0},   {MT_OPTIM_SGD, 0.9, 0.1, 1},
                        {MT_OPTIM_ADAM, 0.0, 0.0, 0},  {MT_OPTIM_ADAM, 0.0, 0.05, 0},
                        {MT_OPTIM_ADAMW, 0.0, 0.0, 0}, {MT_OPTIM_ADAMW, 0.0, 0.02, 0}};
  for (const int32_t dtype : kDtypes) {
    for (const Rule& r : rules) {
      BOOST_TEST_CONTEXT(mt::sdk::optim_kind_name(r.kind)
                         << " momentum " << r.momentum << " wd " << r.weight_decay << " in "
                         << mt::sdk::dtype_name(dtype)) {
        mt_optim_step step{};
        step.kind = r.kind;
        step.nesterov = r.nesterov;
        step.step = 4;
        step.lr = 0.05;
        step.momentum = r.momentum;
        step.weight_decay = r.weight_decay;
        step.decay = 1.0 - 0.05 * r.weight_decay;
        step.beta1 = 0.9;
        step.one_minus_beta1 = 1.0 - 0.9;
        step.beta2 = 0.999;
        step.one_minus_beta2 = 1.0 - 0.999;
        step.eps = 1e-8;
        step.step_size = 0.05 / (1.0 - std::pow(0.9, 4.0));
        step.inv_sqrt_bias_correction2 = 1.0 / std::sqrt(1.0 - std::pow(0.999, 4.0));
        std::vector<std::unique_ptr<Tensor>> t[4];  // params, grads, state0, state1
        std::vector<mt_view> views[4];
        for (const int64_t n : sizes) {
          for (int a = 0; a < 4; ++a) {
            t[a].push_back(std::make_unique<Tensor>(dtype, std::vector<int64_t>{n}, in_order(1),
                                                    a == 1 ? 3 : 0, a == 3 ? 0.0 : -1.0, 1.0));
            views[a].push_back(t[a].back()->view());
          }
        }
        // The expected values, from the buffers before the call.
        std::vector<std::vector<double>> want[3];
        mt::sdk::dispatch_dtype(dtype, [&](auto zero) {
          using T = decltype(zero);
          const auto c = mt::sdk::optim_coefficients<T>(step);
          mt::sdk::dispatch_optim_kind(step.kind, [&](auto kind) {
            for (std::size_t i = 0; i < sizes.size(); ++i) {
              for (int o = 0; o < 3; ++o)
                want[o].emplace_back();
              for (int64_t k = 0; k < sizes[i]; ++k) {
                T p = static_cast<T>(t[0][i]->get(views[0][i].offset + k));
                const T g = static_cast<T>(t[1][i]->get(views[1][i].offset + k));
                T b0 = static_cast<T>(t[2][i]->get(k)), b1 = static_cast<T>(t[3][i]->get(k));
                mt::sdk::optim_update<T, decltype(kind)::value>(c, p, g, b0, b1);
                want[0].back().push_back(p);
                want[1].back().push_back(b0);
                want[2].back().push_back(b1);
              }
            }
          });
        });
        const auto count = static_cast<int32_t>(sizes.size());
        BOOST_TEST_REQUIRE(
            api().optim_step(api().context, &step, count, views[0].data(), views[1].data(),
                             views[2].data(), views[3].data()) == MT_OK,
            api().last_error(api().context));
        const bool uses[3] = {true, mt::sdk::optim_uses_state0(step),
                              mt::sdk::optim_uses_state1(step)};
        const int array_of[3] = {0, 2, 3};
        int mismatches = 0;
        for (std::size_t i = 0; i < sizes.size(); ++i)
          for (int o = 0; o < 3; ++o)
            for (int64_t k = 0; uses[o] && k < sizes[i]; ++k) {
              const Tensor& got = *t[array_of[o]][i];
              if (got.get(got.view().offset + k) != want[o][i][static_cast<std::size_t>(k)] &&
                  ++mismatches <= 3)
                BOOST_TEST(
                    got.get(got.view().offset + k) == want[o][i][static_cast<std::size_t>(k)],
                    "output " << o << " of parameter " << i << " element " << k);
            }
        BOOST_TEST(mismatches == 0);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(elementwise, *boost::unit_test::precondition(Usable()))

BOOST_AUTO_TEST_CASE(every_map_op_on_large_permuted_and_in_place_views) {
  for (int32_t dtype : kDtypes)
    for (int32_t op = 0; op < MT_MAP_OP_COUNT; ++op) {
      check_map(dtype, op, {70001}, in_order(1), false);
      check_map(dtype, op, {30, 41, 57}, {2, 0, 1}, false);
      check_map(dtype, op, {200, 300}, in_order(2), true);
    }
}

BOOST_AUTO_TEST_CASE(every_zip_op_with_a_transposed_operand) {
  for (int32_t dtype : kDtypes)
    for (int32_t op = 0; op < MT_ZIP_OP_COUNT; ++op) {
      check_zip(dtype, op, {300, 257}, reversed(2), in_order(2));
      check_zip(dtype, op, {129, 300}, in_order(2), reversed(2));
    }
}

BOOST_AUTO_TEST_CASE(broadcast_and_three_dim_transposes) {
  for (int32_t dtype : kDtypes) {
    check_zip(dtype, MT_ZIP_ADD, {500, 300}, in_order(2), in_order(2), 0);  // row vector
    check_zip(dtype, MT_ZIP_MUL, {500, 300}, in_order(2), in_order(2), 1);  // column vector
    check_zip(dtype, MT_ZIP_SUB, {7, 90, 110}, {0, 2, 1}, {2, 1, 0});
    check_zip(dtype, MT_ZIP_MAX, {90, 7, 110}, {1, 2, 0}, in_order(3));
  }
}

// Outputs of 32 MiB or more are written with streaming stores. Checked
// with flat loops (the generic oracle would be slow at this size).
BOOST_AUTO_TEST_CASE(large_outputs_stream) {
  const int64_t rows = 2048, cols = 4100;
  Tensor a(MT_F32, {rows, cols}, in_order(2));
  Tensor x(MT_F32, {rows, cols}, reversed(2));  // transposed against the output
  Tensor out(MT_F32, {rows, cols}, in_order(2));
  const float* pa = static_cast<const float*>(a.view().buffer);
  const float* px = static_cast<const float*>(x.view().buffer);
  const float* po = static_cast<const float*>(out.view().buffer);
  BOOST_TEST_REQUIRE(api().zip(api().context, MT_ZIP_ADD, &out.view(), &a.view(), &a.view()) ==
                     MT_OK);
  int64_t wrong = 0;
  for (int64_t i = 0; i < rows * cols; ++i)
    wrong += po[i] != pa[i] + pa[i];
  BOOST_TEST(wrong == 0);
  BOOST_TEST_REQUIRE(api().zip(api().context, MT_ZIP_MUL, &out.view(), &x.view(), &a.view()) ==
                     MT_OK);
  wrong = 0;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      wrong += po[i * cols + j] != px[j * rows + i] * pa[i * cols + j];
  BOOST_TEST(wrong == 0);
  BOOST_TEST_REQUIRE(api().fill(api().context, &out.view(), -1.5) == MT_OK);
  wrong = 0;
  for (int64_t i = 0; i < rows * cols; ++i)
    wrong += po[i] != -1.5f;
  BOOST_TEST(wrong == 0);
}

RC_BOOST_PROP(zip_matches_the_sdk_formula_on_random_layouts, ()) {
  const auto rank = *rc::gen::inRange<std::size_t>(0, 5);
  const auto shape =
      *rc::gen::container<std::vector<int64_t>>(rank, rc::gen::inRange<int64_t>(1, 12));
  const int32_t op = *rc::gen::inRange<int32_t>(0, MT_ZIP_OP_COUNT);
  const int32_t dtype = *rc::gen::element<int32_t>(MT_F32, MT_F64);
  check_zip(dtype, op, shape, shuffled(rank), shuffled(rank));
}

BOOST_AUTO_TEST_CASE(fill_writes_exactly_the_view) {
  for (int32_t dtype : kDtypes) {
    Tensor t(dtype, {300, 400}, in_order(2));
    mt_view every_other_column = t.view();
    every_other_column.shape[1] = 200;
    every_other_column.strides[1] = 2;
    BOOST_TEST_REQUIRE(api().fill(api().context, &every_other_column, 2.5) == MT_OK);
    int bad = 0;
    for (int64_t i = 0; i < 300; ++i)
      for (int64_t j = 0; j < 400; ++j) {
        const bool in_view = j % 2 == 0;
        const double v = t.at({i, j});
        if ((in_view ? v != 2.5 : v == 2.5) && bad++ < 3)
          BOOST_ERROR("fill at (" << i << "," << j << ") holds " << v);
      }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- reduce ------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(reduce, *boost::unit_test::precondition(Usable()))

BOOST_AUTO_TEST_CASE(every_op_along_every_dim_of_long_and_wide_shapes) {
  // Long reduced dims with few outputs take the chunked path (>= 32768).
  const std::vector<std::vector<int64_t>> shapes = {
      {3, 70000}, {70000, 3}, {40000}, {20, 30, 40}, {2, 33000, 3}};
  for (int32_t dtype : kDtypes)
    for (const auto& shape : shapes)
      for (int dim = 0; dim < static_cast<int>(shape.size()); ++dim)
        for (int32_t op = 0; op < MT_REDUCE_OP_COUNT; ++op)
          check_reduce(dtype, op, shape, dim,
                       op == MT_REDUCE_SUM ? reversed(shape.size()) : in_order(shape.size()));
}

BOOST_AUTO_TEST_CASE(sums_over_an_outer_dim_read_bands_of_rows) {
  // A strided reduced dim with contiguous outputs and enough work is split
  // into bands of rows; rows wider than the 16 KiB accumulator stripe too.
  const std::vector<std::pair<std::vector<int64_t>, int>> cases = {
      {{600, 700}, 0}, {{64, 5000}, 0}, {{3, 100, 2000}, 1}, {{40, 9, 1000}, 0}};
  for (int32_t dtype : kDtypes)
    for (const auto& [shape, dim] : cases)
      for (int32_t op = 0; op < MT_REDUCE_OP_COUNT; ++op)
        check_reduce(dtype, op, shape, dim, in_order(shape.size()));
  for (int32_t dtype : kDtypes)
    check_reduce(dtype, MT_REDUCE_MAX, {600, 700}, 0, in_order(2), true);
}

BOOST_AUTO_TEST_CASE(max_propagates_nan_and_empty_dims_give_the_start) {
  for (int32_t dtype : kDtypes) {
    check_reduce(dtype, MT_REDUCE_MAX, {100000}, 0, in_order(1), true);
    check_reduce(dtype, MT_REDUCE_MAX, {300, 300}, 1, in_order(2), true);
    for (int32_t op = 0; op < MT_REDUCE_OP_COUNT; ++op)
      check_reduce(dtype, op, {5, 0, 4}, 1, shuffled(3));
  }
}

// The contiguous shape's documented order (src/reduce.cpp): 256 bytes of
// independent accumulators, lane j taking elements j, j + L, j + 2L, ...,
// the tail into lanes 0.., then a pairwise fold (halves, quarters, ...);
// rows shorter than L are one serial chain. Strided reduced dims with
// contiguous outputs: one serial chain per output. Computed here in T, so
// the plugin must match bit for bit; CTest runs this once per ISA, so the
// AVX2/AVX-512 builds of the loops give the same bits as the baseline.
template <class T>
T documented_row_sum(const std::vector<T>& x) {
  constexpr std::size_t L = 256 / sizeof(T);
  const std::size_t n = x.size();
  if (n < L) {
    T r = 0;
    for (T v : x)
      r += v;
    return r;
  }
  std::vector<T> acc(L, T(0));
  std::size_t i = 0;
  for (; i + L <= n; i += L)
    for (std::size_t j = 0; j < L; ++j)
      acc[j] += x[i + j];
  for (std::size_t j = 0; i < n; ++i, ++j)
    acc[j] += x[i];
  for (std::size_t w = L / 2; w >= 1; w /= 2)
    for (std::size_t j = 0; j < w; ++j)
      acc[j] += acc[j + w];
  return acc[0];
}

template <class T>
void check_sum_order(int32_t dtype) {
  for (const int64_t n : {1, 31, 63, 64, 65, 127, 200, 1000, 1024, 4099}) {
    for (const int dim : {1, 0}) {
      const int64_t rows = 7;
      const std::vector<int64_t> shape =
          dim == 1 ? std::vector<int64_t>{rows, n} : std::vector<int64_t>{n, rows};
      Tensor in(dtype, shape, in_order(2), 5, -3.0, 3.0);
      std::vector<int64_t> out_shape = shape;
      out_shape[static_cast<std::size_t>(dim)] = 1;
      Tensor out(dtype, out_shape, in_order(2));
      BOOST_TEST_REQUIRE(api().reduce(api().context, MT_REDUCE_SUM, &out.view(), &in.view(), dim) ==
                         MT_OK);
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<T> x(static_cast<std::size_t>(n));
        for (int64_t k = 0; k < n; ++k)
          x[static_cast<std::size_t>(k)] = static_cast<T>(dim == 1 ? in.at({r, k}) : in.at({k, r}));
        T want = 0;
        if (dim == 1) {
          want = documented_row_sum(x);
        } else {
          for (T v : x)
            want += v;
        }
        const double got = dim == 1 ? out.at({r, 0}) : out.at({0, r});
        if (static_cast<T>(got) != want)
          BOOST_ERROR(mt::sdk::dtype_name(dtype)
                      << " sum over dim " << dim << " of " << n << ": got " << got
                      << ", want exactly " << static_cast<double>(want));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sums_follow_the_documented_order_bit_for_bit) {
  check_sum_order<float>(MT_F32);
  check_sum_order<double>(MT_F64);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- matmul ------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(matmul, *boost::unit_test::precondition(Usable()))

BOOST_AUTO_TEST_CASE(edge_sizes_with_random_layouts) {
  const int64_t sizes[] = {0, 1, 7, 17, 64, 129};
  for (int32_t dtype : kDtypes)
    for (int64_t m : sizes)
      for (int64_t n : sizes)
        for (int64_t k : sizes)
          check_matmul(dtype, 1, m, n, k, false, false);
}

// Row-major products up to 128^3 skip packing: every column block (4, 3,
// 2, 1 vectors, scalar columns; with AVX-512 f32, 144 = 3 + 3 + 3 and 160 =
// 4 + 3 + 3 vectors), partial and half-height row groups (12 = 8 + 4, 9 =
// 6 + 3), and the split by rows across threads for a single large product.
BOOST_AUTO_TEST_CASE(unpacked_small_products) {
  for (int32_t dtype : kDtypes) {
    for (int64_t n : {4, 9, 31, 48, 64, 80, 96, 113, 144, 160})
      for (int64_t m : {2, 5, 9, 12, 13, 64})
        check_matmul(dtype, 1, m, n, 33, false, false, false, true);
    check_matmul(dtype, 1, 128, 128, 128, false, false, false, true);  // split by rows
    check_matmul(dtype, 1, 101, 120, 97, false, false, false, true);   // split, partial groups
    check_matmul(dtype, 1, 128, 96, 96, false, false, false, true);    // split, 3-vector blocks
    check_matmul(dtype, 3, 64, 64, 64, true, false, false, true);      // broadcast a
    // Column counts past whole vectors (of 2, 4, 8 and 16 elements): the
    // last vector moved back over its neighbour, half-width vectors below
    // one full one; row counts with every partial group; k of 1 and odd.
    for (int64_t n : {5, 6, 7, 10, 12, 15, 17, 20, 24, 40, 56, 72, 88, 100, 104, 120, 127})
      for (int64_t m : {2, 3, 4, 6, 7, 8, 11, 17, 25})
        check_matmul(dtype, 1, m, n, n % 2 == 0 ? 1 : 19, false, false, false, true);
    for (int64_t m : {5, 9, 10, 13, 50, 100})
      check_matmul(dtype, 1, m, 40, 40, false, false, false, true);
    check_matmul(dtype, 1, 200, 100, 100, false, false, false, true);  // split, 100 = 6 x 16 + 4
    check_matmul(dtype, 1, 16, 64, 392, false, false, false, true);    // LeNet Linear(392, 64)
    check_matmul(dtype, 1, 16, 392, 64, false, false, false, true);
    check_matmul(dtype, 2, 10, 100, 100, false, true, false, true);  // broadcast b
  }
}

BOOST_AUTO_TEST_CASE(broadcast_batches_transposed_output_and_long_k) {
  for (int32_t dtype : kDtypes) {
    check_matmul(dtype, 4, 40, 70, 90, true, false);
    check_matmul(dtype, 4, 40, 70, 90, false, true);
    check_matmul(dtype, 2, 130, 90, 200, false, false, true);
    check_matmul(dtype, 1, 5, 7, 9000, false, false);    // split k
    check_matmul(dtype, 2, 9, 20, 9000, true, false);    // split k, broadcast batch
    check_matmul(dtype, 1, 400, 3, 500, false, false);   // narrow: direct loops
    check_matmul(dtype, 1, 260, 70, 300, false, false);  // several kc and m blocks
    for (int64_t m : {2, 3, 4})                          // one-row tiles: B column-major, so packed
      check_matmul(dtype, 2, m, 150, 300, false, false, false, false, true);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- convolution ------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(convolution, *boost::unit_test::precondition(Usable()))

BOOST_AUTO_TEST_CASE(direct_path_forward_and_reverse) {
  for (int32_t dtype : kDtypes)
    for (bool reverse : {false, true}) {
      check_conv(dtype, 2, 4, 16, 8, {28, 28}, {3, 3}, {28, 28}, reverse);  // whole images
      check_conv(dtype, 2, 1, 3, 13, {7, 40}, {2, 3}, {5, 37}, reverse);    // split columns
      check_conv(dtype, 1, 3, 5, 7, {60}, {5}, {60}, reverse);
      check_conv(dtype, 2, 8, 6, 16, {12, 12}, {5, 5}, {12, 12}, reverse);  // a third discarded
      check_conv(dtype, 2, 16, 4, 1, {28, 28}, {3, 3}, {28, 28}, reverse);  // one-row tiles
      check_conv(dtype, 2, 16, 1, 4, {28, 28}, {3, 3}, {28, 28}, reverse);  // four-row tiles
      check_conv(dtype, 2, 3, 8, 4, {14, 14}, {3, 3}, {14, 14}, reverse);   // (LeNet's Cout, Cin)
      check_conv(dtype, 1, 2, 5, 3, {70}, {3}, {70}, reverse);
      // 1-D images side by side in one GEMM, the last group partial.
      check_conv(dtype, 1, 13, 6, 20, {45}, {5}, {45}, reverse);
      check_conv(dtype, 1, 33, 7, 13, {30}, {4}, {27}, reverse);
      // Row-major everywhere: the copy-out's unit-stride rows, whole and (a
      // single image's columns split into groups) cut by a group's ends.
      const std::vector<int> rm = in_order(4);
      check_conv_in(dtype, 2, 16, 1, 4, {28, 28}, {3, 3}, {28, 28}, reverse, rm, rm, {}, rm);
      check_conv_in(dtype, 2, 1, 3, 13, {7, 40}, {2, 3}, {5, 37}, reverse, rm, rm, {}, rm);
      check_conv_in(dtype, 2, 1, 4, 8, {14, 14}, {3, 3}, {14, 14}, reverse, rm, rm, {}, rm);
    }
}

BOOST_AUTO_TEST_CASE(weight_gradient_shapes) {
  for (int32_t dtype : kDtypes) {
    // MNIST's conv2 weight gradient: in (Cin=4, B=16, 28, 28), "weight" is
    // grad_out (Cout=8, B=16, 28, 28), out (4, 8, 3, 3).
    check_conv(dtype, 2, 4, 16, 8, {28, 28}, {28, 28}, {3, 3}, false);
    check_conv(dtype, 2, 2, 40, 3, {64, 64}, {62, 62}, {3, 3}, false);  // row chunks
    check_conv(dtype, 1, 5, 10, 7, {50}, {48}, {3}, false);
  }
}

// The weight-gradient call on flat padded planes: kernels about the image's
// size, outputs of a few pixels. GEMM shapes (many channels both sides),
// with one and several k chunks and partial tiles; dot-product shapes (few
// channels), with a partial block of weight rows; 1-D at the sentiment
// model's shape.
BOOST_AUTO_TEST_CASE(weight_gradients_on_flat_planes) {
  for (int32_t dtype : kDtypes) {
    check_conv(dtype, 2, 40, 3, 24, {10, 12}, {8, 10}, {3, 3}, false);   // GEMM, one chunk
    check_conv(dtype, 2, 33, 20, 26, {10, 12}, {9, 10}, {2, 3}, false);  // GEMM, chunks
    check_conv(dtype, 1, 50, 10, 100, {52}, {52}, {3}, false);           // GEMM, conv1d
    // Batch (here the input channels) past whole panels: tail panels of
    // (entry, pixel) columns beside the shifted ones, several k chunks.
    check_conv(dtype, 1, 70, 12, 50, {101}, {97}, {5}, false);          // GEMM, IMDB-like
    check_conv(dtype, 1, 70, 12, 50, {133}, {129}, {5}, false);         // packed from the views
    check_conv(dtype, 2, 40, 16, 40, {9, 11}, {8, 9}, {2, 3}, false);   // GEMM, tail panels
    check_conv(dtype, 2, 4, 16, 8, {14, 14}, {14, 14}, {3, 3}, false);  // dot, LeNet conv2
    check_conv(dtype, 2, 3, 5, 11, {9, 7}, {7, 7}, {3, 2}, false);      // dot, partial rows
    check_conv(dtype, 2, 1, 16, 4, {28, 28}, {28, 28}, {3, 3}, false);  // dot, LeNet conv1
  }
}

// An infinite input element reaches only the outputs whose terms read it:
// the flat forms would multiply it by padding zeros, so they step aside.
BOOST_AUTO_TEST_CASE(non_finite_inputs_on_weight_gradient_shapes) {
  for (int32_t dtype : kDtypes) {
    check_conv(dtype, 2, 40, 3, 24, {10, 12}, {8, 10}, {3, 3}, false, false, true);
    // The GEMM form checks the views it packs from (pack_planes) for
    // weights and inputs alike, also past whole panels (70 = 2 x 32 + 6).
    check_conv(dtype, 2, 40, 3, 24, {10, 12}, {8, 10}, {3, 3}, false, true);
    check_conv(dtype, 1, 40, 3, 24, {150}, {148}, {3}, false, true);  // packed from the views
    check_conv(dtype, 1, 70, 12, 50, {133}, {129}, {5}, false, false, true);
    check_conv(dtype, 2, 4, 16, 8, {14, 14}, {14, 14}, {3, 3}, false, false, true);
  }
}

// The flat forms' padding pass checks each element as it copies it, in row
// runs (rows narrower than the padded pitch) or in one run per stack of
// planes (rows and planes that follow each other exactly): an inf or NaN at
// the first or last column of a row, deep in a middle plane, or the very last
// element must each still send the call to the exact forms. Layouts as the
// autograd's weight-gradient call has them (batch and channel swapped) and
// plain row-major; LeNet conv1's shape, with padding (rows of 28 in a pitch
// of 30) and without (images of 28 filling the pitch: one run).
BOOST_AUTO_TEST_CASE(non_finite_values_anywhere_in_padded_planes) {
  const std::vector<int> swapped{1, 0, 2, 3};
  for (int32_t dtype : kDtypes)
    for (const std::vector<int>& layout : {swapped, in_order(4)})
      for (int64_t k : {28, 26}) {
        const std::vector<std::vector<int64_t>> in_at{
            {0, 7, 13, 0}, {0, 9, 13, 27}, {0, 15, 27, 27}, {0, 0, 0, 0}};
        const std::vector<std::vector<int64_t>> w_at{{2, 7, 13, k - 1}, {3, 15, k - 1, k - 1}};
        for (const auto& at : in_at)
          for (double v : {double(INFINITY), double(NAN)})
            check_conv_in(dtype, 2, 1, 16, 4, {28, 28}, {k, k}, {3, 3}, false, layout, layout,
                          {{false, at, v}}, in_order(4));
        for (const auto& at : w_at)
          check_conv_in(dtype, 2, 1, 16, 4, {28, 28}, {k, k}, {3, 3}, false, layout, layout,
                        {{true, at, NAN}}, in_order(4));
      }
}

BOOST_AUTO_TEST_CASE(folded_path_and_small_images) {
  for (int32_t dtype : kDtypes)
    for (bool reverse : {false, true}) {
      check_conv(dtype, 2, 3, 4, 5, {6, 6}, {3, 3}, {6, 6}, reverse);
      check_conv(dtype, 2, 2, 3, 4, {12, 12}, {12, 12}, {3, 3}, reverse);
      check_conv(dtype, 1, 2, 3, 4, {9}, {4}, {9}, reverse);
      check_conv(dtype, 2, 1, 1, 1, {1, 1}, {3, 3}, {1, 1}, reverse);
    }
}

// Operands with one non-zero per row (the gradients behind a max-pool) take
// the scatter form: the input gradient (reverse, sparse `in`), the weight
// gradient (sparse `weight`), forward calls with a sparse input, all-zero
// inputs; an inf or NaN in the other operand sends the call back to the
// dense forms (0 * inf is NaN).
BOOST_AUTO_TEST_CASE(sparse_operands_scatter) {
  for (int32_t dtype : kDtypes) {
    for (bool reverse : {false, true}) {
      check_conv(dtype, 1, 6, 20, 24, {200}, {5}, {200}, reverse, false, false, kSparseIn);
      check_conv(dtype, 1, 4, 32, 16, {90}, {7}, {87}, reverse, false, false, kSparseIn);
      check_conv(dtype, 2, 2, 24, 16, {20, 24}, {3, 5}, {20, 24}, reverse, false, false, kSparseIn);
      check_conv(dtype, 2, 9, 16, 20, {6, 30}, {2, 3}, {6, 30}, reverse, false, false, kSparseIn);
      check_conv(dtype, 1, 6, 20, 24, {200}, {5}, {200}, reverse, false, false, kZeroIn);
      check_conv(dtype, 2, 20, 16, 30, {8, 20}, {8, 20}, {2, 3}, reverse, false, false,
                 kSparseWeight);
      check_conv(dtype, 1, 24, 8, 16, {60}, {60}, {5}, reverse, false, false, kSparseWeight);
      // Non-finite values in the dense operand: the definition's NaNs.
      check_conv(dtype, 1, 6, 20, 24, {200}, {5}, {200}, reverse, true, false, kSparseIn);
      check_conv(dtype, 1, 6, 20, 24, {200}, {5}, {200}, reverse, true, false, kZeroIn);
      check_conv(dtype, 1, 24, 8, 16, {60}, {60}, {5}, reverse, false, true, kSparseWeight);
    }
    // The IMDB backward's weight gradient: Cin = 40 as the batch, batch 12 as
    // the channels, the gradient one-hot per (batch, channel) row.
    check_conv(dtype, 1, 40, 12, 30, {200}, {200}, {5}, false, false, false, kSparseWeight);
    check_conv(dtype, 1, 40, 12, 30, {200}, {200}, {5}, false, false, true, kSparseWeight);
  }
}

BOOST_AUTO_TEST_CASE(non_finite_weights_skip_out_of_range_terms) {
  for (int32_t dtype : kDtypes)
    for (bool reverse : {false, true}) {
      check_conv(dtype, 2, 2, 3, 5, {12, 12}, {3, 3}, {12, 12}, reverse, true);
      check_conv(dtype, 1, 2, 3, 5, {40}, {40}, {3}, reverse, true);
    }
}

BOOST_AUTO_TEST_SUITE_END()
