// commands.hpp — the CLI's subcommands and their options. Each command parses
// nothing itself (main.cpp does) and does no math itself (core does).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace mt::cli {

struct BackendsOptions {
  bool json = false;
};

struct TrainOptions {
  std::string dataset = "simple";
  std::string backend = "auto";
  std::string dtype = "f32";
  int hidden = 10;
  double rate = 0.05;
  int epochs = 500;
  int points = 50;
  int batch = 10;
  uint64_t seed = 42;
  std::string metrics;  // JSON file, "" = none
  std::string plot;     // PNG file, "" = none
  std::string save;     // checkpoint to write, "" = none
  std::string load;     // checkpoint to resume from, "" = none
};

void print_load_report(std::ostream& out);
int run_backends(const BackendsOptions& options);
int run_train(const TrainOptions& options);

}  // namespace mt::cli
