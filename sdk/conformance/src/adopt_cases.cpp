// adopt_cases.cpp — the conformance cases of the adopt_host slot (ABI 1.1, optional;
// cases "memory.adopt_host.*"): adopt caller-owned host memory, run map and zip over views
// of it (read, written in place, strided), read the results straight from that memory, and
// check that free only forgets the handle. Values are small half-integers, so neg, add and
// mul are exact and no reference backend is needed. Not a test of core's from_blob.
#include "adopt_cases.hpp"

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace mt::conformance::detail {

namespace {

using Status = CaseResult::Status;

constexpr const char* kLayouts[] = {"map_zip", "strided", "twice", "reject"};
constexpr int64_t kGuard = 4;   // untouched elements on each side of the adopted range
constexpr int64_t kCount = 24;  // elements adopted
constexpr double kGuardValue = 7777.0;

double value_at(int64_t i) {
  return static_cast<double>(i % 7) - 3.0 + 0.5;
}

// Thrown by the checks below; becomes a failed result naming what differed.
struct Mismatch : std::exception {
  explicit Mismatch(std::string text) : message(std::move(text)) {}
  const char* what() const noexcept override { return message.c_str(); }
  std::string message;
};

// The caller's memory: kGuard + kCount + kGuard elements of T; the middle is adopted.
template <class T>
struct Host {
  std::vector<T> all = std::vector<T>(static_cast<std::size_t>(kCount + 2 * kGuard));
  Host() {
    for (int64_t i = 0; i < static_cast<int64_t>(all.size()); ++i)
      all[static_cast<std::size_t>(i)] =
          static_cast<T>(i < kGuard || i >= kGuard + kCount ? kGuardValue : value_at(i - kGuard));
  }
  T* data() { return all.data() + kGuard; }
  double at(int64_t i) const {
    return static_cast<double>(all[static_cast<std::size_t>(i + kGuard)]);
  }
  std::size_t bytes() const { return static_cast<std::size_t>(kCount) * sizeof(T); }
  void expect(int64_t i, double want, const char* when) const {
    if (at(i) != want)
      throw Mismatch(std::string(when) + ": host element " + std::to_string(i) + " is " +
                     std::to_string(at(i)) + ", expected " + std::to_string(want));
  }
  void expect_guards(const char* when) const {
    for (int64_t i = 0; i < kGuard; ++i) {
      if (all[static_cast<std::size_t>(i)] != static_cast<T>(kGuardValue) ||
          all[all.size() - 1 - static_cast<std::size_t>(i)] != static_cast<T>(kGuardValue))
        throw Mismatch(std::string(when) + ": memory outside the adopted range was written");
    }
  }
};

// One adopted handle, freed through the slot when the case is done with it.
struct Adopted {
  const mt_backend& table;
  void* handle = nullptr;
  Adopted(const Backend& backend, void* data, std::size_t bytes) : table(backend.table()) {
    const mt_status status = table.adopt_host(table.context, data, bytes, &handle);
    if (status != MT_OK)
      throw Mismatch("adopt_host of " + std::to_string(bytes) + " bytes failed with status " +
                     std::to_string(status) + ": " + table.last_error(table.context));
    if (handle != data)
      throw Mismatch("adopt_host returned a handle that is not the memory it was given");
  }
  void free() {
    const mt_status status = table.free(table.context, handle);
    handle = nullptr;
    if (status != MT_OK)
      throw Mismatch("free of an adopted handle failed with status " + std::to_string(status) +
                     ": " + table.last_error(table.context));
  }
  ~Adopted() {
    if (handle != nullptr)
      table.free(table.context, handle);
  }
  Adopted(const Adopted&) = delete;
  Adopted& operator=(const Adopted&) = delete;
};

// A buffer the candidate allocates, filled from host values.
template <class T>
struct Owned {
  Backend& backend;
  void* buffer = nullptr;
  Owned(Backend& b, const std::vector<double>& values) : backend(b) {
    std::vector<T> host(values.begin(), values.end());
    buffer = backend.allocate(host.size() * sizeof(T));
    backend.copy_from_host(buffer, 0, host.data(), host.size() * sizeof(T));
  }
  std::vector<double> read(std::size_t count) {
    std::vector<T> host(count);
    backend.copy_to_host(host.data(), buffer, 0, count * sizeof(T));
    return {host.begin(), host.end()};
  }
  ~Owned() { backend.release(buffer); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
};

// map neg from the adopted memory, then zip add in place into it.
template <class T>
void map_zip(Backend& backend, DType dtype) {
  Host<T> host;
  Adopted adopted(backend, host.data(), host.bytes());
  const mt_view a = make_view(adopted.handle, dtype, {4, 6}, {6, 1});
  Owned<T> out(backend, std::vector<double>(kCount, 0.0));
  backend.map(MT_MAP_NEG, make_view(out.buffer, dtype, {4, 6}, {6, 1}), a);
  const std::vector<double> negated = out.read(kCount);
  for (int64_t i = 0; i < kCount; ++i)
    if (negated[static_cast<std::size_t>(i)] != -value_at(i))
      throw Mismatch("map neg over adopted memory: element " + std::to_string(i) + " is " +
                     std::to_string(negated[static_cast<std::size_t>(i)]) + ", expected " +
                     std::to_string(-value_at(i)));
  std::vector<double> ones(kCount, 1.0);
  Owned<T> b(backend, ones);
  backend.zip(MT_ZIP_ADD, a, a, make_view(b.buffer, dtype, {4, 6}, {6, 1}));
  for (int64_t i = 0; i < kCount; ++i)  // read straight from the caller's memory: no copy
    host.expect(i, value_at(i) + 1.0, "after zip add in place");
  adopted.free();
  for (int64_t i = 0; i < kCount; ++i)
    host.expect(i, value_at(i) + 1.0, "after free");
  host.expect_guards("after free");
}

// A permuted, offset, gapped view of the adopted memory, read and written in place.
template <class T>
void strided(Backend& backend, DType dtype) {
  Host<T> host;
  Adopted adopted(backend, host.data(), host.bytes());
  // (3, 4) with element (i, j) at 1 + i + 6*j: reaches 1 + 2 + 18 = 21 < 24.
  const mt_view a = make_view(adopted.handle, dtype, {3, 4}, {1, 6}, 1);
  Owned<T> out(backend, std::vector<double>(12, 0.0));
  backend.map(MT_MAP_COPY, make_view(out.buffer, dtype, {3, 4}, {4, 1}), a);
  const std::vector<double> copied = out.read(12);
  std::vector<bool> viewed(kCount, false);
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 4; ++j) {
      const int64_t at = 1 + i + 6 * j;
      viewed[static_cast<std::size_t>(at)] = true;
      if (copied[static_cast<std::size_t>(i * 4 + j)] != value_at(at))
        throw Mismatch("map copy from a strided adopted view: element (" + std::to_string(i) +
                       ", " + std::to_string(j) + ") is wrong");
    }
  }
  // a *= [2, 2, 2, 2] broadcast over dim 0 (stride 0), in place.
  Owned<T> twos(backend, std::vector<double>(4, 2.0));
  backend.zip(MT_ZIP_MUL, a, a, make_view(twos.buffer, dtype, {3, 4}, {0, 1}));
  adopted.free();
  for (int64_t k = 0; k < kCount; ++k)
    host.expect(k, viewed[static_cast<std::size_t>(k)] ? 2.0 * value_at(k) : value_at(k),
                "after zip mul in place on a strided view");
  host.expect_guards("after zip mul");
}

// The same memory adopted twice: each handle is freed on its own.
template <class T>
void twice(Backend& backend, DType dtype) {
  Host<T> host;
  Adopted first(backend, host.data(), host.bytes());
  Adopted second(backend, host.data(), host.bytes() / 2);
  first.free();
  Owned<T> out(backend, std::vector<double>(kCount / 2, 0.0));
  backend.map(MT_MAP_NEG, make_view(out.buffer, dtype, {kCount / 2}, {1}),
              make_view(second.handle, dtype, {kCount / 2}, {1}));
  const std::vector<double> got = out.read(kCount / 2);
  for (int64_t i = 0; i < kCount / 2; ++i)
    if (got[static_cast<std::size_t>(i)] != -value_at(i))
      throw Mismatch(
          "a second handle of the same memory stopped working after the first "
          "was freed (element " +
          std::to_string(i) + ")");
  second.free();
  for (int64_t i = 0; i < kCount; ++i)
    host.expect(i, value_at(i), "after freeing both handles");
  host.expect_guards("after freeing both handles");
}

// The calls the header says are MT_ERR_INVALID_ARG.
template <class T>
void reject(Backend& backend, DType) {
  Host<T> host;
  const mt_backend& table = backend.table();
  void* out = nullptr;
  struct Call {
    const char* what;
    void* data;
    std::size_t bytes;
    void** out;
  };
  const Call calls[] = {{"NULL data", nullptr, 16, &out},
                        {"0 bytes", host.data(), 0, &out},
                        {"a NULL result pointer", host.data(), 16, nullptr}};
  for (const Call& c : calls) {
    const mt_status status = table.adopt_host(table.context, c.data, c.bytes, c.out);
    if (status != MT_ERR_INVALID_ARG) {
      if (status == MT_OK && out != nullptr)
        table.free(table.context, out);
      throw Mismatch(std::string("adopt_host with ") + c.what + " returned status " +
                     std::to_string(status) + ", expected MT_ERR_INVALID_ARG (2)");
    }
  }
  host.expect_guards("after refused calls");
}

template <class T>
void run_layout(const std::string& layout, Backend& backend, DType dtype) {
  if (layout == "map_zip")
    map_zip<T>(backend, dtype);
  else if (layout == "strided")
    strided<T>(backend, dtype);
  else if (layout == "twice")
    twice<T>(backend, dtype);
  else
    reject<T>(backend, dtype);
}

}  // namespace

std::vector<CaseInfo> adopt_cases() {
  std::vector<CaseInfo> out;
  for (const char* layout : kLayouts) {
    CaseInfo info;
    info.kind = CaseKind::op;
    info.family = kMemoryFamily;
    info.op = memory_adopt;
    info.layout = layout;
    info.row = "memory.adopt_host";
    info.id = info.row + "." + layout;
    if (info.layout != "reject")
      info.needs = {{MT_FAMILY_MAP, MT_MAP_NEG},
                    {MT_FAMILY_MAP, MT_MAP_COPY},
                    {MT_FAMILY_ZIP, MT_ZIP_ADD},
                    {MT_FAMILY_ZIP, MT_ZIP_MUL}};
    out.push_back(std::move(info));
  }
  return out;
}

CaseResult run_adopt_case(const CaseInfo& info, const BackendPtr& candidate, DType dtype) {
  const mt_backend& table = candidate->table();
  if (table.struct_size < MT_BACKEND_SIZE_THROUGH(adopt_host) || table.adopt_host == nullptr)
    return {Status::skipped,
            "backend '" + candidate->name() + "' has no adopt_host slot (optional, ABI 1.1)", 0.0};
  if (!candidate->host_accessible())
    return {Status::failed,
            "backend '" + candidate->name() +
                "' has an adopt_host slot but is not a host backend (the slot is for "
                "MT_DEVICE_CPU plugins only)",
            0.0};
  try {
    if (dtype == DType::f32)
      run_layout<float>(info.layout, *candidate, dtype);
    else
      run_layout<double>(info.layout, *candidate, dtype);
  } catch (const std::exception& e) {
    return {Status::failed, e.what(), 0.0};
  }
  return {Status::passed, "", 0.0};
}

}  // namespace mt::conformance::detail
