// minitorch/apps/checkpoint.hpp — training checkpoints: every parameter, the
// optimizer's state, the random generator and the run's metadata in one file,
// written atomically and validated on load. Not a general model format (no
// graph, no code): the recipe that loads it rebuilds the model itself.
#pragma once

#include <minitorch/nn/module.hpp>
#include <minitorch/optim/optim.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mt {

// One saved tensor: its values in row-major order, kept in its dtype.
struct SavedTensor {
  std::string name;
  Shape shape;
  DType dtype = DType::f32;
  std::vector<double> values;  // exactly representable in `dtype`
};

// Everything needed to continue a run where it stopped.
//
// On disk: "MTCKPT01", a little-endian header (format version, metadata size,
// payload size, CRC-32 of metadata + payload), the metadata as JSON (every
// field below except the tensor values, plus a tensor table with offsets and
// the payload's CRC-32), then the raw tensor bytes.
struct Checkpoint {
  std::string recipe;   // e.g. "mlp2d", "lenet", "kim-cnn"
  std::string dataset;  // e.g. "xor", "mnist"
  int64_t epoch = 0;    // epochs completed
  DType dtype = DType::f32;
  // Hyper-parameters as text, so they round-trip exactly ("0.05", "10").
  std::map<std::string, std::string> hyper;
  // mt::generator()'s state after `epoch` (see generator_state()).
  std::string rng_state;
  int64_t optimizer_steps = 0;  // the global step: one per global batch, whatever the ranks
  // Ranks of the run that wrote it (1 alone). hyper["batch"] is the GLOBAL batch (per-rank
  // batch x world_size), so a run resumes on any number of ranks that divides it.
  int64_t world_size = 1;
  // Per-epoch figures of the run so far (name -> value), oldest first.
  std::vector<std::map<std::string, double>> history;
  std::vector<SavedTensor> parameters;
  std::vector<SavedTensor> optimizer_state;
  // Empty at an epoch boundary. A run stopped inside epoch `epoch + 1`
  // (Ctrl-C) records there where it stopped, as text (see the training loop,
  // apps/lib/src/train/loop.cpp), so resuming continues that epoch exactly.
  std::map<std::string, std::string> resume;
};

// The whole number a history record holds under `key` (an epoch number or a
// count), 0 when the key is absent. Refuses, with a DataError naming `file`,
// the key and the value, anything that is not a whole number in [0, max]
// (NaN, inf, 1e300, -1, 2.5): the record came from a file.
int64_t history_integer(const std::map<std::string, double>& record, const char* key,
                        const std::filesystem::path& file, int64_t max = INT32_MAX);

// Writes `checkpoint` to `path` atomically (temporary file, then rename).
// Throws DataError naming the path if it cannot be written.
void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);

// Reads and verifies a checkpoint. A missing file, a wrong magic, an unknown
// format version, a truncated file ("expected N bytes, got M"), a checksum
// mismatch, malformed metadata or a tensor table that does not add up are all
// DataErrors naming the file and the problem.
// Every size in the header and the tensor table is checked against the bytes
// that remain before it is used, and every shape's element and byte count
// against overflow (a shape such as (2^62, 4) is refused, not wrapped).
Checkpoint read_checkpoint(const std::filesystem::path& path);
// The same for a whole checkpoint file in memory; `source` names it in messages.
Checkpoint parse_checkpoint(std::string_view bytes, const std::string& source);

// ---- capture / restore ------------------------------------------------------

// Copies tensors' current values.
SavedTensor save_tensor(const std::string& name, const Tensor& t);
std::vector<SavedTensor> save_parameters(const Module& model);
std::vector<SavedTensor> save_optimizer_state(const Optimizer& optimizer);

// Copies saved values into the model's parameters (in place, so optimizers
// holding them see the change). The names, shapes and dtype must match the
// model exactly; otherwise a DataError naming `file`, the parameter and both
// shapes/dtypes, and no parameter is changed.
void restore_parameters(const Module& model, const std::vector<SavedTensor>& saved,
                        const std::filesystem::path& file);
// The same for an optimizer's state buffers and step count.
void restore_optimizer_state(Optimizer& optimizer, const Checkpoint& checkpoint,
                             const std::filesystem::path& file);

// mt::generator()'s full state as text, and back. A malformed state is a
// DataError naming `file`.
std::string generator_state();
void set_generator_state(const std::string& state, const std::filesystem::path& file);

// A number as hyper-parameter text that parses back to the same double.
std::string hyper_text(double value);

// DataError unless checkpoint.recipe/dataset equal the expected ones and every
// (key, value) of `hyper` matches the checkpoint's value. The message names
// the file, the field, the saved and the requested value.
void check_checkpoint_matches(const Checkpoint& checkpoint, const std::filesystem::path& file,
                              const std::string& recipe, const std::string& dataset, DType dtype,
                              const std::map<std::string, std::string>& hyper);

// ---- which model a checkpoint holds ------------------------------------------

// The model a recipe builds, for messages: "MLP 2-10-10-1" (from the "hidden"
// hyper-parameter), "LeNet", "Kim CNN"; the recipe's own name otherwise.
std::string recipe_model_name(const std::string& recipe,
                              const std::map<std::string, std::string>& hyper);

// "conv1.weights (4, 1, 3, 3), conv1.bias (4), ..." (names and shapes only).
std::string parameter_summary(const std::vector<SavedTensor>& tensors);

// The parameters (names and shapes, no values) of the model `recipe` builds
// for `dataset` with `hyper` ("hidden" for mlp2d), built on the reference
// backend. Empty when it cannot be built here (no backend, unknown recipe):
// it only feeds messages.
std::vector<SavedTensor> recipe_parameter_layout(const std::string& recipe,
                                                 const std::string& dataset,
                                                 const std::map<std::string, std::string>& hyper);

// DataError when `checkpoint` holds the model of another recipe than the one
// `asked_by` (e.g. "--dataset xor") needs: "F (checkpoint) holds model LeNet
// (dataset mnist, recipe lenet; 8 parameters: conv1.weights (4, 1, 3, 3), ...)
// but --dataset xor needs model MLP 2-10-10-1 (recipe mlp2d; 6 parameters:
// layer1.weights (2, 10), ...)", then what to do. The needed model's
// parameters come from recipe_parameter_layout (only when they differ).
void check_checkpoint_model(const Checkpoint& checkpoint, const std::filesystem::path& file,
                            const std::string& recipe, const std::string& dataset,
                            const std::string& asked_by,
                            const std::map<std::string, std::string>& needed_hyper);

}  // namespace mt
