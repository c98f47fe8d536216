// minitorch/nn/nn.hpp — one include for all of mt::nn: functional ops,
// layers, containers, norms, losses, initialisation and safetensors I/O. Declares nothing itself;
// the optimizers (SGD with momentum, Adam) are in minitorch/optim.hpp.
#pragma once

#include <minitorch/nn/containers.hpp>
#include <minitorch/nn/functional.hpp>
#include <minitorch/nn/init.hpp>
#include <minitorch/nn/layers.hpp>
#include <minitorch/nn/loss.hpp>
#include <minitorch/nn/norm.hpp>
#include <minitorch/nn/safetensors.hpp>
