// minitorch/nn/safetensors.hpp — Hugging Face's safetensors format (PyTorch, JAX… read it):
// named F32/F64 tensors and a module's state_dict, out and in. Not our checkpoint (no optimizer
// state for an exact resume) and not memory-mapped: files are read whole and checked first.
#pragma once

// Layout: 8-byte little-endian header length N, N bytes of JSON
//   {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
//    "__metadata__": {"key": "value", …}}
// padded with spaces, then the raw little-endian row-major data; offsets count from the
// first data byte.

#include <minitorch/nn/module.hpp>
#include <minitorch/tensor/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mt::nn {

// Free-form string pairs stored under "__metadata__".
using SafetensorsMetadata = std::map<std::string, std::string>;

struct SafetensorsFile {
  StateDict tensors;  // in the order of their data in the file
  SafetensorsMetadata metadata;
};

// The bytes of a safetensors file holding `tensors` (in their order; each written
// contiguous) and `metadata`. ArgumentError for the reserved name "__metadata__" or a name
// or metadata text that is not valid UTF-8 (JSON needs it).
std::string to_safetensors_bytes(const StateDict& tensors,
                                 const SafetensorsMetadata& metadata = {});

// One tensor's entry in a checked header: where its bytes lie, counted from the first data
// byte (the file offset is data_start + begin).
struct SafetensorsEntry {
  std::string name;
  std::string file_dtype;        // as written: "F32", "I64", "BF16", …
  std::size_t element_size = 0;  // bytes per element in the file
  DType dtype = DType::f32;      // what it loads as (see from_safetensors_bytes)
  Shape shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

// What a file holds, without its data: the entries in data order and the metadata.
struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;
  SafetensorsMetadata metadata;
  std::uint64_t data_start = 0;  // 8 + the header length
};

// Checks the header as from_safetensors_bytes does (all but the per-value checks) and
// describes the tensors without making any (no backend needed): for listing a file, and
// what the fuzz target drives.
SafetensorsHeader read_safetensors_header(std::string_view bytes, std::string_view source);

// Parses the bytes of a safetensors file into tensors on `backend` (null: default_backend()).
// F32 and F64 load as they are; other files' dtypes are converted exactly: F16 and BF16 to
// f32; I8…I64, U8…U64 and BOOL to f64 (torch's integer buffers such as num_batches_tracked).
// Hostile input is safe: DataError, naming `source` and what is wrong, unless the header
// length fits the bytes, the header is a JSON object without duplicate keys, every entry has
// exactly dtype (one of those), shape (integers >= 0) and data_offsets (begin <= end), shape
// size × element size equals end − begin (overflow-checked), and the entries' spans tile the
// data exactly (no gap, overlap or trailing bytes); metadata values must be strings; a 64-bit
// integer beyond ±2^53 (not exact in f64) or a BOOL byte other than 0/1 is refused too.
SafetensorsFile from_safetensors_bytes(std::string_view bytes, std::string_view source,
                                       const BackendPtr& backend = nullptr);

// Writes to_safetensors_bytes(...) to `path` atomically (a temporary file renamed over it).
// A symlink is written through to its target; a path that is (or resolves to) a folder,
// device, FIFO or socket is refused with a DataError, as is any write failure.
void save_safetensors(const std::filesystem::path& path, const StateDict& tensors,
                      const SafetensorsMetadata& metadata = {});

// Reads a whole safetensors file (from_safetensors_bytes's checks). DataError naming the path
// for a missing or unreadable file or one that is not a regular file.
SafetensorsFile load_safetensors(const std::filesystem::path& path,
                                 const BackendPtr& backend = nullptr);

// save_safetensors(path, module.state_dict(), metadata): what torch's
// safetensors.torch.save_file(model.state_dict(), path) writes.
void save(const Module& module, const std::filesystem::path& path,
          const SafetensorsMetadata& metadata = {});
// module.load_state_dict(tensors of the file, strict): names and shapes checked, converted to
// the module's dtypes and backend, nothing changed on error (which names the path).
LoadStateDictResult load(Module& module, const std::filesystem::path& path, bool strict = true);

}  // namespace mt::nn
