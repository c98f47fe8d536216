// local_communicator.cpp — the "local" engine: one process, rank 0 of 1. Every collective is
// the identity (a sum over one rank is that rank's values), so DDP code runs unchanged without
// MPI. Not a multi-process or multi-thread emulation.
#include "distributed/engines.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mt::dist::detail {

namespace {

class DoneRequest final : public Request {
 public:
  bool test() override { return true; }
  void wait() override {}
};

class LocalCommunicator final : public Communicator {
 public:
  explicit LocalCommunicator(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string engine() const override { return "local"; }
  std::chrono::milliseconds timeout() const override { return timeout_; }

  std::unique_ptr<Request> allreduce_sum_async(void* data, std::size_t count,
                                               DType dtype) override {
    if (dtype != DType::f32 && dtype != DType::f64) {
      throw ArgumentError(std::string("allreduce_sum: dtype ") + dtype_name(dtype) +
                          " is not supported; use f32 or f64");
    }
    if (data == nullptr && count > 0)
      throw ArgumentError("allreduce_sum: the buffer is null");
    return std::make_unique<DoneRequest>();
  }
  void broadcast(void*, std::size_t, int root) override { check_root(root); }
  void allgather(const void* data, std::size_t bytes, void* out) override {
    if (bytes > 0)
      std::memmove(out, data, bytes);
  }
  void barrier() override {}
  [[noreturn]] void abort(int exit_code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(exit_code);
  }

 private:
  void check_root(int root) const {
    if (root != 0) {
      throw ArgumentError("broadcast: root " + std::to_string(root) +
                          " is outside [0, 1) (the local engine has one rank)");
    }
  }
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::shared_ptr<Communicator> make_local_communicator(std::chrono::milliseconds timeout) {
  return std::make_shared<LocalCommunicator>(timeout);
}

}  // namespace mt::dist::detail
