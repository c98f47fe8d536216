// test_tensor_api.cpp — the Tensor surface beyond MiniTorch's own tests, on
// every usable backend: construction and options, host access, views sharing
// storage, conversions (also between backends), in-place updates, the extra
// element-wise ops and the error messages.
#include <boost/test/unit_test.hpp>
#include <minitorch/tensor/random.hpp>

#include <cmath>
#include <sstream>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

bool message_has(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

// A precondition: run only when at least two backends are usable here.
boost::test_tools::assertion_result two_backends_usable(boost::unit_test::test_unit_id) {
  const std::size_t usable = BackendRegistry::global().usable().size();
  boost::test_tools::assertion_result result(usable >= 2);
  result.message() << "needs two usable backends to mix; " << usable << " usable here";
  return result;
}

}  // namespace

MT_BACKEND_TEST(test_tensor_api, construction_and_options) {
  const Tensor z = zeros({2, 3}, f64());
  BOOST_TEST((z.shape() == Shape{2, 3}));
  BOOST_TEST(z.numel() == 6);
  BOOST_TEST(z.dims() == 2);
  BOOST_TEST((z.to_vector() == std::vector<double>(6, 0.0)));
  BOOST_TEST((ones({2}, f64()).to_vector() == std::vector<double>{1, 1}));
  BOOST_TEST((full({1, 2}, -2.5, f64()).to_vector() == std::vector<double>{-2.5, -2.5}));
  BOOST_TEST(z.backend() == backend);
  BOOST_TEST(zeros({2}).backend() == backend);  // the default backend is the one under test
  BOOST_TEST(!z.requires_grad());
  BOOST_TEST(zeros({2}, f64(true)).requires_grad());

  BOOST_CHECK_EXCEPTION(Tensor::from_values({1, 2, 3}, {2, 2}, f64()), ShapeError,
                        [](const ShapeError& e) { return message_has(e, "(2, 2)"); });
  BOOST_CHECK_THROW(zeros(Shape(MT_MAX_DIMS + 1, 1), f64()), ShapeError);
  BOOST_TEST((zeros(Shape(MT_MAX_DIMS, 1), f64()).dims() == MT_MAX_DIMS));

  // A scalar (rank 0) and an empty tensor.
  const Tensor s = tensor(3.5, f64());
  BOOST_TEST(s.dims() == 0);
  BOOST_TEST(s.item() == 3.5);
  const Tensor e = zeros({0, 3}, f64());
  BOOST_TEST(e.numel() == 0);
  BOOST_TEST(e.to_vector().empty());
  BOOST_TEST(e.sum().item() == 0.0);
}

MT_BACKEND_TEST(test_tensor_api, default_dtype_and_host_buffers) {
  BOOST_TEST((default_dtype() == DType::f32));
  const Tensor f = tensor({0.1, 0.2}, {.backend = backend});
  BOOST_TEST((f.dtype() == DType::f32));
  BOOST_TEST(f.get({0}) == static_cast<double>(0.1f));
  set_default_dtype(DType::f64);
  BOOST_TEST((tensor({0.1}, {.backend = backend}).dtype() == DType::f64));
  set_default_dtype(DType::f32);

  const std::vector<float> floats{1.5f, -2.0f, 3.25f, 4.0f};
  const Tensor from_floats = Tensor::from_host(std::span<const float>(floats), {2, 2}, f64());
  BOOST_TEST((from_floats.to_vector() == std::vector<double>{1.5, -2.0, 3.25, 4.0}));
  BOOST_CHECK_THROW(Tensor::from_host(std::span<const float>(floats), {3}, f64()), ShapeError);
}

MT_BACKEND_TEST(test_tensor_api, rand_is_seeded_and_in_unit_interval) {
  manual_seed(42);
  const std::vector<double> first = rand({4, 5}, f64()).to_vector();
  manual_seed(42);
  const std::vector<double> again = rand({4, 5}, f64()).to_vector();
  BOOST_TEST(first == again);
  manual_seed(42);  // the same seed draws the same numbers on every backend
  BOOST_TEST(rand({4, 5}, {.dtype = DType::f64, .backend = reference()}).to_vector() == first);
  for (double v : first)
    BOOST_TEST((v >= 0.0 && v < 1.0));
  BOOST_TEST(rand({20}, f64()).to_vector() != first);  // the stream moves on
}

MT_BACKEND_TEST(test_tensor_api, get_set_item) {
  Tensor t = zeros({2, 3}, f64());
  t.set({1, 2}, 7.0);
  BOOST_TEST(t.get({1, 2}) == 7.0);
  BOOST_TEST(t.sum().item() == 7.0);
  BOOST_CHECK_THROW(t.set({2, 0}, 1.0), IndexingError);
  BOOST_CHECK_EXCEPTION(t.item(), ShapeError,
                        [](const ShapeError& e) { return message_has(e, "(2, 3)"); });

  Tensor leaf = zeros({2}, f64(true));
  BOOST_CHECK_THROW(leaf.set({0}, 1.0), ArgumentError);
  {
    NoGradGuard no_grad;  // allowed while nothing is recorded (parameter init)
    leaf.set({0}, 1.0);
  }
  BOOST_TEST(leaf.get({0}) == 1.0);
}

MT_BACKEND_TEST(test_tensor_api, to_string_uses_minitorch_format) {
  const Tensor t = tensor({{1, 2}, {3, 4}}, f64());
  BOOST_TEST(t.to_string() == "\n[\n\t[1.00 2.00]\n\t[3.00 4.00]]");
  BOOST_TEST(t.transpose(0, 1).to_string() == "\n[\n\t[1.00 3.00]\n\t[2.00 4.00]]");
  std::ostringstream out;
  out << t;
  BOOST_TEST(out.str() == t.to_string());
}

MT_BACKEND_TEST(test_tensor_api, views_share_storage) {
  Tensor t = tensor({{1, 2, 3}, {4, 5, 6}}, f64());
  const Tensor p = t.permute({1, 0});
  const Tensor v = t.view({3, 2});
  const Tensor n = t.narrow(1, 1, 2);
  const Tensor e = t.narrow(0, 0, 1).expand({4, 3});
  BOOST_TEST((p.shape() == Shape{3, 2}));
  BOOST_TEST((p.to_vector() == std::vector<double>{1, 4, 2, 5, 3, 6}));
  BOOST_TEST((n.to_vector() == std::vector<double>{2, 3, 5, 6}));
  BOOST_TEST((e.strides() == Strides{0, 1}));
  BOOST_TEST(e.sum().item() == 24.0);
  t.set({0, 1}, 20.0);  // one write, seen through every view
  BOOST_TEST(p.get({1, 0}) == 20.0);
  BOOST_TEST(v.get({0, 1}) == 20.0);
  BOOST_TEST(n.get({0, 0}) == 20.0);
  BOOST_TEST(e.get({3, 1}) == 20.0);
  BOOST_TEST(p.storage() == t.storage());

  BOOST_TEST(t.contiguous().same(t));
  BOOST_TEST(!p.contiguous().same(p));
  BOOST_TEST(p.contiguous().storage() != t.storage());
  BOOST_TEST((p.reshape({6}).to_vector() == std::vector<double>{1, 4, 20, 5, 3, 6}));
  BOOST_TEST((t.view({-1, 2}).shape() == Shape{3, 2}));
  BOOST_TEST(!n.is_contiguous());
  BOOST_CHECK_THROW(n.view({4}), ShapeError);
  BOOST_CHECK_THROW(t.view({4, 2}), ShapeError);
  BOOST_CHECK_THROW(t.view({-1, -1}), ShapeError);
  BOOST_CHECK_THROW(t.narrow(1, 2, 2), IndexingError);
  BOOST_CHECK_THROW(t.narrow(2, 0, 1), IndexingError);
  BOOST_CHECK_EXCEPTION(t.expand({3, 3}), ShapeError, [](const ShapeError& e) {
    return message_has(e, "(2, 3)") && message_has(e, "(3, 3)");
  });
  BOOST_CHECK_EXCEPTION(t.permute({0, 0}), IndexingError,
                        [](const IndexingError& e) { return message_has(e, "(0, 0)"); });
  BOOST_CHECK_EXCEPTION(t.sum(2), IndexingError,
                        [](const IndexingError& e) { return message_has(e, "-2..1"); });
  BOOST_TEST(t.sum(-1).shape() == (Shape{2, 1}));
  BOOST_TEST(t.transpose(-1, 0).shape() == (Shape{3, 2}));
}

MT_BACKEND_TEST(test_tensor_api, conversions) {
  const Tensor t = tensor({{0.5, -1.25}, {3, 4}}, f64());
  const Tensor f = t.to(DType::f32);
  BOOST_TEST((f.dtype() == DType::f32));
  BOOST_TEST(f.to_vector() == t.to_vector());
  BOOST_TEST(t.to(DType::f64).same(t));
  BOOST_TEST(t.to(backend).same(t));
  const Tensor transposed = t.transpose(0, 1).to(DType::f32);  // reads through the strides
  BOOST_TEST((transposed.to_vector() == std::vector<double>{0.5, 3, -1.25, 4}));

  BOOST_CHECK_EXCEPTION(t + f, ArgumentError, [](const ArgumentError& e) {
    return message_has(e, "f64") && message_has(e, "f32");
  });

  const Tensor d = t.detach();
  BOOST_TEST(d.storage() == t.storage());
  BOOST_TEST(!d.requires_grad());
  const Tensor c = t.clone();
  BOOST_TEST(c.storage() != t.storage());
  BOOST_TEST(c.to_vector() == t.to_vector());
}

// Across backends by nature, so one unit over every ordered pair of usable
// backends rather than one per backend.
BOOST_AUTO_TEST_SUITE(cross_backend)

BOOST_AUTO_TEST_CASE(mixing_backends_says_how_to_move,
                     *boost::unit_test::precondition(two_backends_usable)) {
  const std::vector<BackendPtr> usable = BackendRegistry::global().usable();
  for (const BackendPtr& first : usable) {
    for (const BackendPtr& second : usable) {
      if (first == second)
        continue;
      BOOST_TEST_CONTEXT(first->name() << " with " << second->name()) {
        const Tensor a = tensor({{1, 2}, {3, 4}}, {.dtype = DType::f64, .backend = first});
        const Tensor b = tensor({10, 20}, {.dtype = DType::f64, .backend = second});
        BOOST_CHECK_EXCEPTION(a + b, ArgumentError, [&](const ArgumentError& e) {
          return message_has(e, "operands are on backends '" + first->name() + "' and '" +
                                    second->name() + "'; move one with .to(backend)");
        });
        // Moving copies the values (a permuted view reads through its strides)
        // and keeps the gradient flowing back to the first backend.
        const Tensor moved = a.transpose(0, 1).to(second);
        BOOST_TEST(moved.backend() == second);
        BOOST_TEST((moved.to_vector() == std::vector<double>{1, 3, 2, 4}));
        BOOST_TEST(((a + b.to(first)).to_vector() == std::vector<double>{11, 22, 13, 24}));
        const Tensor leaf =
            tensor({1, 2}, {.dtype = DType::f64, .backend = first, .requires_grad = true});
        (leaf.to(second) * b).sum().backward();
        BOOST_TEST(leaf.grad().backend() == first);
        BOOST_TEST((leaf.grad().to_vector() == std::vector<double>{10, 20}));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

MT_BACKEND_TEST(test_tensor_api, in_place_updates) {
  Tensor t = tensor({{1, 2}, {3, 4}}, f64());
  const auto storage = t.storage();
  t.add_(tensor({10, 20}, f64()));  // broadcasts over rows
  BOOST_TEST((t.to_vector() == std::vector<double>{11, 22, 13, 24}));
  t.sub_(ones({2, 2}, f64()));
  t.mul_(2.0);
  BOOST_TEST((t.to_vector() == std::vector<double>{20, 42, 24, 46}));
  t.mul_(tensor({{1}, {0}}, f64()));
  BOOST_TEST((t.to_vector() == std::vector<double>{20, 42, 0, 0}));
  t.copy_(tensor({{1, 2}, {3, 4}}, f64()));
  // A source that overlaps the target through another view is read first.
  t.add_(t.transpose(0, 1));
  BOOST_TEST((t.to_vector() == std::vector<double>{2, 5, 5, 8}));
  t.add_(t);
  BOOST_TEST((t.to_vector() == std::vector<double>{4, 10, 10, 16}));
  t.zero_();
  BOOST_TEST(t.sum().item() == 0.0);
  BOOST_TEST(t.storage() == storage);

  BOOST_CHECK_THROW(t.add_(ones({3}, f64())), ShapeError);
  Tensor expanded = tensor({1}, f64()).expand({3});
  BOOST_CHECK_THROW(expanded.fill_(1.0), ArgumentError);
  Tensor leaf = ones({2}, f64(true));
  BOOST_CHECK_THROW(leaf.mul_(2.0), ArgumentError);
}

MT_BACKEND_TEST(test_tensor_api, comparisons_and_reductions) {
  const Tensor a = tensor({{1, 5}, {3, 3}}, f64(true));
  BOOST_TEST(((a < 3.0).to_vector() == std::vector<double>{1, 0, 0, 0}));
  BOOST_TEST(((a > 3.0).to_vector() == std::vector<double>{0, 1, 0, 0}));
  BOOST_TEST(((a == 3.0).to_vector() == std::vector<double>{0, 0, 1, 1}));
  BOOST_TEST(((2.0 < a).to_vector() == std::vector<double>{0, 1, 1, 1}));
  BOOST_TEST(!(a < 3.0).requires_grad());  // comparisons have no gradient
  BOOST_TEST(!a.is_close(a).requires_grad());

  BOOST_TEST((a.max(1).to_vector() == std::vector<double>{5, 3}));
  BOOST_TEST((a.max(0).shape() == Shape{1, 2}));
  BOOST_TEST(a.max().item() == 5.0);
  BOOST_TEST((a.mean(0).to_vector() == std::vector<double>{2, 4}));
  BOOST_TEST(a.mean().item() == 3.0);
  BOOST_TEST(a.all().item() == 1.0);
  BOOST_TEST((tensor({{1, 0}, {2, 3}}, f64()).all(1).to_vector() == std::vector<double>{0, 1}));
  BOOST_TEST(!a.all().requires_grad());

  // Max shares the gradient among tied maxima (row 2 is a tie of two 3s);
  // MiniTorch's argmax mask would give each of them all of it.
  a.max(1).sum().backward();
  BOOST_TEST((a.grad().to_vector() == std::vector<double>{0, 1, 0.5, 0.5}));
}

MT_BACKEND_TEST(test_tensor_api, extra_elementwise_forward) {
  const Tensor t = tensor({-4, 0, 9}, f64());
  BOOST_TEST((t.abs().to_vector() == std::vector<double>{4, 0, 9}));
  BOOST_TEST((t.abs().sqrt().to_vector() == std::vector<double>{2, 0, 3}));
  BOOST_TEST((t.pow(2.0).to_vector() == std::vector<double>{16, 0, 81}));
  BOOST_TEST((t.relu().to_vector() == std::vector<double>{0, 0, 9}));
  BOOST_TEST(((1.0 - t).to_vector() == std::vector<double>{5, 1, -8}));
  BOOST_TEST(((18.0 / (t + 0.0 * t + 9.0)).to_vector() == std::vector<double>{3.6, 2, 1}));
}

// Gradients of the ops MathTest does not reach, against central differences;
// each is its own property with the full example count.
namespace {
struct ExtraOp {
  const char* name;
  TensorFn fn;
};
[[maybe_unused]] const bool registered_extra_ops = [] {
  const std::vector<ExtraOp> cases = {
      {"sqrt", [](const auto& in) { return (in[0] * in[0] + 1.0).sqrt(); }},
      // Shifted off the kink at 0, as MathTest does for relu.
      {"abs", [](const auto& in) { return (in[0] + 5.5).abs(); }},
      // Scaled so the summed output stays small enough for ε = 1e-6 in f64.
      {"pow2_5", [](const auto& in) { return (in[0] * in[0] / 100.0 + 1.0).pow(2.5); }},
      {"pow3", [](const auto& in) { return in[0].pow(3.0) / 1000.0; }},
      {"transpose", [](const auto& in) { return in[0].transpose(0, -1) * 2.0; }},
      {"narrow",
       [](const auto& in) {
         return in[0].narrow(0, 0, 1) * in[0].narrow(0, in[0].size(0) - 1, 1);
       }},
      {"expand", [](const auto& in) { return in[0].sum(-1).expand(in[0].shape()) * in[0]; }},
      {"mean_sum", [](const auto& in) { return in[0].mean(0) - in[0].sum() / 7.0; }},
  };
  return add_backend_properties(
      "test_tensor_api/extra_ops_grad_check", cases,
      [](const ExtraOp& c) { grad_check(c.fn, {build(*tensor_specs())}); }, __FILE__, __LINE__);
}();
}  // namespace

// Max's gradient is one-hot when the maximum is unique; ties are broken by
// offsets far larger than the central-difference step.
MT_BACKEND_PROP(test_tensor_api, max_grad_check_distinct_values) {
  TensorSpec spec = *tensor_specs();
  for (std::size_t k = 0; k < spec.values.size(); ++k)
    spec.values[k] += 1e-3 * static_cast<double>(k);
  const int64_t dim = *rc::gen::inRange<int64_t>(0, static_cast<int64_t>(spec.shape.size()));
  grad_check([dim](const auto& in) { return in[0].max(dim); }, {build(spec)});
  grad_check([](const auto& in) { return in[0].max(); }, {build(spec)});
}

// Ties share the gradient evenly (torch.amax's rule), so it still sums to g
// per slice: MiniTorch's mask would give each tied element all of it.
MT_BACKEND_TEST(test_tensor_api, max_ties_share_the_gradient) {
  Tensor x = Tensor::from_values({3.0, 1.0, 3.0, 3.0, 2.0, 5.0, 0.0, 5.0}, {2, 4}, f64(true));
  (x.max(1) * Tensor::from_values({1.0, 4.0}, {2, 1}, f64())).sum().backward();
  const std::vector<double> by_row{1.0 / 3, 0.0, 1.0 / 3, 1.0 / 3, 0.0, 2.0, 0.0, 2.0};
  const std::vector<double> got = x.grad().to_vector();
  BOOST_TEST_REQUIRE(got.size() == by_row.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    BOOST_TEST(got[i] == by_row[i], boost::test_tools::tolerance(1e-12));

  Tensor y = Tensor::from_values({7.0, 7.0, -1.0, 7.0}, {2, 2}, f64(true));
  y.max().backward();
  const std::vector<double> whole = y.grad().to_vector();
  const std::vector<double> expected{1.0 / 3, 1.0 / 3, 0.0, 1.0 / 3};
  BOOST_TEST_REQUIRE(whole.size() == expected.size());
  for (std::size_t i = 0; i < whole.size(); ++i)
    BOOST_TEST(whole[i] == expected[i], boost::test_tools::tolerance(1e-12));
}

MT_BACKEND_TEST(test_tensor_api, f32_forward_matches_f64) {
  manual_seed(5);
  const Tensor x64 = rand({3, 4}, f64()) * 4.0 - 2.0;
  const Tensor x32 = x64.to(DType::f32);
  const auto f = [](const Tensor& x) {
    return ((x.sigmoid() * x.exp()).log() + x.relu()).matmul(x.transpose(0, 1)).sum(0);
  };
  const std::vector<double> a = f(x64).to_vector();
  const std::vector<double> b = f(x32).to_vector();
  BOOST_TEST_REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(close_rel(b[i], a[i], 1e-5, 1e-5));
  // ... and f64 against the reference backend.
  const std::vector<double> oracle = f(on_reference(x64)).to_vector();
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(close_rel(a[i], oracle[i], 1e-12, 1e-12));
}
