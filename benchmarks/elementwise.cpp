// elementwise.cpp — every map and zip op of the op table (op_table.h) at 1M
// elements, a representative few (map exp, relu, neg, copy; zip add, mul;
// broadcast (n,n)+(n,1), transposed x.T + y) also at 16M, and sum over the
// last and the first dim at both sizes, in GB/s. Inputs come from each op's
// table domain. Bytes are STREAM-style: every element read once plus every
// element written once (write-allocate traffic is not counted, as in
// STREAM). Not a correctness test: the reference check only guards the timing.
#include "lab.hpp"

#include <algorithm>
#include <iterator>
#include <string>

namespace mt::bench {

namespace {

// The reference plugin is timed at 1M only (its 16M runs take seconds).
constexpr int64_t kSmallSide = 1024;  // 1M elements
constexpr int64_t kLargeSide = 4096;  // 16M elements
// Rows (or columns) the reference recomputes when checking a 16M case.
constexpr int64_t kCheckSlice = 64;

int64_t slice_for(int64_t side) {
  return side > kSmallSide ? kCheckSlice : 0;
}

Case map_case(const std::string& label, mt_map_op op, int64_t n) {
  Case c;
  c.name = std::string("map/") + label + "/" + count_label(n * n);
  c.bytes = 2.0 * static_cast<double>(n * n) * static_cast<double>(dtype_size(c.dtype));
  c.run_on_reference = n <= kSmallSide;
  c.build = [op, n](const BackendPtr& backend, DType dtype) {
    Step step{.family = Family::map, .op = op};
    const sdk::Domain domain = sdk::op_info(MT_FAMILY_MAP, op)->domain[0];
    step.operands = {empty_tensor({n, n}, dtype, backend),
                     domain_tensor({n, n}, dtype, backend, 1, domain)};
    step.slice_dims = {0, 0};
    step.slice_len = slice_for(n);
    return std::vector<Step>{step};
  };
  return c;
}

enum class ZipLayout { contiguous, broadcast_column, transposed };

Case zip_case(const std::string& label, mt_zip_op op, ZipLayout layout, int64_t n) {
  Case c;
  c.name = std::string("zip/") + label + "/" + count_label(n * n);
  const double elements = static_cast<double>(n * n);
  // The broadcast operand is n elements, read once per row but from cache.
  c.bytes = (layout == ZipLayout::broadcast_column ? 2.0 * elements + static_cast<double>(n)
                                                   : 3.0 * elements) *
            static_cast<double>(dtype_size(c.dtype));
  c.run_on_reference = n <= kSmallSide;
  c.build = [op, layout, n](const BackendPtr& backend, DType dtype) {
    Step step{.family = Family::zip, .op = op};
    const sdk::OpInfo& row = *sdk::op_info(MT_FAMILY_ZIP, op);
    Tensor a = domain_tensor({n, n}, dtype, backend, 2, row.domain[0]);
    Tensor b;
    switch (layout) {
      case ZipLayout::contiguous:
        b = domain_tensor({n, n}, dtype, backend, 3, row.domain[1]);
        break;
      case ZipLayout::broadcast_column:  // (n, 1) expanded to (n, n): strides (1, 0)
        b = domain_tensor({n, 1}, dtype, backend, 3, row.domain[1]).expand({n, n});
        break;
      case ZipLayout::transposed:  // x.T + y: the first operand walks columns
        a = a.permute({1, 0});
        b = domain_tensor({n, n}, dtype, backend, 3, row.domain[1]);
        break;
    }
    step.operands = {empty_tensor({n, n}, dtype, backend), a, b};
    step.slice_dims = {0, 0, 0};
    step.slice_len = slice_for(n);
    return std::vector<Step>{step};
  };
  return c;
}

Case sum_case(int32_t dim, int64_t n) {
  Case c;
  c.name = std::string(dim == 1 ? "reduce/sum_last/" : "reduce/sum_first/") + count_label(n * n);
  c.bytes = (static_cast<double>(n * n) + static_cast<double>(n)) *
            static_cast<double>(dtype_size(c.dtype));
  c.tolerance = 1e-4;  // summation order differs between backends
  c.run_on_reference = n <= kSmallSide;
  c.build = [dim, n](const BackendPtr& backend, DType dtype) {
    Step step{.family = Family::reduce, .op = MT_REDUCE_SUM, .dim = dim};
    const Shape out_shape = dim == 1 ? Shape{n, 1} : Shape{1, n};
    step.operands = {empty_tensor(out_shape, dtype, backend),
                     random_tensor({n, n}, dtype, backend, 4)};
    // Slice across the reduced dim, never along it.
    const int keep = dim == 1 ? 0 : 1;
    step.slice_dims = {keep, keep};
    step.slice_len = slice_for(n);
    return std::vector<Step>{step};
  };
  return c;
}

// The ops also timed at 16M, by name: the lookups are constant expressions,
// so a name the op table does not have does not compile.
constexpr mt_map_op kLargeMaps[] = {sdk::map_op("exp"), sdk::map_op("relu"), sdk::map_op("neg"),
                                    sdk::map_op("copy")};
constexpr mt_zip_op kLargeZips[] = {sdk::zip_op("add"), sdk::zip_op("mul")};
constexpr mt_zip_op kAdd = sdk::zip_op("add");

}  // namespace

void register_elementwise(const std::vector<BackendPtr>& backends, const BackendPtr& reference) {
  for (int64_t n : {kSmallSide, kLargeSide}) {
    // 1M: every op of the table; 16M: the representative few.
    for (const sdk::OpInfo& row : sdk::op_rows(MT_FAMILY_MAP)) {
      const auto op = static_cast<mt_map_op>(row.value);
      if (n == kSmallSide ||
          std::find(std::begin(kLargeMaps), std::end(kLargeMaps), op) != std::end(kLargeMaps))
        register_case(map_case(row.name, op, n), backends, reference);
    }
    for (const sdk::OpInfo& row : sdk::op_rows(MT_FAMILY_ZIP)) {
      const auto op = static_cast<mt_zip_op>(row.value);
      if (n == kSmallSide ||
          std::find(std::begin(kLargeZips), std::end(kLargeZips), op) != std::end(kLargeZips))
        register_case(zip_case(row.name, op, ZipLayout::contiguous, n), backends, reference);
    }
    register_case(zip_case("add_bcast", kAdd, ZipLayout::broadcast_column, n), backends, reference);
    register_case(zip_case("add_T", kAdd, ZipLayout::transposed, n), backends, reference);
    register_case(sum_case(1, n), backends, reference);
    register_case(sum_case(0, n), backends, reference);
  }
}

}  // namespace mt::bench
