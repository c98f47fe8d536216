// test_fused_optim.cpp — the fused optimizer step (ABI 1.1's optim_step slot) through the public
// API, on every usable backend, in f32 and f64: SGD (momentum, nesterov, weight decay), Adam and
// AdamW over three steps against the update rules written out here in the dtype (torch's
// formulas, one rounding per operation), bit for bit; the fused path against the element-wise
// fallback (set_fused(false)); a strided parameter and a broadcast gradient. Not the slot's
// argument checks: the conformance kit's optim.* cases run those on every plugin.
#include <boost/test/unit_test.hpp>

#include <minitorch/optim/optim.hpp>

#include "nn_testing.hpp"

#include <cmath>
#include <memory>

using namespace mt;
using namespace mt::nntest;

namespace {

struct Rule {
  const char* name;
  mt_optim_kind kind;
  double lr;
  double momentum = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

const Rule kRules[] = {
    {.name = "sgd", .kind = MT_OPTIM_SGD, .lr = 0.1},
    {.name = "sgd wd", .kind = MT_OPTIM_SGD, .lr = 0.05, .weight_decay = 0.01},
    {.name = "sgd momentum wd",
     .kind = MT_OPTIM_SGD,
     .lr = 0.05,
     .momentum = 0.9,
     .weight_decay = 0.1},
    {.name = "sgd nesterov",
     .kind = MT_OPTIM_SGD,
     .lr = 0.03,
     .momentum = 0.7,
     .weight_decay = 0.02,
     .nesterov = true},
    {.name = "adam", .kind = MT_OPTIM_ADAM, .lr = 0.01},
    {.name = "adam wd",
     .kind = MT_OPTIM_ADAM,
     .lr = 0.02,
     .weight_decay = 0.05,
     .beta1 = 0.8,
     .beta2 = 0.99,
     .eps = 1e-6},
    {.name = "adamw", .kind = MT_OPTIM_ADAMW, .lr = 0.01, .weight_decay = 0.01},
    {.name = "adamw no decay", .kind = MT_OPTIM_ADAMW, .lr = 0.003, .weight_decay = 0.0},
};

std::unique_ptr<Optimizer> make(const Rule& r, std::vector<Tensor> params) {
  switch (r.kind) {
    case MT_OPTIM_SGD:
      return std::make_unique<SGD>(
          std::move(params), r.lr,
          SGDOptions{
              .momentum = r.momentum, .weight_decay = r.weight_decay, .nesterov = r.nesterov});
    case MT_OPTIM_ADAM:
      return std::make_unique<Adam>(std::move(params), r.lr,
                                    AdamOptions{r.beta1, r.beta2, r.eps, r.weight_decay});
    default:
      return std::make_unique<AdamW>(std::move(params), r.lr,
                                     AdamWOptions{r.beta1, r.beta2, r.eps, r.weight_decay});
  }
}

// One element of step t in T: torch's update rules, each operation rounded to
// T in the order torch's foreach kernels (and our element-wise ops) apply them.
template <class T>
void host_step(const Rule& r, int64_t t, T& p, T g, T& b0, T& b1) {
  const auto c = [](double x) { return static_cast<T>(x); };
  if (r.kind == MT_OPTIM_SGD) {
    if (r.weight_decay != 0.0)
      g = g + p * c(r.weight_decay);
    if (r.momentum == 0.0) {
      p = p - g * c(r.lr);
      return;
    }
    b0 = b0 * c(r.momentum) + g;  // the buffer starts at 0, so step 1 gives b0 = g
    p = p - (r.nesterov ? (g + b0 * c(r.momentum)) * c(r.lr) : b0 * c(r.lr));
    return;
  }
  if (r.weight_decay != 0.0) {
    if (r.kind == MT_OPTIM_ADAMW)
      p = p * c(1.0 - r.lr * r.weight_decay);
    else
      g = g + p * c(r.weight_decay);
  }
  const double bias1 = 1.0 - std::pow(r.beta1, static_cast<double>(t));
  const double bias2 = 1.0 - std::pow(r.beta2, static_cast<double>(t));
  b0 = b0 * c(r.beta1) + g * c(1.0 - r.beta1);
  b1 = b1 * c(r.beta2) + g * g * c(1.0 - r.beta2);
  const T denom = std::sqrt(b1) * c(1.0 / std::sqrt(bias2)) + c(r.eps);
  p = p - b0 / denom * c(r.lr / bias1);
}

// Three parameters: (3, 4) and (5) with the loss Σ k·p² (gradient 2k·p), and
// (2, 3) with the loss Σ p (its gradient is a broadcast of ones, stride 0).
std::vector<Tensor> make_parameters(const BackendPtr& backend, DType dtype) {
  std::vector<double> a(12), b(5), c(6);
  for (std::size_t i = 0; i < a.size(); ++i)
    a[i] = 0.37 * static_cast<double>(i) - 1.9;
  for (std::size_t i = 0; i < b.size(); ++i)
    b[i] = 1.0 / (1.0 + static_cast<double>(i)) - 0.45;
  for (std::size_t i = 0; i < c.size(); ++i)
    c[i] = 0.25 * static_cast<double>(i) + 0.1;
  const TensorOptions o = on(backend, dtype, true);
  return {Tensor::from_values(a, {3, 4}, o), Tensor::from_values(b, {5}, o),
          Tensor::from_values(c, {2, 3}, o)};
}

void backward(const std::vector<Tensor>& p) {
  const Tensor ka = Tensor::from_values({0.5, 1.5, 2.0, 3.0}, {4}, p[0].options());
  const Tensor kb = Tensor::from_values({1.0, 0.25, 4.0, 0.125, 2.5}, {5}, p[1].options());
  Tensor loss = (p[0] * p[0] * ka).sum() + (p[1] * p[1] * kb).sum() + p[2].sum();
  loss.backward();
}

template <class T>
std::string check_rule(const Rule& r, const BackendPtr& backend, DType dtype) {
  std::vector<Tensor> fused_params = make_parameters(backend, dtype);
  std::vector<Tensor> plain_params = make_parameters(backend, dtype);
  std::unique_ptr<Optimizer> fused = make(r, fused_params);
  std::unique_ptr<Optimizer> plain = make(r, plain_params);
  plain->set_fused(false);
  BOOST_TEST(fused->fused());
  // The host's copy: values, and both state buffers, per parameter.
  std::vector<std::vector<T>> p(3), b0(3), b1(3);
  for (std::size_t i = 0; i < 3; ++i) {
    for (const double x : fused_params[i].to_vector())
      p[i].push_back(static_cast<T>(x));
    b0[i].assign(p[i].size(), T(0));
    b1[i].assign(p[i].size(), T(0));
  }
  for (int64_t t = 1; t <= 3; ++t) {
    fused->zero_grad();
    plain->zero_grad();
    backward(fused_params);
    backward(plain_params);
    for (std::size_t i = 0; i < 3; ++i) {
      const std::vector<double> g = fused_params[i].grad().to_vector();
      for (std::size_t k = 0; k < g.size(); ++k)
        host_step<T>(r, t, p[i][k], static_cast<T>(g[k]), b0[i][k], b1[i][k]);
    }
    fused->step();
    plain->step();
    for (std::size_t i = 0; i < 3; ++i) {
      const std::vector<double> got = fused_params[i].to_vector();
      const std::vector<double> unfused = plain_params[i].to_vector();
      for (std::size_t k = 0; k < got.size(); ++k) {
        const double want = static_cast<double>(p[i][k]);
        if (got[k] != want || unfused[k] != want) {
          std::ostringstream out;
          out.precision(17);
          out << "step " << t << ", parameter " << i << ", element " << k << ": fused " << got[k]
              << ", element-wise " << unfused[k] << ", formula " << want;
          return out.str();
        }
      }
    }
  }
  // The state buffers agree too (exp_avg / exp_avg_sq or momentum_buffer).
  const NamedTensors a = fused->state(), b = plain->state();
  for (std::size_t s = 0; s < a.size(); ++s) {
    if (a[s].second.to_vector() != b[s].second.to_vector())
      return "state '" + a[s].first + "' differs between the fused and element-wise paths";
  }
  return "";
}

}  // namespace

// Bit for bit, every rule, both dtypes: the fused step (where the backend has
// the slot), the element-wise fallback and the formula above.
MT_BACKEND_TEST(fused_optim, every_rule_matches_the_formula_bit_for_bit) {
  for (const Rule& r : kRules) {
    BOOST_TEST_CONTEXT(r.name << " in f32") {
      BOOST_TEST(check_rule<float>(r, backend, DType::f32) == "");
    }
    BOOST_TEST_CONTEXT(r.name << " in f64") {
      BOOST_TEST(check_rule<double>(r, backend, DType::f64) == "");
    }
  }
}

// The in-tree CPU backends implement the slot for every kind and dtype; a
// backend without it still trains through the element-wise path (above).
MT_BACKEND_TEST(fused_optim, in_tree_cpu_backends_have_the_slot) {
  if (backend->name() != "reference" && backend->name() != "parallel")
    return;
  for (const mt_optim_kind kind : {MT_OPTIM_SGD, MT_OPTIM_ADAM, MT_OPTIM_ADAMW})
    for (const DType dtype : {DType::f32, DType::f64})
      BOOST_TEST(backend->has_optim_step(kind, dtype));
}

// A parameter laid out transposed cannot go through the slot (it needs
// contiguous views): it takes the element-wise path in the same step as the
// contiguous one beside it, and both match a step taken wholly element-wise.
MT_BACKEND_TEST(fused_optim, strided_parameter_takes_the_element_wise_path) {
  const std::vector<double> values{0.5, -1.0, 2.0, 0.25, -0.75, 1.5};
  for (const DType dtype : {DType::f32, DType::f64}) {
    BOOST_TEST_CONTEXT(dtype_name(dtype)) {
      std::vector<Tensor> fused{build(values, {2, 3}, {1, 0}, on(backend, dtype, true)),
                                Tensor::from_values(values, {6}, on(backend, dtype, true))};
      std::vector<Tensor> plain{build(values, {2, 3}, {1, 0}, on(backend, dtype, true)),
                                Tensor::from_values(values, {6}, on(backend, dtype, true))};
      BOOST_TEST(!fused[0].is_contiguous());
      BOOST_TEST(fused[0].is_leaf());
      Adam a(fused, 0.05, {.weight_decay = 0.1});
      Adam b(plain, 0.05, {.weight_decay = 0.1});
      b.set_fused(false);
      for (int s = 0; s < 3; ++s) {
        for (auto* set : {&fused, &plain}) {
          const Tensor k = Tensor::from_values({1.0, 2.0, 3.0}, {3}, (*set)[0].options());
          ((*set)[0] * (*set)[0] * k).sum().backward();
          ((*set)[1] * (*set)[1]).sum().backward();
        }
        a.step();
        b.step();
        a.zero_grad();
        b.zero_grad();
      }
      BOOST_TEST(fused[0].to_vector() == plain[0].to_vector());
      BOOST_TEST(fused[1].to_vector() == plain[1].to_vector());
      BOOST_TEST(fused[0].to_vector() != values);
      BOOST_TEST(!fused[0].is_contiguous());  // updated in place, layout kept
    }
  }
}

// Two parameters that are halves of one storage (leaves made with detach):
// core keeps them off the slot, whose views may not share memory, and the
// element-wise path gives the formula's result.
MT_BACKEND_TEST(fused_optim, parameters_sharing_a_storage_take_the_element_wise_path) {
  for (const DType dtype : {DType::f32, DType::f64}) {
    BOOST_TEST_CONTEXT(dtype_name(dtype)) {
      const std::vector<double> values{0.5, -1.0, 2.0, 0.25};
      const Tensor base = Tensor::from_values(values, {4}, on(backend, dtype));
      Tensor low = base.narrow(0, 0, 2).detach().requires_grad_();
      Tensor high = base.narrow(0, 2, 2).detach().requires_grad_();
      BOOST_TEST(low.storage() == high.storage());
      const Rule rule{.name = "sgd momentum", .kind = MT_OPTIM_SGD, .lr = 0.1, .momentum = 0.5};
      std::unique_ptr<Optimizer> sgd = make(rule, {low, high});
      std::vector<double> p = values, b0(4, 0.0), unused(4, 0.0);
      for (int64_t t = 1; t <= 2; ++t) {
        sgd->zero_grad();
        ((low * low).sum() + (high * high * 3.0).sum()).backward();
        const std::vector<double> gl = low.grad().to_vector(), gh = high.grad().to_vector();
        for (std::size_t k = 0; k < 4; ++k) {
          const double g = k < 2 ? gl[k] : gh[k - 2];
          if (dtype == DType::f32) {
            float pf = static_cast<float>(p[k]), bf = static_cast<float>(b0[k]), u = 0;
            host_step<float>(rule, t, pf, static_cast<float>(g), bf, u);
            p[k] = pf;
            b0[k] = bf;
          } else {
            host_step<double>(rule, t, p[k], g, b0[k], unused[k]);
          }
        }
        sgd->step();
      }
      BOOST_TEST(base.to_vector() == p, boost::test_tools::per_element());
    }
  }
}
