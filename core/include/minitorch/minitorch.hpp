// minitorch/minitorch.hpp — the whole runtime in one include: tensors and
// autograd, nn (modules with state_dict, layers, containers, norms, losses,
// initialisation, safetensors), the optimizers and LR schedulers, the data API
// (Dataset, DataLoader), data-parallel training (mt::dist: the communicator and
// DistributedDataParallel) and the plugin registry. The teaching layers
// (minitorch/teaching/) and the applications' library
// (minitorch/apps/, minitorch/datasets/) are included on their own.
#pragma once

#include <minitorch/data/dataloader.hpp>
#include <minitorch/data/dataset.hpp>
#include <minitorch/distributed/communicator.hpp>
#include <minitorch/distributed/ddp.hpp>
#include <minitorch/errors.hpp>
#include <minitorch/nn/module.hpp>
#include <minitorch/nn/nn.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/optim/scheduler.hpp>
#include <minitorch/plugin/backend.hpp>
#include <minitorch/tensor/autograd.hpp>
#include <minitorch/tensor/random.hpp>
#include <minitorch/tensor/tensor.hpp>
