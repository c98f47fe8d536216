// test_module.cpp — MiniTorch's test_module (task0_4) with its exact fixtures
// (ModuleA1..A4, Module1/2/3), plus the C++ port's own guarantees: lookups by name that fail
// loudly, name validation, no cycles, and Parameter's requires_grad_ / set_name hooks.
#include <minitorch/errors.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/teaching/scalar.hpp>

#include <rapidcheck/boost_test.h>
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "strategies.hpp"

namespace {

using NumberModule = mt::BasicModule<double>;

// ---- The website example: parameters at three depths.

class ModuleA2 : public NumberModule {
 public:
  ModuleA2() : p2(add_parameter("p2", 10)) {}
  Parameter& p2;
};

class ModuleA4 : public NumberModule {
 public:
  ModuleA4() : p3(add_parameter("p3", 15)) {}
  Parameter& p3;
};

class ModuleA3 : public NumberModule {
 public:
  ModuleA3() : c(add_module("c", std::make_shared<ModuleA4>())) {}
  std::shared_ptr<ModuleA4> c;
};

class ModuleA1 : public NumberModule {
 public:
  ModuleA1()
      : p1(add_parameter("p1", 5)),
        a(add_module("a", std::make_shared<ModuleA2>())),
        b(add_module("b", std::make_shared<ModuleA3>())) {}
  Parameter& p1;
  int non_param = 10;
  std::shared_ptr<ModuleA2> a;
  std::shared_ptr<ModuleA3> b;
};

// ---- The stacked fixtures.

constexpr double kValA = 50.0;
constexpr double kValB = 100.0;

class Module3 : public NumberModule {
 public:
  Module3() { add_parameter("parameter_a", kValA); }
};

class Module2 : public NumberModule {
 public:
  explicit Module2(int extra = 0) {
    add_parameter("parameter_a", kValA);
    add_parameter("parameter_b", kValB);
    module_c = add_module("module_c", std::make_shared<Module3>());
    for (int i = 0; i < extra; ++i) {
      add_parameter("extra_parameter_" + std::to_string(i), 0);
    }
  }
  int non_parameter = 10;
  std::shared_ptr<Module3> module_c;
};

class Module1 : public NumberModule {
 public:
  Module1(int size_a, int size_b, double val) {
    module_a = add_module("module_a", std::make_shared<Module2>(size_a));
    module_b = add_module("module_b", std::make_shared<Module2>(size_b));
    add_parameter("parameter_a", val);
  }
  std::shared_ptr<Module2> module_a;
  std::shared_ptr<Module2> module_b;
};

std::map<std::string, double> values_by_name(const NumberModule& m) {
  std::map<std::string, double> out;
  for (const auto& [name, p] : m.named_parameters()) {
    out[name] = p->value();
  }
  return out;
}

// Records what Parameter does to its value.
struct MockParam {
  int requires_grad_calls = 0;
  bool requires_grad = false;
  std::string name;
  void requires_grad_(bool x) {
    ++requires_grad_calls;
    requires_grad = x;
  }
  void set_name(std::string n) { name = std::move(n); }
};

class ModuleRun : public NumberModule {
 public:
  int forward() const { return 10; }
  int operator()() const { return forward(); }
};

std::string message_of(const auto& action) {
  try {
    action();
  } catch (const mt::ArgumentError& e) {
    return e.what();
  }
  return "(no ArgumentError thrown)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(module)

BOOST_AUTO_TEST_CASE(test_stacked_demo) {
  ModuleA1 mod;
  BOOST_TEST(mod.to_string() ==
             "ModuleA1(\n"
             "  (a): ModuleA2()\n"
             "  (b): ModuleA3(\n"
             "    (c): ModuleA4()\n"
             "  )\n"
             ")");
  BOOST_TEST(mod.p1.value() == 5.0);
  BOOST_TEST(mod.non_param == 10);
  const auto np = values_by_name(mod);
  BOOST_TEST(np.at("p1") == 5.0);
  BOOST_TEST(np.at("a.p2") == 10.0);
  BOOST_TEST(np.at("b.c.p3") == 15.0);
  // Own parameters first, then each child's in registration order.
  std::vector<std::string> names;
  for (const auto& [name, p] : mod.named_parameters()) {
    names.push_back(name);
  }
  BOOST_TEST(names == (std::vector<std::string>{"p1", "a.p2", "b.c.p3"}),
             boost::test_tools::per_element());
  // The parameter's own name is its local key.
  BOOST_TEST(mod.b->c->p3.name() == "p3");
}

RC_BOOST_PROP(test_module, ()) {
  const int size_a = *mt::test::med_ints();
  const int size_b = *mt::test::med_ints();
  {
    Module2 module;
    module.eval();
    RC_ASSERT(!module.training());
    module.train();
    RC_ASSERT(module.training());
    RC_ASSERT(module.parameters().size() == 3u);
  }
  {
    Module2 module(size_b);
    RC_ASSERT(module.parameters().size() == static_cast<std::size_t>(size_b) + 3);
  }
  Module2 module(size_a);
  const auto np = values_by_name(module);
  RC_ASSERT(np.at("parameter_a") == kValA);
  RC_ASSERT(np.at("parameter_b") == kValB);
  RC_ASSERT(np.at("extra_parameter_0") == 0.0);
  RC_ASSERT(np.at("module_c.parameter_a") == kValA);
  RC_ASSERT(np.size() == static_cast<std::size_t>(size_a) + 3);
}

RC_BOOST_PROP(test_stacked_module, ()) {
  const int size_a = *mt::test::med_ints();
  const int size_b = *mt::test::med_ints();
  const double val = *mt::test::small_floats();
  Module1 module(size_a, size_b, val);
  module.eval();
  RC_ASSERT(!module.training());
  RC_ASSERT(!module.module_a->training());
  RC_ASSERT(!module.module_b->training());
  RC_ASSERT(!module.module_a->module_c->training());
  module.train();
  RC_ASSERT(module.training());
  RC_ASSERT(module.module_a->training());
  RC_ASSERT(module.module_b->training());
  RC_ASSERT(module.module_b->module_c->training());

  RC_ASSERT(module.parameters().size() ==
            static_cast<std::size_t>(1 + (size_a + 3) + (size_b + 3)));
  const auto np = values_by_name(module);
  RC_ASSERT(np.at("parameter_a") == val);
  RC_ASSERT(np.at("module_a.parameter_a") == kValA);
  RC_ASSERT(np.at("module_a.parameter_b") == kValB);
  RC_ASSERT(np.at("module_b.parameter_a") == kValA);
  RC_ASSERT(np.at("module_b.parameter_b") == kValB);
  RC_ASSERT(np.at("module_a.module_c.parameter_a") == kValA);
  RC_ASSERT(np.count("module_b.extra_parameter_" + std::to_string(size_b - 1)) == 1u);
  RC_ASSERT(np.count("module_b.extra_parameter_" + std::to_string(size_b)) == 0u);
}

BOOST_AUTO_TEST_CASE(test_eval_on_a_child_stays_below_it) {
  Module1 module(1, 1, 0.0);
  module.module_a->eval();
  BOOST_TEST(module.training());
  BOOST_TEST(!module.module_a->training());
  BOOST_TEST(!module.module_a->module_c->training());
  BOOST_TEST(module.module_b->training());
}

// MiniTorch's xfail test: a bare Module has no forward to call. In C++ that is a compile-time
// fact: BasicModule defines no call operator, so calling one does not compile.
BOOST_AUTO_TEST_CASE(test_module_fail_forward) {
  BOOST_TEST(!(std::is_invocable_v<NumberModule&>));
  BOOST_TEST(!(std::is_invocable_v<mt::ScalarModule&, mt::Scalar>));
}

BOOST_AUTO_TEST_CASE(test_module_forward) {
  ModuleRun mod;
  BOOST_TEST(mod.forward() == 10);
  BOOST_TEST(mod() == 10);
}

BOOST_AUTO_TEST_CASE(test_parameter) {
  mt::BasicParameter<MockParam> q(MockParam{}, "weight");
  BOOST_TEST(q.value().requires_grad);
  BOOST_TEST(q.value().requires_grad_calls == 1);
  BOOST_TEST(q.value().name == "weight");
  q.update(MockParam{});
  BOOST_TEST(q.value().requires_grad);
  BOOST_TEST(q.value().requires_grad_calls == 1);  // the new value, switched on once
  BOOST_TEST(q.value().name == "weight");
}

BOOST_AUTO_TEST_CASE(test_parameter_makes_scalars_trainable) {
  mt::ScalarParameter p(mt::Scalar::constant(2.0), "w");
  BOOST_TEST(p.value().is_leaf());
  BOOST_TEST(p.value().name() == "w");
  p.update(mt::Scalar::constant(3.0));
  BOOST_TEST(p.value().is_leaf());
  BOOST_TEST(p.value().data() == 3.0);
  BOOST_TEST(p.to_string() == "Scalar(3)");
  // Plain numbers are held as they are.
  mt::BasicParameter<double> n(4.5, "n");
  BOOST_TEST(n.value() == 4.5);
  BOOST_TEST(n.to_string() == "4.5");
}

BOOST_AUTO_TEST_CASE(test_lookup_by_path) {
  ModuleA1 mod;
  BOOST_TEST(mod.parameter("p1").value() == 5.0);
  BOOST_TEST(mod.parameter("a.p2").value() == 10.0);
  BOOST_TEST(mod.parameter("b.c.p3").value() == 15.0);
  BOOST_TEST(&mod.module("b.c") == mod.b->c.get());
  BOOST_TEST(mod.modules().size() == 2u);
  BOOST_TEST(mod.modules()[0].get() == mod.a.get());
  BOOST_TEST(mod.b->modules().size() == 1u);
  BOOST_TEST(mod.b->c->modules().empty());
  // Updating through the tree changes what named_parameters sees.
  mod.parameter("b.c.p3").update(-1.0);
  BOOST_TEST(values_by_name(mod).at("b.c.p3") == -1.0);
}

// Quirk 1 fixed: an unknown name is an error that lists what exists, never a silent None.
BOOST_AUTO_TEST_CASE(test_missing_names_fail_loudly) {
  ModuleA1 mod;
  const std::string missing_param = message_of([&] { mod.parameter("p9"); });
  BOOST_TEST(contains(missing_param, "\"p9\""), missing_param);
  BOOST_TEST(contains(missing_param, "p1"), missing_param);
  BOOST_TEST(contains(missing_param, "a, b"), missing_param);
  BOOST_TEST(contains(missing_param, "ModuleA1"), missing_param);

  const std::string missing_child = message_of([&] { mod.module("mode"); });
  BOOST_TEST(contains(missing_child, "\"mode\""), missing_child);
  BOOST_TEST(contains(missing_child, "a, b"), missing_child);

  const std::string deep = message_of([&] { mod.parameter("b.c.p4"); });
  BOOST_TEST(contains(deep, "ModuleA4"), deep);
  BOOST_TEST(contains(deep, "p3"), deep);

  const std::string wrong_level = message_of([&] { mod.module("b.x"); });
  BOOST_TEST(contains(wrong_level, "ModuleA3"), wrong_level);
  BOOST_TEST(contains(wrong_level, "c"), wrong_level);
}

BOOST_AUTO_TEST_CASE(test_bad_registrations) {
  NumberModule m;
  m.add_parameter("w", 1.0);
  const std::string dup = message_of([&] { m.add_parameter("w", 2.0); });
  BOOST_TEST(contains(dup, "already has a parameter named \"w\""), dup);
  BOOST_TEST(m.parameter("w").value() == 1.0);  // the first registration is kept
  BOOST_CHECK_THROW(m.add_module("w", std::make_shared<NumberModule>()), mt::ArgumentError);
  BOOST_CHECK_THROW(m.add_parameter("a.b", 1.0), mt::ArgumentError);
  BOOST_CHECK_THROW(m.add_parameter("", 1.0), mt::ArgumentError);
  BOOST_CHECK_THROW(m.add_module("null", std::shared_ptr<NumberModule>()), mt::ArgumentError);
}

BOOST_AUTO_TEST_CASE(test_no_cycles) {
  auto root = std::make_shared<NumberModule>();
  auto child = root->add_module("child", std::make_shared<NumberModule>());
  const std::string cycle = message_of([&] { child->add_module("root", root); });
  BOOST_TEST(contains(cycle, "cycles"), cycle);
  BOOST_CHECK_THROW(root->add_module("self", root), mt::ArgumentError);
  BOOST_TEST(root->named_parameters().empty());
}

class Described : public NumberModule {
 public:
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override { return "in=2, out=3"; }
};

BOOST_AUTO_TEST_CASE(test_to_string_with_extra_repr) {
  NumberModule root;
  BOOST_TEST(root.to_string() == "BasicModule()");
  root.add_module("fc", std::make_shared<Described>());
  BOOST_TEST(root.to_string() == "BasicModule(\n  (fc): Linear(in=2, out=3)\n)");
}

BOOST_AUTO_TEST_SUITE_END()
