// ddp.cpp — DistributedDataParallel (stub while the engine is written).
// Not the communicator: that is communicator.cpp and one file per engine.
#include <minitorch/distributed/ddp.hpp>

namespace mt::dist {

struct DistributedDataParallel::State {};

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<Module>,
                                                 std::shared_ptr<Communicator>, DdpOptions) {
  throw Error("DistributedDataParallel: not yet implemented");
}
DistributedDataParallel::~DistributedDataParallel() = default;
Module& DistributedDataParallel::module() {
  throw Error("DistributedDataParallel: not yet implemented");
}
void DistributedDataParallel::backward(const Tensor&, int64_t, int64_t) {
  throw Error("DistributedDataParallel: not yet implemented");
}
const DdpStats& DistributedDataParallel::stats() const {
  throw Error("DistributedDataParallel: not yet implemented");
}
Communicator& DistributedDataParallel::comm() {
  throw Error("DistributedDataParallel: not yet implemented");
}
std::vector<std::vector<std::size_t>> DistributedDataParallel::bucket_layout() const {
  throw Error("DistributedDataParallel: not yet implemented");
}

}  // namespace mt::dist
