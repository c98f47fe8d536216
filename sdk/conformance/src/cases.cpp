// cases.cpp — the conformance catalogue: which cases exist (every op of the
// op table over every layout of its family, the unknown-op cases, the
// optim_step cases of optim_cases.cpp, the adopt_host cases of adopt_cases.cpp,
// then the gradient cases of
// grad_cases.cpp), and for each op case the operand
// layouts and the host values it runs on, drawn from the op's table domain
// by the generator seeded with the case id, so every run and every backend
// sees the same inputs. It does not run anything (runner.cpp does).

#include "adopt_cases.hpp"
#include "grad_cases.hpp"
#include "optim_cases.hpp"
#include "plan.hpp"
#include "random.hpp"

#include <minitorch/plugin_helpers.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>

namespace mt::conformance {

namespace detail {

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (const int64_t s : shape)
    n *= s;
  return n;
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * std::max<int64_t>(shape[d], 1);
  return strides;
}

std::vector<int64_t> positions(const ViewSpec& v) {
  std::vector<int64_t> out;
  const int64_t n = element_count(v.shape);
  if (n == 0)
    return out;
  out.reserve(static_cast<std::size_t>(n));
  // An odometer over the index that keeps the position up to date.
  std::vector<int64_t> index(v.shape.size(), 0);
  int64_t pos = v.offset;
  for (int64_t e = 0; e < n; ++e) {
    out.push_back(pos);
    for (std::size_t d = index.size(); d-- > 0;) {
      pos += v.strides[d];
      if (++index[d] < v.shape[d])
        break;
      pos -= v.strides[d] * v.shape[d];
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace detail

namespace {

using detail::Operand;
using detail::Plan;
using detail::ViewSpec;
using Shape = std::vector<int64_t>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Elements of padding around every buffer: writes there are out of bounds.
constexpr int64_t kGuard = 8;
// The "large" layouts: 153,600 elements, enough for a parallel backend to
// split the work into several tasks, small enough for sanitizer builds.
const std::vector<int64_t> kLarge = {384, 400};

// ---------------------------------------------------------------------------
// Layout builders
// ---------------------------------------------------------------------------

ViewSpec contiguous(const Shape& shape) {
  return {shape, detail::contiguous_strides(shape), 0, detail::element_count(shape)};
}

// Logical shape `shape`, stored contiguously with the dims in `order`
// (outermost first): a non-contiguous view of a permuted buffer.
ViewSpec stored_in_order(const Shape& shape, const std::vector<int>& order) {
  Shape physical;
  for (const int d : order)
    physical.push_back(shape[static_cast<std::size_t>(d)]);
  const auto physical_strides = detail::contiguous_strides(physical);
  ViewSpec v{shape, Shape(shape.size(), 0), 0, detail::element_count(shape)};
  for (std::size_t i = 0; i < order.size(); ++i)
    v.strides[static_cast<std::size_t>(order[i])] = physical_strides[i];
  return v;
}

// `tensor.permute(perm)` of a contiguous tensor of shape `base`.
ViewSpec permute_of(const Shape& base, const std::vector<int>& perm) {
  const auto base_strides = detail::contiguous_strides(base);
  ViewSpec v{{}, {}, 0, detail::element_count(base)};
  for (const int p : perm) {
    v.shape.push_back(base[static_cast<std::size_t>(p)]);
    v.strides.push_back(base_strides[static_cast<std::size_t>(p)]);
  }
  return v;
}

// A contiguous tensor of shape `base` expanded to `target` (stride 0 where a
// size-1 dim is broadcast), as core hands broadcast inputs to a plugin.
ViewSpec expanded(const Shape& base, const Shape& target) {
  ViewSpec v = contiguous(base);
  v.shape = target;
  for (std::size_t d = 0; d < base.size(); ++d)
    if (base[d] == 1 && target[d] != 1)
      v.strides[d] = 0;
  return v;
}

// A view into the middle of a bigger buffer: every `step`-th element along
// the last dim, rows padded by 3, starting at element `offset`.
ViewSpec strided(const Shape& shape, int64_t step, int64_t offset) {
  ViewSpec v{shape, Shape(shape.size(), 0), offset, 0};
  int64_t stride = step;
  for (std::size_t d = shape.size(); d-- > 0;) {
    v.strides[d] = stride;
    stride = stride * shape[d] + 3;
  }
  int64_t last = offset;
  for (std::size_t d = 0; d < shape.size(); ++d)
    last += (shape[d] - 1) * v.strides[d];
  v.storage = last + 1 + 5;  // and a tail after the view
  return v;
}

ViewSpec with_strides(const Shape& shape, const Shape& strides) {
  ViewSpec v{shape, strides, 0, 0};
  int64_t last = 0;
  for (std::size_t d = 0; d < shape.size(); ++d)
    last += (shape[d] - 1) * strides[d];
  v.storage = last + 1;
  return v;
}

// Surrounds the buffer with kGuard elements on each side.
ViewSpec guarded(ViewSpec v) {
  v.offset += kGuard;
  v.storage += 2 * kGuard;
  return v;
}

// ---------------------------------------------------------------------------
// Deterministic values: the library's seeded generator (random.hpp), drawn
// from each op's domain in the op table (op_table.h), so every op is well
// conditioned: positive inputs for log/sqrt, inputs away from 0 for
// division, a coarse grid (many exact ties) for comparisons.
// ---------------------------------------------------------------------------

using detail::Rng;
using sdk::Domain;

// The table's domain of input `which` (0 = in / a, 1 = b) of (family, op).
Domain op_domain(mt_family family, int32_t op, int which) {
  return sdk::op_info(family, op)->domain[which];
}

// An input operand whose view elements are drawn from `domain`; every buffer
// position outside the view holds NaN. Broadcast views share positions, so
// each position is drawn once.
Operand make_input(std::string name, const ViewSpec& view, const Domain& domain, Rng& rng) {
  Operand op{std::move(name), guarded(view), {}};
  op.values.assign(static_cast<std::size_t>(op.view.storage), kNaN);
  std::vector<char> drawn(op.values.size(), 0);
  for (const int64_t p : detail::positions(op.view)) {
    const auto i = static_cast<std::size_t>(p);
    if (!drawn[i]) {
      op.values[i] = draw(domain, rng);
      drawn[i] = 1;
    }
  }
  return op;
}

// An input whose view elements, in row-major order, are `values`.
Operand make_input_values(std::string name, const ViewSpec& view,
                          const std::vector<double>& values) {
  Operand op{std::move(name), guarded(view), {}};
  op.values.assign(static_cast<std::size_t>(op.view.storage), kNaN);
  const auto where = detail::positions(op.view);
  for (std::size_t e = 0; e < where.size(); ++e)
    op.values[static_cast<std::size_t>(where[e])] = values[e];
  return op;
}

// Special values for maps. Results stay normal or exactly 0/±Inf/NaN in f32
// too, so a backend that flushes subnormals to zero is not penalised.
const std::vector<double> kMapSpecials = {kNaN,  kInf,   -kInf, 0.0,   -0.0,  1.0,
                                          -1.0,  0.5,    -2.0,  3.0,   80.0,  -80.0,
                                          1000., -1000., 1e30,  -1e30, 1e-30, -1e-30};
// Special values for zips: a full cross product of these (a by row, b by column).
const std::vector<double> kZipSpecials = {kNaN, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 2.0, -0.5, 3.0};
// Rows for the special reduce case (reduced along dim 1); every result is the
// same in any summation order.
const std::vector<std::vector<double>> kReduceSpecialRows = {
    {1, kNaN, 2, 3},          {kInf, 1, 2, 3},     {-kInf, -kInf, -kInf, -kInf},
    {kInf, -kInf, 0, 1},      {0, kInf, 1, 2},     {-1, -kInf, 2, 0.5},
    {kNaN, kNaN, kNaN, kNaN}, {2, -3, 0.5, -0.25}, {-kInf, 5, kNaN, 1}};

// ---------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------

const std::vector<std::string> kMapLayouts = {
    "contiguous", "permuted", "broadcast", "size1",         "zero_size", "scalar",
    "offset",     "4d",       "large",     "large_strided", "inplace",   "special"};
const std::vector<std::string> kZipLayouts = {
    "contiguous", "permuted",      "broadcast_col", "broadcast_row", "broadcast_outer",
    "size1",      "zero_size",     "scalar",        "offset",        "4d",
    "large",      "large_strided", "inplace_a",     "inplace_b",     "special"};
const std::vector<std::string> kReduceLayouts = {
    "contiguous_dim0", "contiguous_dim1", "permuted", "broadcast", "size1",
    "zero_size",       "zero_out",        "vector",   "offset",    "4d",
    "large_dim0",      "large_dim1",      "long_row", "long_col",  "special"};
const std::vector<std::string> kMatmulLayouts = {"square",
                                                 "rectangular",
                                                 "batched",
                                                 "batch_broadcast_a",
                                                 "batch_broadcast_b",
                                                 "transposed",
                                                 "transposed_b",
                                                 "transposed_b_broadcast",
                                                 "k0",
                                                 "m0",
                                                 "vector",
                                                 "offset",
                                                 "large"};
const std::vector<std::string> kConvLayouts = {"forward",
                                               "reverse",
                                               "multichannel",
                                               "multichannel_reverse",
                                               "weight_grad",
                                               "weight_grad_wide",
                                               "weight_grad_panels",
                                               "weight_grad_strided",
                                               "input_grad",
                                               "permuted",
                                               "kernel_larger",
                                               "kernel_larger_reverse",
                                               "out_larger",
                                               "out_larger_reverse",
                                               "offset",
                                               "many_images",
                                               "zero_channels",
                                               "zero_batch",
                                               "large",
                                               "reject_batch",
                                               "reject_in_channels",
                                               "reject_out_channels",
                                               "reject_rank",
                                               "sparse_input_grad",
                                               "sparse_weight_grad",
                                               "sparse_random",
                                               "sparse_zero",
                                               "sparse_nonfinite_weight",
                                               "sparse_nonfinite_input",
                                               "sparse_strided"};
const std::vector<std::pair<int32_t, std::string>> kMemoryCases = {
    {memory_fill, "contiguous"}, {memory_fill, "strided"}, {memory_fill, "permuted"},
    {memory_fill, "zero_size"},  {memory_fill, "scalar"},  {memory_fill, "special"},
    {memory_copy, "roundtrip"},  {memory_alloc, "sizes"}};

// The layout (and id suffix) of the unknown-op cases.
const char* const kUnknownOpLayout = "unknown_op";

const char* memory_op_name(int32_t op) {
  return op == memory_fill    ? "fill"
         : op == memory_copy  ? "copy"
         : op == memory_alloc ? "alloc"
                              : "adopt_host";
}

// ---------------------------------------------------------------------------
// Plans per family
// ---------------------------------------------------------------------------

[[noreturn]] void unknown_layout(const CaseInfo& info) {
  throw std::invalid_argument("conformance: unknown layout '" + info.layout + "' for case '" +
                              info.id + "'");
}

// The (input, output) layouts shared by map and zip for one layout name;
// inputs[k] is the layout of input k.
struct ElementwiseLayout {
  std::vector<ViewSpec> inputs;
  ViewSpec output;
  int aliased = -1;
};

ElementwiseLayout elementwise_layout(const std::string& layout, int arity) {
  auto same = [&](const ViewSpec& v) {
    return ElementwiseLayout{std::vector<ViewSpec>(static_cast<std::size_t>(arity), v), v, -1};
  };
  if (layout == "contiguous")
    return same(contiguous({5, 7}));
  if (layout == "permuted") {
    const Shape s = {4, 5, 3};
    return {{stored_in_order(s, {2, 0, 1}), stored_in_order(s, {1, 0, 2})},
            stored_in_order(s, {1, 2, 0})};
  }
  if (layout == "broadcast")  // map: one input broadcast over two dims
    return {{expanded({1, 7, 1}, {5, 7, 3})}, contiguous({5, 7, 3})};
  if (layout == "broadcast_col")
    return {{contiguous({6, 6}), expanded({6, 1}, {6, 6})}, contiguous({6, 6})};
  if (layout == "broadcast_row")
    return {{contiguous({6, 6}), expanded({1, 6}, {6, 6})}, contiguous({6, 6})};
  if (layout == "broadcast_outer")
    return {{expanded({6, 1}, {6, 5}), expanded({1, 5}, {6, 5})}, contiguous({6, 5})};
  if (layout == "size1") {
    // Strides of size-1 dims are meaningless; give them odd values.
    const Shape s = {1, 6, 1, 1};
    return {{with_strides(s, {1000, 1, 3, 0}), with_strides(s, {0, 2, 77, 5})},
            with_strides(s, {6, 1, 1, 1})};
  }
  if (layout == "zero_size")
    return same(contiguous({3, 0, 4}));
  if (layout == "scalar")
    return same(contiguous({}));
  if (layout == "offset")
    return {{strided({4, 5}, 2, 7), strided({4, 5}, 1, 3)}, strided({4, 5}, 3, 5)};
  if (layout == "4d") {
    const Shape s = {2, 3, 4, 5};
    return {{stored_in_order(s, {3, 1, 0, 2}), stored_in_order(s, {2, 3, 1, 0})}, contiguous(s)};
  }
  if (layout == "large")
    return same(contiguous(kLarge));
  if (layout == "large_strided")
    return {{stored_in_order(kLarge, {1, 0}), expanded({1, kLarge[1]}, kLarge)},
            contiguous(kLarge)};
  if (layout == "inplace" || layout == "inplace_a" || layout == "inplace_b") {
    const ViewSpec v = stored_in_order({5, 6}, {1, 0});
    ElementwiseLayout l = same(v);
    if (arity == 2)
      l.inputs[1] = contiguous({5, 6});
    l.aliased = layout == "inplace_b" ? 1 : 0;
    if (l.aliased == 1)
      std::swap(l.inputs[0], l.inputs[1]);
    return l;
  }
  if (layout == "special") {
    const std::size_t n = arity == 1 ? kMapSpecials.size() : kZipSpecials.size();
    return same(arity == 1 ? contiguous({static_cast<int64_t>(n)})
                           : contiguous({static_cast<int64_t>(n), static_cast<int64_t>(n)}));
  }
  throw std::invalid_argument("unknown element-wise layout '" + layout + "'");
}

Plan elementwise_plan(const CaseInfo& info, Rng& rng) {
  const int arity = info.family == MT_FAMILY_MAP ? 1 : 2;
  ElementwiseLayout l;
  try {
    l = elementwise_layout(info.layout, arity);
  } catch (const std::invalid_argument&) {
    unknown_layout(info);
  }
  const bool zip_only = info.layout.rfind("broadcast_", 0) == 0 || info.layout == "inplace_a" ||
                        info.layout == "inplace_b";
  if (l.inputs.size() < static_cast<std::size_t>(arity) || (arity == 1 && zip_only))
    unknown_layout(info);  // a map-only layout asked of a zip, or the other way round
  l.inputs.resize(static_cast<std::size_t>(arity));
  Plan p;
  p.family = info.family;
  p.op = info.op;
  const char* names[2] = {arity == 1 ? "in" : "a", "b"};
  for (int k = 0; k < arity; ++k) {
    const auto& view = l.inputs[static_cast<std::size_t>(k)];
    if (info.layout == "special") {
      std::vector<double> values;
      if (arity == 1) {
        values = kMapSpecials;
      } else {
        const std::size_t n = kZipSpecials.size();
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < n; ++j)
            values.push_back(kZipSpecials[k == 0 ? i : j]);
      }
      p.inputs.push_back(make_input_values(names[k], view, values));
    } else {
      p.inputs.push_back(make_input(names[k], view, op_domain(info.family, info.op, k), rng));
    }
  }
  p.aliased_input = l.aliased;
  p.output =
      l.aliased >= 0 ? p.inputs[static_cast<std::size_t>(l.aliased)].view : guarded(l.output);
  p.null_empty_buffers = info.layout == "zero_size";
  return p;
}

Plan reduce_plan(const CaseInfo& info, Rng& rng) {
  Plan p;
  p.family = MT_FAMILY_REDUCE;
  p.op = info.op;
  ViewSpec in, out;
  const std::string& l = info.layout;
  if (l == "contiguous_dim0" || l == "contiguous_dim1") {
    p.dim = l == "contiguous_dim0" ? 0 : 1;
    in = contiguous({5, 7});
    out = contiguous(p.dim == 0 ? Shape{1, 7} : Shape{5, 1});
  } else if (l == "permuted") {
    p.dim = 1;
    in = stored_in_order({4, 5, 6}, {2, 0, 1});
    out = stored_in_order({4, 1, 6}, {2, 0, 1});
  } else if (l == "broadcast") {
    p.dim = 0;
    in = expanded({1, 6}, {5, 6});
    out = contiguous({1, 6});
  } else if (l == "size1") {
    p.dim = 1;
    in = contiguous({4, 1, 3});
    out = contiguous({4, 1, 3});
  } else if (l == "zero_size") {  // the reduced dim is empty: start values
    p.dim = 1;
    in = contiguous({3, 0, 4});
    out = contiguous({3, 1, 4});
  } else if (l == "zero_out") {  // another dim is empty: no output at all
    p.dim = 1;
    in = contiguous({0, 5});
    out = contiguous({0, 1});
    p.null_empty_buffers = true;
  } else if (l == "vector") {
    p.dim = 0;
    in = contiguous({17});
    out = contiguous({1});
  } else if (l == "offset") {
    p.dim = 1;
    in = strided({6, 5}, 2, 9);
    out = strided({6, 1}, 2, 3);
  } else if (l == "4d") {
    p.dim = 2;
    in = stored_in_order({2, 3, 4, 5}, {3, 1, 0, 2});
    out = contiguous({2, 3, 1, 5});
  } else if (l == "large_dim0" || l == "large_dim1") {
    p.dim = l == "large_dim0" ? 0 : 1;
    in = contiguous(kLarge);
    out = contiguous(p.dim == 0 ? Shape{1, kLarge[1]} : Shape{kLarge[0], 1});
  } else if (l == "long_row") {  // few outputs, each a long reduction
    p.dim = 1;
    in = contiguous({3, 50000});
    out = contiguous({3, 1});
  } else if (l == "long_col") {  // the same, reduced across rows (strided)
    p.dim = 0;
    in = contiguous({50000, 3});
    out = contiguous({1, 3});
  } else if (l == "special") {
    p.dim = 1;
    const auto rows = static_cast<int64_t>(kReduceSpecialRows.size());
    in = contiguous({rows, 4});
    out = contiguous({rows, 1});
    std::vector<double> values;
    for (const auto& row : kReduceSpecialRows)
      values.insert(values.end(), row.begin(), row.end());
    p.inputs.push_back(make_input_values("in", in, values));
    p.output = guarded(out);
    return p;
  } else {
    unknown_layout(info);
  }
  p.inputs.push_back(make_input("in", in, op_domain(MT_FAMILY_REDUCE, info.op, 0), rng));
  p.output = guarded(out);
  return p;
}

Plan matmul_plan(const CaseInfo& info, Rng& rng) {
  Plan p;
  p.family = MT_FAMILY_MATMUL;
  ViewSpec a, b, out;
  const std::string& l = info.layout;
  auto dense = [&](int64_t batch, int64_t m, int64_t k, int64_t n) {
    a = contiguous({batch, m, k});
    b = contiguous({batch, k, n});
    out = contiguous({batch, m, n});
  };
  if (l == "square") {
    dense(1, 8, 8, 8);
  } else if (l == "rectangular") {
    dense(1, 5, 7, 3);
  } else if (l == "batched") {
    dense(3, 4, 6, 5);
  } else if (l == "batch_broadcast_a") {
    dense(3, 4, 6, 5);
    a = expanded({1, 4, 6}, {3, 4, 6});
  } else if (l == "batch_broadcast_b") {
    dense(3, 4, 6, 5);
    b = expanded({1, 6, 5}, {3, 6, 5});
  } else if (l == "transposed") {  // a.T @ b.T into a transposed output
    a = permute_of({2, 7, 5}, {0, 2, 1});
    b = permute_of({2, 3, 7}, {0, 2, 1});
    out = stored_in_order({2, 5, 3}, {0, 2, 1});
  } else if (l == "transposed_b") {  // a @ w.T, as Linear's backward: column-major b, n > 32
    dense(1, 6, 9, 37);
    b = permute_of({1, 37, 9}, {0, 2, 1});
  } else if (l == "transposed_b_broadcast") {  // the same b.T shared by a batch of 3
    dense(3, 6, 9, 37);
    b = permute_of({1, 37, 9}, {0, 2, 1});
    b.shape[0] = 3;
    b.strides[0] = 0;
  } else if (l == "k0") {  // empty sums: all zeros
    dense(2, 3, 0, 4);
    p.null_empty_buffers = true;
  } else if (l == "m0") {
    dense(2, 0, 5, 4);
    p.null_empty_buffers = true;
  } else if (l == "vector") {
    dense(1, 1, 9, 1);
  } else if (l == "offset") {
    a = strided({2, 4, 6}, 2, 5);
    b = strided({2, 6, 3}, 1, 11);
    out = strided({2, 4, 3}, 2, 1);
  } else if (l == "large") {
    dense(2, 64, 96, 80);
  } else {
    unknown_layout(info);
  }
  const Domain d = sdk::uniform(-1, 1);
  p.inputs.push_back(make_input("a", a, d, rng));
  p.inputs.push_back(make_input("b", b, d, rng));
  p.output = guarded(out);
  return p;
}

// Conv layouts, rank 3 for conv1d and 4 for conv2d: sp(h, w) is the spatial
// extent, (W) for 1-D and (H, W) for 2-D.
Plan conv_plan(const CaseInfo& info, Rng& rng) {
  const bool two_d = info.family == MT_FAMILY_CONV2D;
  Plan p;
  p.family = info.family;
  ViewSpec in, w, out;
  const std::string& l = info.layout;
  auto sp = [&](int64_t h, int64_t wd) { return two_d ? Shape{h, wd} : Shape{wd}; };
  auto cat = [](Shape a, const Shape& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  auto dense = [&](int64_t batch, int64_t cin, int64_t cout, const Shape& size, const Shape& kernel,
                   const Shape& out_size) {
    in = contiguous(cat({batch, cin}, size));
    w = contiguous(cat({cout, cin}, kernel));
    out = contiguous(cat({batch, cout}, out_size));
  };
  const bool reverse_layout = l.size() > 8 && l.compare(l.size() - 8, 8, "_reverse") == 0;
  p.reverse = l == "reverse" || reverse_layout || l == "input_grad" || l == "sparse_input_grad" ||
              l == "sparse_nonfinite_weight" || l == "sparse_strided";
  // The sparse layouts (a conv's gradients behind a max-pool, which passes
  // one non-zero per pooled row): operand `sparse` (0 in, 1 weight) holds
  // one non-zero per `run` elements in index order (a max over each 1-D row,
  // or each 2-D plane), or `scattered` at random places (none: all zero);
  // `nonfinite` plants inf and NaN in the other operand, where a skipped
  // zero would still make NaN.
  int sparse = -1;
  int64_t run = 0;
  int64_t scattered = 0;
  bool nonfinite = false;
  if (l == "forward" || l == "reverse") {
    dense(1, 1, 1, sp(6, 8), sp(2, 3), sp(6, 8));
  } else if (l == "multichannel" || l == "multichannel_reverse") {
    dense(2, 3, 4, sp(6, 9), sp(2, 3), sp(6, 9));
  } else if (l == "weight_grad") {
    // Backward's weight gradient: conv(input.permute(1,0,...), grad_out.permute(1,0,...))
    // into (Cin, Cout, kernel): the output is the kernel's size, the "kernel" the input's.
    const int64_t batch = 2, cin = 3, cout = 4;
    const Shape size = sp(5, 9), kernel = sp(2, 3);
    std::vector<int> perm = two_d ? std::vector<int>{1, 0, 2, 3} : std::vector<int>{1, 0, 2};
    in = permute_of(cat({batch, cin}, size), perm);
    w = permute_of(cat({batch, cout}, size), perm);
    out = contiguous(cat({cin, cout}, kernel));
  } else if (l == "weight_grad_wide") {
    // The same call with many channels on both sides (a backend may switch
    // to a GEMM form there): Cin = 20 acts as the batch, Cout = 24.
    const int64_t batch = 3, cin = 20, cout = 24;
    const Shape size = sp(6, 7), kernel = sp(2, 3);
    std::vector<int> perm = two_d ? std::vector<int>{1, 0, 2, 3} : std::vector<int>{1, 0, 2};
    in = permute_of(cat({batch, cin}, size), perm);
    w = permute_of(cat({batch, cout}, size), perm);
    out = contiguous(cat({cin, cout}, kernel));
  } else if (l == "weight_grad_panels" || l == "weight_grad_strided") {
    // The same call at an IMDB-like shape: Cin (the batch here) is not a
    // multiple of a GEMM panel, the width is odd and the flat k long enough
    // to split, so a backend's panel tails and k chunks all meet real data;
    // "_strided" hands the operands as strided views instead.
    const int64_t batch = two_d ? 16 : 24, cin = two_d ? 40 : 70, cout = two_d ? 40 : 50;
    const Shape size = sp(9, two_d ? 11 : 131), kernel = sp(2, two_d ? 3 : 5);
    std::vector<int> perm = two_d ? std::vector<int>{1, 0, 2, 3} : std::vector<int>{1, 0, 2};
    if (l == "weight_grad_panels") {
      in = permute_of(cat({batch, cin}, size), perm);
      w = permute_of(cat({batch, cout}, size), perm);
      out = contiguous(cat({cin, cout}, kernel));
    } else {
      in = strided(cat({cin, batch}, size), 2, 3);
      w = permute_of(cat({batch, cout}, size), perm);
      out = strided(cat({cin, cout}, kernel), 1, 4);
    }
  } else if (l == "input_grad") {
    // Backward's input gradient: conv(grad_out, weight.permute(1,0,...), reverse).
    const int64_t batch = 2, cin = 3, cout = 4;
    const Shape size = sp(5, 9), kernel = sp(2, 3);
    std::vector<int> perm = two_d ? std::vector<int>{1, 0, 2, 3} : std::vector<int>{1, 0, 2};
    in = contiguous(cat({batch, cout}, size));
    w = permute_of(cat({cout, cin}, kernel), perm);
    out = contiguous(cat({batch, cin}, size));
  } else if (l == "permuted") {
    const Shape in_shape = cat({2, 3}, sp(5, 7)), w_shape = cat({4, 3}, sp(2, 3)),
                out_shape = cat({2, 4}, sp(5, 7));
    in = two_d ? stored_in_order(in_shape, {3, 1, 0, 2}) : stored_in_order(in_shape, {2, 0, 1});
    w = two_d ? stored_in_order(w_shape, {2, 3, 0, 1}) : stored_in_order(w_shape, {1, 2, 0});
    out = two_d ? stored_in_order(out_shape, {1, 3, 2, 0}) : stored_in_order(out_shape, {1, 0, 2});
  } else if (l == "kernel_larger" || l == "kernel_larger_reverse") {
    dense(1, 2, 2, sp(3, 3), sp(4, 5), sp(3, 3));
  } else if (l == "out_larger" || l == "out_larger_reverse") {
    dense(1, 1, 2, sp(3, 4), sp(2, 2), sp(5, 6));
  } else if (l == "offset") {
    in = strided(cat({2, 2}, sp(4, 6)), 2, 3);
    w = strided(cat({3, 2}, sp(2, 3)), 1, 7);
    out = strided(cat({2, 3}, sp(4, 6)), 3, 2);
  } else if (l == "many_images") {
    // A batch a backend may process several images at a time, not evenly.
    dense(13, 6, 20, sp(3, 45), sp(2, 5), sp(3, 45));
  } else if (l == "zero_channels") {  // Cin = 0: every sum is empty, all zeros
    dense(2, 0, 3, sp(3, 5), sp(2, 2), sp(3, 5));
    p.null_empty_buffers = true;
  } else if (l == "zero_batch") {
    dense(0, 2, 3, sp(3, 5), sp(2, 2), sp(3, 5));
    p.null_empty_buffers = true;
  } else if (l == "large") {
    if (two_d)
      dense(2, 4, 8, {28, 28}, {3, 3}, {28, 28});
    else
      dense(4, 8, 16, {256}, {5}, {256});
  } else if (l == "reject_batch") {
    dense(2, 1, 1, sp(3, 5), sp(2, 2), sp(3, 5));
    out.shape[0] = 3;
    out = contiguous(out.shape);
    p.expect_invalid_arg = true;
    p.reject_reason = "batch size differs: in has 2, out has 3";
  } else if (l == "reject_in_channels") {
    dense(1, 2, 1, sp(3, 5), sp(2, 2), sp(3, 5));
    w.shape[1] = 3;
    w = contiguous(w.shape);
    p.expect_invalid_arg = true;
    p.reject_reason = "input channels differ: in has 2, weight has 3";
  } else if (l == "reject_out_channels") {
    dense(1, 1, 2, sp(3, 5), sp(2, 2), sp(3, 5));
    out.shape[1] = 3;
    out = contiguous(out.shape);
    p.expect_invalid_arg = true;
    p.reject_reason = "output channels differ: weight has 2, out has 3";
  } else if (l == "reject_rank") {
    dense(1, 1, 1, sp(3, 5), sp(2, 2), sp(3, 5));
    in = contiguous(Shape(in.shape.begin() + 1, in.shape.end()));
    p.expect_invalid_arg = true;
    p.reject_reason = "in has one dim too few";
  } else if (l == "sparse_input_grad" || l == "sparse_nonfinite_weight" || l == "sparse_strided") {
    // The input gradient: conv(grad_out, weight.permute(1,0,...), reverse),
    // grad_out one-hot per row; "_strided" as strided views.
    // Sizes where a backend's sparse form pays (32 x 7 or 32 x 9 products
    // per output over ~2% non-zeros).
    const int64_t batch = 3, cin = 16, cout = 32;
    const Shape size = two_d ? Shape{7, 9} : Shape{60};
    const Shape kernel = two_d ? Shape{3, 3} : Shape{7};
    std::vector<int> perm = two_d ? std::vector<int>{1, 0, 2, 3} : std::vector<int>{1, 0, 2};
    if (l == "sparse_strided") {
      in = strided(cat({batch, cout}, size), 2, 3);
      w = strided(cat({cin, cout}, kernel), 1, 5);
      out = strided(cat({batch, cin}, size), 3, 2);
    } else {
      in = contiguous(cat({batch, cout}, size));
      w = permute_of(cat({cout, cin}, kernel), perm);
      out = contiguous(cat({batch, cin}, size));
    }
    sparse = 0;
    run = detail::element_count(size);
    nonfinite = l == "sparse_nonfinite_weight";
  } else if (l == "sparse_weight_grad" || l == "sparse_nonfinite_input") {
    // The weight gradient: conv(input.permute(1,0,...), grad_out.permute(1,0,...))
    // with grad_out one-hot per row.
    const int64_t batch = 6, cin = 24, cout = 20;
    const Shape size = two_d ? Shape{8, 9} : Shape{60};
    const Shape kernel = two_d ? Shape{2, 3} : Shape{5};
    std::vector<int> perm = two_d ? std::vector<int>{1, 0, 2, 3} : std::vector<int>{1, 0, 2};
    in = permute_of(cat({batch, cin}, size), perm);
    w = permute_of(cat({batch, cout}, size), perm);
    out = contiguous(cat({cin, cout}, kernel));
    sparse = 1;
    run = detail::element_count(size);
    nonfinite = l == "sparse_nonfinite_input";
  } else if (l == "sparse_random" || l == "sparse_zero") {
    dense(2, 32, 16, two_d ? Shape{6, 30} : Shape{60}, two_d ? Shape{2, 3} : Shape{7},
          two_d ? Shape{6, 30} : Shape{60});
    sparse = 0;
    scattered = l == "sparse_random" ? 7 : 0;
  } else {
    unknown_layout(info);
  }
  const Domain d = sdk::uniform(-1, 1);
  if (sparse < 0) {
    p.inputs.push_back(make_input("in", in, d, rng));
    p.inputs.push_back(make_input("weight", w, d, rng));
    p.output = guarded(out);
    return p;
  }
  std::vector<double> values[2];
  const ViewSpec* views[2] = {&in, &w};
  for (int k = 0; k < 2; ++k) {
    const int64_t n = detail::element_count(views[k]->shape);
    std::vector<double>& v = values[k];
    if (k != sparse) {
      for (int64_t e = 0; e < n; ++e)
        v.push_back(draw(d, rng));
      if (nonfinite) {
        v[static_cast<std::size_t>(n / 3)] = kInf;
        v[static_cast<std::size_t>(2 * n / 3)] = kNaN;
      }
      continue;
    }
    v.assign(static_cast<std::size_t>(n), 0.0);
    for (int64_t r = 0; run > 0 && r < n / run; ++r)
      v[static_cast<std::size_t>(r * run + rng.below(run))] = rng.uniform(0.25, 1.0);
    for (int64_t e = 0; e < scattered; ++e)
      v[static_cast<std::size_t>(rng.below(n))] = rng.uniform(-1.0, 1.0);
  }
  p.inputs.push_back(make_input_values("in", in, values[0]));
  p.inputs.push_back(make_input_values("weight", w, values[1]));
  p.output = guarded(out);
  return p;
}

Plan memory_plan(const CaseInfo& info) {
  Plan p;
  p.family = kMemoryFamily;
  p.op = info.op;
  const std::string& l = info.layout;
  if (info.op != memory_fill) {
    if ((info.op == memory_copy && l == "roundtrip") || (info.op == memory_alloc && l == "sizes"))
      return p;  // these cases drive the slots directly (see runner.cpp)
    unknown_layout(info);
  }
  p.fill_value = 2.5;
  if (l == "contiguous") {
    p.output = contiguous({5, 7});
  } else if (l == "strided") {
    p.output = strided({4, 5}, 2, 6);
    p.fill_value = -1.25;
  } else if (l == "permuted") {
    p.output = stored_in_order({3, 4, 5}, {2, 0, 1});
    p.fill_value = 1e-3;
  } else if (l == "zero_size") {
    p.output = contiguous({3, 0});
    p.null_empty_buffers = true;
  } else if (l == "scalar") {
    p.output = contiguous({});
    p.fill_value = -7.0;
  } else if (l == "special") {
    p.output = contiguous({9});
    p.fill_value = kNaN;
  } else {
    unknown_layout(info);
  }
  p.output = guarded(p.output);
  return p;
}

// The op part of a case id: the table's name, "" for matmul and conv.
std::string op_name(mt_family family, int32_t op) {
  if (family == kMemoryFamily)
    return memory_op_name(op);
  return sdk::op_rows(family).count > 0 ? sdk::op_name(family, op) : "";
}

// An unknown_op case: the slot is called with op values the table does not
// have (see runner.cpp); the views are a plain valid call otherwise.
Plan unknown_op_plan(const CaseInfo& info, Rng& rng) {
  Plan p;
  p.family = info.family;
  p.op = info.op;
  p.expect_unsupported = true;
  const Domain d = sdk::uniform(-1, 1);
  if (info.family == MT_FAMILY_REDUCE) {
    p.dim = 1;
    p.inputs.push_back(make_input("in", contiguous({5, 7}), d, rng));
    p.output = guarded(contiguous({5, 1}));
    return p;
  }
  p.inputs.push_back(
      make_input(info.family == MT_FAMILY_MAP ? "in" : "a", contiguous({5, 7}), d, rng));
  if (info.family == MT_FAMILY_ZIP)
    p.inputs.push_back(make_input("b", contiguous({5, 7}), d, rng));
  p.output = guarded(contiguous({5, 7}));
  return p;
}

}  // namespace

const char* status_name(CaseResult::Status status) {
  switch (status) {
    case CaseResult::Status::passed:
      return "passed";
    case CaseResult::Status::failed:
      return "failed";
    case CaseResult::Status::skipped:
      return "skipped";
    case CaseResult::Status::crashed:
      return "crashed";
    case CaseResult::Status::timed_out:
      return "timed_out";
  }
  return "?";
}

const char* family_name(mt_family family) {
  return family == kMemoryFamily ? "memory" : sdk::family_name(family);
}

std::vector<CaseInfo> list_cases() {
  std::vector<CaseInfo> cases;
  auto add = [&](mt_family family, int32_t op, const std::string& layout) {
    const std::string name = op_name(family, op);
    CaseInfo info;
    info.row = std::string(family_name(family)) + (name.empty() ? "" : "." + name);
    info.id = info.row + "." + layout;
    info.kind = CaseKind::op;
    info.family = family;
    info.op = op;
    info.layout = layout;
    if (family != kMemoryFamily)
      info.needs = {{family, op}};
    cases.push_back(std::move(info));
  };
  // Every op of every family over every layout of its family, from the op
  // table: a new row of op_table.h gets all of its cases with no edit here.
  for (const sdk::OpInfo& row : sdk::op_rows(MT_FAMILY_MAP))
    for (const auto& layout : kMapLayouts)
      add(MT_FAMILY_MAP, row.value, layout);
  for (const sdk::OpInfo& row : sdk::op_rows(MT_FAMILY_ZIP))
    for (const auto& layout : kZipLayouts)
      add(MT_FAMILY_ZIP, row.value, layout);
  for (const sdk::OpInfo& row : sdk::op_rows(MT_FAMILY_REDUCE))
    for (const auto& layout : kReduceLayouts)
      add(MT_FAMILY_REDUCE, row.value, layout);
  for (const auto& layout : kMatmulLayouts)
    add(MT_FAMILY_MATMUL, 0, layout);
  for (const auto& layout : kConvLayouts)
    add(MT_FAMILY_CONV1D, 0, layout);
  for (const auto& layout : kConvLayouts)
    add(MT_FAMILY_CONV2D, 0, layout);
  for (const auto& [op, layout] : kMemoryCases)
    add(kMemoryFamily, op, layout);
  // The unknown-op rule of plugin_abi.h, once per family with op values.
  for (const mt_family family : {MT_FAMILY_MAP, MT_FAMILY_ZIP, MT_FAMILY_REDUCE}) {
    CaseInfo info;
    info.row = std::string(family_name(family)) + "." + kUnknownOpLayout;
    info.id = info.row;
    info.kind = CaseKind::op;
    info.family = family;
    info.op = sdk::op_count(family);
    info.layout = kUnknownOpLayout;
    cases.push_back(std::move(info));
  }
  // The optimizer step (ABI 1.1's optional slot).
  for (CaseInfo& info : detail::optim_cases())
    cases.push_back(std::move(info));
  // Adopting caller-owned host memory (ABI 1.1's optional slot).
  for (CaseInfo& info : detail::adopt_cases())
    cases.push_back(std::move(info));
  for (CaseInfo& info : detail::gradient_cases())
    cases.push_back(std::move(info));
  return cases;
}

std::optional<CaseInfo> find_case(std::string_view id) {
  for (auto& info : list_cases())
    if (info.id == id)
      return info;
  return std::nullopt;
}

namespace detail {

Plan build_plan(const CaseInfo& info) {
  Rng rng(info.id);
  if (info.kind != CaseKind::op)
    throw std::invalid_argument("conformance: case '" + info.id + "' is not an op case");
  if (info.layout == kUnknownOpLayout)
    return unknown_op_plan(info, rng);
  switch (info.family) {
    case MT_FAMILY_MAP:
    case MT_FAMILY_ZIP:
      if (!mt::sdk::valid_op(info.family, info.op))
        break;
      return elementwise_plan(info, rng);
    case MT_FAMILY_REDUCE:
      if (!mt::sdk::valid_op(info.family, info.op))
        break;
      return reduce_plan(info, rng);
    case MT_FAMILY_MATMUL:
      return matmul_plan(info, rng);
    case MT_FAMILY_CONV1D:
    case MT_FAMILY_CONV2D:
      return conv_plan(info, rng);
    default:
      if (info.family == kMemoryFamily)
        return memory_plan(info);
      break;
  }
  throw std::invalid_argument("conformance: case '" + info.id + "' has an unknown family " +
                              std::to_string(info.family) + " or op " + std::to_string(info.op));
}

}  // namespace detail

}  // namespace mt::conformance
