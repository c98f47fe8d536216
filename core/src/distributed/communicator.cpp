// communicator.cpp — stub while the engines are written.
// Not an engine.
#include <minitorch/distributed/communicator.hpp>

namespace mt::dist {
Request::~Request() = default;
Communicator::~Communicator() = default;
void Communicator::allreduce_sum(void* data, std::size_t count, DType dtype) {
  allreduce_sum_async(data, count, dtype)->wait();
}
void Communicator::check_same(const std::string&, const std::string&) {
  throw Error("not yet");
}
bool launched_by_mpi() {
  return false;
}
std::vector<std::string> available_engines() {
  return {"local"};
}
std::chrono::milliseconds effective_timeout(const CommOptions& o) {
  return o.timeout;
}
std::shared_ptr<Communicator> init(const CommOptions&) {
  throw Error("not yet");
}
void all_reduce_sum_(Tensor&, Communicator&) {
  throw Error("not yet");
}
void broadcast_(Tensor&, Communicator&, int) {
  throw Error("not yet");
}
}  // namespace mt::dist
