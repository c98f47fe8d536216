// test_train_cli.cpp — `minitorch train` and the checkpoint it resumes from:
// the option table of cli.hpp is what the argument parser enforces (every
// bound accepted, one past it refused), and `train --load` refuses a
// checkpoint whose fields fall outside the same table or name an unknown
// dataset, recipe, dtype or optimizer, up front, naming the file, the field,
// the value and what is allowed. Runs the real binary as a child; no data
// set is fetched (every refusal comes before that).
#define BOOST_TEST_MODULE test_train_cli
#include "cli.hpp"
#include "cli_testing.hpp"

#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/recipes.hpp>

#include <run_program.hpp>
#include <test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using mt::test::contains;
using Run = mt::test::ProgramRun;
using mt::test::run_minitorch;

mt::cli::ParsedCommandLine parse(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"minitorch", "train"};
  argv.insert(argv.end(), args.begin(), args.end());
  return mt::cli::parse_command_line(argv);
}

// A checkpoint of the 2-D MLP trained for one epoch by the real binary.
fs::path trained_checkpoint(const mt::test::TempDir& tmp) {
  const fs::path file = tmp / "xor.ckpt";
  const Run run =
      run_minitorch({"train", "--dataset", "xor", "--points", "20", "--hidden", "3", "--epochs",
                     "1", "--backend", "reference", "--save", file.string()});
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
  return file;
}

// `minitorch train --load file --epochs 5` must exit 1, saying `part`,
// without having looked for a backend (the load report comes after the
// checkpoint's options are read).
void expect_refused(const fs::path& file, const std::string& part) {
  const Run run =
      run_minitorch({"train", "--load", file.string(), "--epochs", "5", "--backend", "reference"});
  BOOST_TEST(run.status == 1, run.output);
  BOOST_TEST(contains(run.output, "minitorch: error: " + file.string()), run.output);
  BOOST_TEST(contains(run.output, part), run.output);
  BOOST_TEST(!contains(run.output, "Backends (search path"), run.output);
}

uint32_t crc_of(std::string_view bytes) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0),
                                     reinterpret_cast<const Bytef*>(bytes.data()),
                                     static_cast<uInt>(bytes.size())));
}

// Rewrites one top-level metadata field of a checkpoint file (for fields the
// writer cannot be asked to spoil, such as an unknown dtype), keeping the
// header's sizes and checksum right so only that field is wrong.
void rewrite_metadata(const fs::path& file, const char* key, const nlohmann::json& value) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t header = 32;  // magic 8, version 4, sizes 8 + 8, CRC 4
  BOOST_REQUIRE(bytes.size() >= header);
  uint64_t meta_size = 0;
  std::memcpy(&meta_size, bytes.data() + 12, 8);
  nlohmann::json meta = nlohmann::json::parse(bytes.substr(header, meta_size));
  meta[key] = value;
  const std::string new_meta = meta.dump();
  const std::string payload = bytes.substr(header + meta_size);
  std::string out = bytes.substr(0, 12);
  const uint64_t sizes[2] = {new_meta.size(), payload.size()};
  out.append(reinterpret_cast<const char*>(sizes), sizeof sizes);
  const uint32_t crc = crc_of(new_meta + payload);
  out.append(reinterpret_cast<const char*>(&crc), sizeof crc);
  out += new_meta + payload;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << out;
}

// A CNN-recipe checkpoint with the hyper-parameters core writes; it is never
// resumed (every case is refused before the data set would be needed).
mt::Checkpoint lenet_checkpoint() {
  mt::Checkpoint ck;
  ck.recipe = "lenet";
  ck.dataset = "mnist";
  ck.epoch = 1;
  ck.rng_state = mt::generator_state();
  ck.hyper = {{"batch", "16"},     {"optimizer", "adam"}, {"lr", "0.001"},     {"momentum", "0"},
              {"dropout", "0.25"}, {"seed", "42"},        {"train_size", "0"}, {"test_size", "0"}};
  return ck;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(option_table)

// The parser enforces the table: both bounds of every row pass, one past
// either is refused with the table's range in the message.
BOOST_AUTO_TEST_CASE(every_whole_range_is_what_the_parser_enforces) {
  for (const auto& r : mt::cli::kWholeRanges) {
    const std::string option(r.option);
    const std::string allowed =
        "(allowed: " + std::to_string(r.low) + " to " + std::to_string(r.high) + ")";
    BOOST_TEST_CONTEXT(option) {
      BOOST_TEST(parse({option, std::to_string(r.low)}).exit_code == -1);
      BOOST_TEST(parse({option, std::to_string(r.high)}).exit_code == -1);
      const std::string above =
          r.high == UINT64_MAX ? "18446744073709551616" : std::to_string(r.high + 1);
      const auto too_big = parse({option, above});
      BOOST_TEST(too_big.exit_code > 0);
      BOOST_TEST(contains(too_big.err, option + ": " + above + " is out of range " + allowed),
                 too_big.err);
      if (r.low > 0) {
        const auto too_small = parse({option, std::to_string(r.low - 1)});
        BOOST_TEST(contains(too_small.err, "is out of range " + allowed), too_small.err);
      }
      const auto fraction = parse({option, "1.5"});
      BOOST_TEST(contains(fraction.err, "\"1.5\" is not a whole number " + allowed), fraction.err);
    }
  }
  // Plain decimal: CLI11 alone would read 010 as octal 8 and 0x10 as 16.
  BOOST_TEST(parse({"--hidden", "010"}).train.values.at("hidden") == "10");
  BOOST_TEST(parse({"--hidden", "0x10"}).exit_code > 0);
  BOOST_TEST(parse({"--seed", "-1"}).exit_code > 0);
}

BOOST_AUTO_TEST_CASE(every_real_range_is_what_the_parser_enforces) {
  for (const auto& r : mt::cli::kRealRanges) {
    const std::string option(r.option);
    BOOST_TEST_CONTEXT(option) {
      BOOST_TEST(parse({option, mt::hyper_text(r.low)}).exit_code == -1);
      BOOST_TEST(parse({option, mt::hyper_text(r.high)}).exit_code == -1);
      const auto above = parse({option, mt::hyper_text(r.high * 1.001 + 1e-9)});
      BOOST_TEST(contains(above.err, "is out of range (allowed: " + mt::cli::range_text(r) + ")"),
                 above.err);
      for (const char* bad : {"nan", "inf", "0x1p-3", " 0.5", "abc", ""}) {
        const auto refused = parse({option, bad});
        BOOST_TEST(refused.exit_code > 0, bad);
        BOOST_TEST(contains(refused.err, "(allowed: " + mt::cli::range_text(r) + ")"), refused.err);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(load_checks)

BOOST_AUTO_TEST_CASE(a_checkpoint_of_a_real_run_resumes) {
  mt::test::TempDir tmp;
  const fs::path file = trained_checkpoint(tmp);
  // A key the 2-D recipe never writes is not read (it would count as
  // --dropout given, which the 2-D MLP refuses).
  mt::Checkpoint ck = mt::read_checkpoint(file);
  ck.hyper["dropout"] = "2";
  mt::write_checkpoint(file, ck);
  const Run run =
      run_minitorch({"train", "--load", file.string(), "--epochs", "2", "--backend", "reference"});
  BOOST_TEST(run.status == 0, run.output);
  BOOST_TEST(contains(run.output, "Resumed from " + file.string() + " after epoch 1"), run.output);
  BOOST_TEST(contains(run.output, "MLP 2 -> 3 -> 3 -> 1 on 'xor' (20 points)"), run.output);
}

BOOST_AUTO_TEST_CASE(numbers_outside_the_option_table_are_refused_up_front) {
  mt::test::TempDir tmp;
  const fs::path good = trained_checkpoint(tmp);
  const mt::Checkpoint base = mt::read_checkpoint(good);
  struct Case {
    const char* key;
    const char* value;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"hidden", "2000000000",
       "hidden = 2000000000 is out of range (allowed: 1 to 100000), as for "
       "--hidden"},
      {"hidden", "0", "hidden = 0 is out of range (allowed: 1 to 100000)"},
      {"hidden", "12abc", "hidden = \"12abc\" is not a whole number (allowed: 1 to 100000)"},
      {"hidden", " 12", "hidden = \" 12\" is not a whole number"},
      {"hidden", "", "hidden = \"\" is not a whole number"},
      {"hidden", "1e3", "hidden = \"1e3\" is not a whole number"},
      {"points", "1", "points = 1 is out of range (allowed: 2 to 10000000), as for --points"},
      {"batch", "-5", "batch = \"-5\" is not a whole number (allowed: 1 to 1000000)"},
      {"batch", "99999999999999999999999", "batch = 99999999999999999999999 is out of range"},
      {"seed", "-1", "seed = \"-1\" is not a whole number (allowed: 0 to 18446744073709551615)"},
      {"seed", "18446744073709551616", "seed = 18446744073709551616 is out of range"},
      {"lr", "nan", "lr = \"nan\" is not a number (allowed: 1e-09 to 1000), as for --rate"},
      {"lr", "1e400", "lr = 1e400 is out of range (allowed: 1e-09 to 1000)"},
      {"lr", "0", "lr = 0 is out of range"},
      {"lr", "fast", "lr = \"fast\" is not a number"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.key << " = \"" << c.value << "\"") {
      mt::Checkpoint ck = base;
      ck.hyper[c.key] = c.value;
      const fs::path file = tmp / "bad.ckpt";
      mt::write_checkpoint(file, ck);
      expect_refused(file, " (checkpoint): hyper-parameter " + c.says);
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_datasets_recipes_dtypes_and_optimizers_are_refused) {
  mt::test::TempDir tmp;
  const fs::path good = trained_checkpoint(tmp);
  const fs::path file = tmp / "bad.ckpt";
  {
    mt::Checkpoint ck = mt::read_checkpoint(good);
    ck.dataset = "cifar";
    mt::write_checkpoint(file, ck);
    expect_refused(file,
                   "(checkpoint): dataset \"cifar\" is not one `train` knows (allowed: simple, "
                   "diag, split, xor, circle, spiral, mnist, fashion-mnist, imdb)");
  }
  {
    mt::Checkpoint ck = mt::read_checkpoint(good);
    ck.recipe = "lenet";
    mt::write_checkpoint(file, ck);
    expect_refused(file,
                   "(checkpoint) holds model LeNet (dataset xor, recipe lenet; 6 parameters: "
                   "layer1.weights (2, 3)");
  }
  {
    // A 2-D checkpoint that claims to be MNIST is refused before any download.
    mt::Checkpoint ck = mt::read_checkpoint(good);
    ck.dataset = "mnist";
    mt::write_checkpoint(file, ck);
    expect_refused(file,
                   "(checkpoint) holds model MLP 2-3-3-1 (dataset mnist, recipe mlp2d; 6 "
                   "parameters: layer1.weights (2, 3), layer1.bias (3), layer2.weights (3, 3)");
    expect_refused(file,
                   "but dataset mnist needs model LeNet (recipe lenet; 8 parameters: "
                   "conv1.weights (4, 1, 3, 3)");
  }
  {
    mt::write_checkpoint(file, mt::read_checkpoint(good));
    rewrite_metadata(file, "dtype", "f16");
    expect_refused(file, ": malformed metadata: unknown dtype 'f16'; allowed: f32, f64");
  }
  {
    // The user's --dtype must agree with the checkpoint's, also up front.
    mt::write_checkpoint(file, mt::read_checkpoint(good));
    const Run run = run_minitorch({"train", "--load", file.string(), "--epochs", "5", "--dtype",
                                   "f64", "--backend", "reference"});
    BOOST_TEST(run.status == 1, run.output);
    BOOST_TEST(contains(run.output, file.string() + " (checkpoint) was trained in f32, not f64"),
               run.output);
  }
}

BOOST_AUTO_TEST_CASE(a_cnn_checkpoint_is_checked_before_any_data_is_needed) {
  mt::test::TempDir tmp;
  struct Case {
    const char* key;
    const char* value;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"batch", "0", "batch = 0 is out of range (allowed: 1 to 1000000), as for --batch"},
      {"lr", "-1", "lr = -1 is out of range (allowed: 1e-09 to 1000), as for --rate"},
      {"momentum", "1", "momentum = 1 is out of range (allowed: 0 to 0.999999)"},
      {"dropout", "0.5x", "dropout = \"0.5x\" is not a number (allowed: 0 to 0.999999)"},
      {"train_size", "-1", "train_size = \"-1\" is not a whole number (allowed: 0 to 100000000)"},
      {"test_size", "100000001", "test_size = 100000001 is out of range"},
      {"max_length", "100001", "max_length = 100001 is out of range (allowed: 1 to 100000)"},
      {"optimizer", "rmsprop",
       "optimizer = \"rmsprop\" is not an optimizer `train` knows (allowed: sgd, adam)"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.key << " = \"" << c.value << "\"") {
      mt::Checkpoint ck = lenet_checkpoint();
      if (std::string(c.key) == "max_length") {  // a Kim CNN row: LeNet never reads it
        ck.recipe = "kim-cnn";
        ck.dataset = "imdb";
      }
      ck.hyper[c.key] = c.value;
      const fs::path file = tmp / "lenet.ckpt";
      mt::write_checkpoint(file, ck);
      const Run run =
          run_minitorch({"train", "--load", file.string(), "--epochs", "5", "--data-dir",
                         (tmp / "no-data").string(), "--backend", "reference"});
      BOOST_TEST(run.status == 1, run.output);
      BOOST_TEST(contains(run.output, file.string() + " (checkpoint): hyper-parameter " + c.says),
                 run.output);
      BOOST_TEST(!fs::exists(tmp / "no-data"));  // nothing was fetched
    }
  }
}

// A LeNet checkpoint given to a 2-D dataset names both models and their
// parameters (it once blamed --optimizer), before any backend or data.
BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_model_names_both_models) {
  mt::test::TempDir tmp;
  mt::Checkpoint ck = lenet_checkpoint();
  const mt::LeNet lenet(mt::TensorOptions{.backend = mt::test::reference()});
  ck.parameters = mt::save_parameters(lenet);
  const fs::path file = tmp / "lenet.ckpt";
  mt::write_checkpoint(file, ck);
  const Run run = run_minitorch({"train", "--load", file.string(), "--dataset", "xor", "--epochs",
                                 "5", "--backend", "reference"});
  BOOST_TEST(run.status == 1, run.output);
  BOOST_TEST(
      contains(run.output, "minitorch: error: " + file.string() +
                               " (checkpoint) holds model LeNet (dataset mnist, recipe lenet; 8 "
                               "parameters: conv1.weights (4, 1, 3, 3), conv1.bias (4, 1, 1),"),
      run.output);
  BOOST_TEST(contains(run.output,
                      "linear2.bias (10)) but --dataset xor needs model MLP 2-10-10-1 (recipe "
                      "mlp2d; 6 parameters: layer1.weights (2, 10), layer1.bias (10), "
                      "layer2.weights (10, 10)"),
             run.output);
  BOOST_TEST(contains(run.output, "to use this checkpoint give --dataset mnist"), run.output);
  BOOST_TEST(!contains(run.output, "optimizer"), run.output);
  BOOST_TEST(!contains(run.output, "Backends (search path"), run.output);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(checkpoint_history)

// A resumed run's history comes from the file too: a count that is not a
// whole number in range is refused by name, never cast (1e300 to int is
// undefined behaviour).
BOOST_AUTO_TEST_CASE(history_counts_that_are_not_whole_numbers_are_refused) {
  mt::test::TempDir tmp;
  const fs::path good = trained_checkpoint(tmp);
  const mt::Checkpoint base = mt::read_checkpoint(good);
  BOOST_REQUIRE(!base.history.empty());
  for (const char* key : {"epoch", "test_correct", "test_total"}) {
    for (const double value : {1e300, -1.0, 2.5}) {
      BOOST_TEST_CONTEXT(key << " = " << value) {
        mt::Checkpoint ck = base;
        ck.history.front()[key] = value;
        const fs::path file = tmp / "bad-history.ckpt";
        mt::write_checkpoint(file, ck);
        const Run run = run_minitorch(
            {"train", "--load", file.string(), "--epochs", "2", "--backend", "reference"});
        BOOST_TEST(run.status == 1, run.output);
        BOOST_TEST(
            contains(run.output, file.string() + " (checkpoint): history field '" + key + "' = "),
            run.output);
        BOOST_TEST(contains(run.output, std::string(key) == "epoch"
                                            ? "is not a whole number in [0, 2147483647]"
                                            : "is not a whole number in [0, 9007199254740992]"),
                   run.output);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(version_prints_the_project_version_and_exits_0) {
  const Run run = run_minitorch({"--version"});
  BOOST_TEST(run.status == 0);
  BOOST_TEST(run.output == "minitorch " MT_TEST_PROJECT_VERSION "\n");
  // No subcommand is needed for --version, but one is for anything else.
  BOOST_TEST(run_minitorch({}).status != 0);
}
