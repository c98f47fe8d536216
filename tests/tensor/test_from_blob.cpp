// test_from_blob.cpp — mt::from_blob (ABI 1.1's adopt_host) through the public API, on
// every backend that adopts host memory: tensors share the caller's memory both ways,
// strided layouts view it in place, the owner lives exactly as long as the storage,
// and each refusal names its reason. Not a test of the plugins' slot (the SDK kit has that).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "tensor_strategies.hpp"

using namespace mt;
using namespace mt::test;

namespace {

bool message_has(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

const BackendRequirement adopts_host = [](const Backend& b) -> std::string {
  return b.has_adopt_host() ? "" : "backend '" + b.name() + "' has no adopt_host slot";
};

// An owner that records when it is released.
std::shared_ptr<void> flag_owner(bool* released) {
  return std::shared_ptr<void>(released, [](void* flag) { *static_cast<bool*>(flag) = true; });
}

}  // namespace

MT_BACKEND_TEST(test_from_blob, shares_memory_both_ways, adopts_host) {
  std::vector<double> host{1, 2, 3, 4, 5, 6};
  Tensor t = from_blob(host.data(), {2, 3}, DType::f64, nullptr, backend);
  BOOST_TEST(t.storage()->adopted());
  BOOST_TEST(t.storage()->data() == static_cast<void*>(host.data()));
  BOOST_TEST((t.to_vector() == std::vector<double>{1, 2, 3, 4, 5, 6}));
  host[4] = 50;  // caller writes: the tensor sees it
  BOOST_TEST(t.get({1, 1}) == 50.0);
  t.set({0, 2}, -3.0);  // tensor writes: the caller sees it
  BOOST_TEST(host[2] == -3.0);
  // Ops read the adopted memory through the plugin's slots.
  const Tensor doubled = t * 2.0;
  BOOST_TEST((doubled.to_vector() == std::vector<double>{2, 4, -6, 8, 100, 12}));
  BOOST_TEST(!doubled.storage()->adopted());
  BOOST_TEST(t.sum().item() == 1 + 2 - 3 + 4 + 50 + 6);
}

MT_BACKEND_TEST(test_from_blob, strided_f32_view, adopts_host) {
  // The even elements of 12 floats, viewed column-major as (2, 3): element
  // (i, j) lives at 2*i + 4*j.
  std::vector<float> host(12);
  for (std::size_t i = 0; i < host.size(); ++i)
    host[i] = static_cast<float>(i);
  Tensor t = from_blob(host.data(), {2, 3}, {2, 4}, DType::f32, nullptr, backend);
  BOOST_TEST((t.dtype() == DType::f32));
  BOOST_TEST((t.to_vector() == std::vector<double>{0, 4, 8, 2, 6, 10}));
  BOOST_TEST(t.storage()->size() == 11);  // reaches element 2 + 8 = 10
  // An in-place update goes to exactly the viewed elements.
  t.add_(ones({2, 3}, {.dtype = DType::f32, .backend = backend}));
  for (std::size_t i = 0; i < host.size(); ++i) {
    const float bump = i % 2 == 0 ? 1.0f : 0.0f;
    BOOST_TEST(host[i] == static_cast<float>(i) + bump, "element " << i);
  }
}

MT_BACKEND_TEST(test_from_blob, owner_released_with_the_last_view, adopts_host) {
  std::vector<double> host{1, 2, 3, 4};
  bool released = false;
  {
    Tensor view;
    {
      Tensor t = from_blob(host.data(), {4}, DType::f64, flag_owner(&released), backend);
      view = t.view({2, 2});
    }
    BOOST_TEST(!released);  // the view still holds the storage
    BOOST_TEST(view.get({1, 0}) == 3.0);
  }
  BOOST_TEST(released);
  // The plugin forgot the handle but never freed the caller's memory.
  BOOST_TEST((host == std::vector<double>{1, 2, 3, 4}));
  // The same memory adopted twice: each handle is forgotten on its own.
  Tensor a = from_blob(host.data(), {4}, DType::f64, nullptr, backend);
  {
    Tensor b = from_blob(host.data(), {2}, DType::f64, nullptr, backend);
    BOOST_TEST(b.sum().item() == 3.0);
  }
  BOOST_TEST(a.sum().item() == 10.0);  // still a live buffer of its full size
}

MT_BACKEND_TEST(test_from_blob, empty_tensor_needs_no_memory, adopts_host) {
  Tensor t = from_blob(nullptr, {0, 3}, DType::f64, nullptr, backend);
  BOOST_TEST(t.numel() == 0);
  BOOST_TEST(t.storage()->data() == nullptr);
}

MT_BACKEND_TEST(test_from_blob, refusals_name_the_reason, adopts_host) {
  std::vector<double> host(8, 1.0);
  bool released = false;
  try {
    (void)from_blob(host.data(), {2, 2}, {-1, 1}, DType::f64, flag_owner(&released), backend);
    BOOST_FAIL("a negative stride was accepted");
  } catch (const ArgumentError& e) {
    BOOST_TEST(message_has(e, "stride -1 of dim 0 is negative"), e.what());
  }
  BOOST_TEST(released);  // a refused call drops the owner it was given
  try {
    auto* odd = reinterpret_cast<double*>(reinterpret_cast<char*>(host.data()) + 4);
    (void)from_blob(odd, {2}, DType::f64, nullptr, backend);
    BOOST_FAIL("memory misaligned for f64 was accepted");
  } catch (const ArgumentError& e) {
    BOOST_TEST(message_has(e, "not aligned to 8 bytes"), e.what());
  }
  try {
    (void)from_blob(nullptr, {2}, DType::f64, nullptr, backend);
    BOOST_FAIL("a null pointer was accepted");
  } catch (const ArgumentError& e) {
    BOOST_TEST(message_has(e, "data pointer is null"), e.what());
  }
  try {
    (void)from_blob(host.data(), {2}, static_cast<DType>(7), nullptr, backend);
    BOOST_FAIL("dtype 7 was accepted");
  } catch (const ArgumentError& e) {
    BOOST_TEST(message_has(e, "dtype 7 is not supported; only f32 and f64"), e.what());
  }
  BOOST_CHECK_THROW((void)from_blob(host.data(), {2, 2}, {1}, DType::f64, nullptr, backend),
                    ShapeError);
}

// The same plugin seen as one built before adopt_host was appended (its table ends
// at optim_step), or one that leaves the slot NULL: from_blob refuses by name, and
// Python's from_numpy copies instead.
MT_BACKEND_TEST(test_from_blob, plugin_without_the_slot_refuses, adopts_host) {
  for (const bool shorter_table : {true, false}) {
    auto table = std::make_shared<mt_backend>(backend->table());
    if (shorter_table)
      table->struct_size = static_cast<uint32_t>(MT_BACKEND_SIZE_THROUGH(optim_step));
    else
      table->adopt_host = nullptr;
    // The copy keeps `backend` (and so its library) alive while it is used.
    auto older = std::make_shared<Backend>(nullptr, table.get(), backend->path());
    BOOST_TEST(!older->has_adopt_host());
    std::vector<double> host(2, 1.0);
    try {
      (void)from_blob(host.data(), {2}, DType::f64, nullptr, older);
      BOOST_FAIL("a backend without adopt_host accepted host memory");
    } catch (const ArgumentError& e) {
      BOOST_TEST(message_has(e, "backend '" + backend->name() +
                                    "' cannot view host memory without a copy (its plugin "
                                    "has no adopt_host slot)"),
                 e.what());
    }
    // Ordinary tensors on it still work through its other slots.
    BOOST_TEST(zeros({2}, {.dtype = DType::f64, .backend = older}).sum().item() == 0.0);
  }
}
