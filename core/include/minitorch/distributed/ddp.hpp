// minitorch/distributed/ddp.hpp — DistributedDataParallel: wraps a Module so that backward()
// leaves every rank with the same gradient, the example-weighted sum over ranks, reduced in
// buckets that start during backward (as torch's DDP). Not an optimizer and not a sampler
// (DataLoaderOptions::shard gives each rank its slice).
#pragma once

#include <minitorch/distributed/communicator.hpp>
#include <minitorch/nn/module.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mt::dist {

struct DdpOptions {
  std::size_t bucket_bytes = 1 << 20;  // gradients packed in buckets of about this size, in
                                       // reverse registration order (the order backward
                                       // finishes them); a bucket holds one dtype
  bool overlap = true;                 // start each bucket's allreduce as soon as all its
                                       // gradients are final during backward
  bool broadcast_parameters = true;    // rank 0's parameters and buffers copied to all at start
};

struct DdpStats {
  int64_t steps = 0;              // backward() calls
  int64_t bytes_reduced = 0;      // host bytes allreduced, all steps
  double comm_seconds = 0;        // wall time spent waiting for allreduces after backward
  double overlapped_seconds = 0;  // wall time from a bucket's start to the end of backward:
                                  // allreduce time hidden behind backward's compute
  int64_t buckets = 0;            // buckets per step
};

class DistributedDataParallel {
 public:
  // Checks at construction that every rank has the same parameter names, shapes and dtypes
  // (check_same; the error names the rank and the parameter) and broadcasts rank 0's values.
  DistributedDataParallel(std::shared_ptr<Module> module, std::shared_ptr<Communicator> comm,
                          DdpOptions options = {});
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  Module& module();
  // Runs loss.backward() with the overlapped bucketed allreduce; on return every parameter's
  // grad is the weighted sum over ranks: sum_r weight_r * grad_r, weight_r = local_examples_r /
  // global_examples (so a mean loss over the local shard gives the mean over the global batch).
  // A parameter that got no gradient on a rank counts as zero there. `loss` may be undefined on
  // a rank with no examples (local_examples 0): it still takes part. ArgumentError for
  // local_examples < 0, global_examples < 1 or local_examples > global_examples.
  void backward(const Tensor& loss, int64_t local_examples, int64_t global_examples);
  const DdpStats& stats() const;
  Communicator& comm();
  // The buckets: parameter indices (into module().parameters()) of each, in reduction order.
  std::vector<std::vector<std::size_t>> bucket_layout() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mt::dist
