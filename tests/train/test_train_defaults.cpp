// test_train_defaults.cpp — `minitorch train` as the one table of
// hyper-parameters makes it: every 2-D dataset reaches its target with no
// flags, --help shows each recipe's real defaults, --metrics writes the
// versioned schema with the whole configuration, options of another recipe
// and --save-every without --save are refused, and Ctrl-C saves a resumable
// checkpoint and exits 130. Runs the real binary; no data set is fetched.
#define BOOST_TEST_MODULE test_train_defaults
#include "cli.hpp"
#include "cli_testing.hpp"

#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/datasets/fetch.hpp>
#include <minitorch/datasets/idx.hpp>

#include <run_program.hpp>
#include <test_support.hpp>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace data = boost::unit_test::data;

namespace {

using mt::test::contains;
using Run = mt::test::ProgramRun;
using mt::test::run_minitorch;

// "(49/50)" of the "Final:" line; -1 when there is none.
int final_correct(const std::string& output) {
  std::smatch m;
  static const std::regex final_line(R"(Final: points accuracy [0-9.]+% \(([0-9]+)/50\))");
  return std::regex_search(output, m, final_line) ? std::stoi(m[1]) : -1;
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(
      std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(defaults)

// MiniTorch's 2-D targets: every one of the 50 points classified (measured:
// 50/50 on each with seed 42, on both backends). One point of slack for a
// backend's rounding. Spiral (1000 Adam epochs of a 50-wide MLP) runs on the
// parallel backend to stay quick; the others on the reference one.
BOOST_DATA_TEST_CASE(every_2d_dataset_reaches_its_target_with_no_flags,
                     data::make({"simple", "diag", "split", "xor", "circle", "spiral"}), dataset) {
  const std::string name(dataset);
  const Run run = run_minitorch(
      {"train", "--dataset", name, "--backend", name == "spiral" ? "parallel" : "reference"});
  BOOST_TEST_REQUIRE(run.status == 0, run.output);
  BOOST_TEST(final_correct(run.output) >= 49, run.output.substr(run.output.size() - 400));
}

// The table resolves a default by dataset, then recipe, and a rule naming
// the optimizer beats one that does not (values written out by hand).
BOOST_AUTO_TEST_CASE(table_defaults_resolve_dataset_then_recipe_then_optimizer) {
  namespace h = mt::hyper;
  const h::RecipeInfo& mlp = *h::recipe_of("xor");
  const h::RecipeInfo& lenet = *h::recipe_of("mnist");
  BOOST_TEST(mlp.name == "mlp2d");
  BOOST_TEST(lenet.name == "lenet");
  BOOST_TEST(h::recipe_of("imdb")->name == "kim-cnn");
  BOOST_TEST(h::recipe_of("cifar") == nullptr);
  BOOST_TEST(h::default_value(mlp, "xor", "sgd", "epochs") == "1000");    // dataset row
  BOOST_TEST(h::default_value(mlp, "circle", "sgd", "epochs") == "500");  // recipe row
  BOOST_TEST(h::default_value(mlp, "xor", "sgd", "lr") == "0.5");
  BOOST_TEST(h::default_value(mlp, "spiral", "adam", "lr") == "0.01");
  BOOST_TEST(h::default_value(mlp, "spiral", "sgd", "lr") == "0.5");  // Adam's rule only
  BOOST_TEST(h::default_value(mlp, "spiral", "", "optimizer") == "adam");
  BOOST_TEST(h::default_value(lenet, "mnist", "sgd", "momentum") == "0.9");
  BOOST_TEST(h::default_value(lenet, "mnist", "adam", "momentum") == "0");
  BOOST_TEST(h::default_value(lenet, "fashion-mnist", "sgd", "lr") == "0.01");
  BOOST_TEST(h::default_value(lenet, "mnist", "adam", "hidden").empty());  // not LeNet's
  // The parser's range lists are the table's rows, by kind.
  BOOST_TEST(mt::cli::whole_range("--save-every").high == 1000000u);
  BOOST_TEST(mt::cli::real_range("--rate").low == 1e-9);
}

// --help lists each recipe's defaults as the table resolves them: SGD's
// momentum 0.9 and lr 0.01 for the CNNs, Adam's 0.001, and the per-dataset
// rows (written out here as a user would read them).
BOOST_AUTO_TEST_CASE(help_shows_each_recipes_real_defaults) {
  const auto parsed = mt::cli::parse_command_line({"minitorch", "train", "--help"});
  BOOST_TEST(parsed.exit_code == 0);
  const std::string& help = parsed.out;
  for (const char* part :
       {"2-D MLP (simple, diag, split, xor, circle, spiral):",
        "--epochs 500",
        "--optimizer sgd",
        "--rate 0.5",
        "--hidden 10",
        "--points 50",
        "xor:  --epochs 1000",
        "spiral:  --optimizer adam  --hidden 50  --rate 0.01 (with adam)  --epochs 1000",
        "LeNet CNN (mnist, fashion-mnist):",
        "--epochs 5",
        "--batch 16",
        "--optimizer adam  --rate 0.001 (sgd: 0.01)",
        "--momentum 0 (sgd: 0.9)",
        "--dropout 0.25",
        "Kim CNN (imdb):",
        "--epochs 3",
        "--batch 32",
        "--dropout 0.5",
        "--test-size 10000",
        "--max-length 200"})
    BOOST_TEST(contains(help, part), part);
}

// Options the user gives win over the table; a run records what it used.
BOOST_AUTO_TEST_CASE(metrics_are_the_versioned_schema_with_the_whole_config) {
  mt::test::TempDir tmp;
  const fs::path file = tmp / "m.json";
  const Run run = run_minitorch({"train", "--dataset", "xor", "--epochs", "3", "--hidden", "4",
                                 "--backend", "reference", "--metrics", file.string()});
  BOOST_TEST_REQUIRE(run.status == 0, run.output);
  const nlohmann::json j = read_json(file);
  BOOST_TEST(j.at("schema") == "minitorch.metrics/1");
  BOOST_TEST(j.at("recipe") == "mlp2d");
  BOOST_TEST(j.at("dataset") == "xor");
  BOOST_TEST(j.at("backend") == "reference");
  BOOST_TEST(j.at("dtype") == "f32");
  BOOST_TEST(j.at("eval_set") == "train");
  BOOST_TEST(j.at("interrupted") == false);
  BOOST_TEST(j.at("resumed_epochs") == 0);
  const nlohmann::json& c = j.at("config");
  std::set<std::string> keys;
  for (const auto& [key, value] : c.items())
    keys.insert(key);
  const std::set<std::string> expected_keys{"epochs",   "batch",  "seed",   "optimizer", "lr",
                                            "momentum", "hidden", "points", "save_every"};
  BOOST_TEST(keys == expected_keys, boost::test_tools::per_element());
  BOOST_TEST(c.at("epochs") == 3);  // given
  BOOST_TEST(c.at("hidden") == 4);  // given
  BOOST_TEST(c.at("lr") == 0.5);    // the 2-D recipe's default
  BOOST_TEST(c.at("batch") == 10);  // the 2-D recipe's default
  BOOST_TEST(c.at("optimizer") == "sgd");
  BOOST_TEST(c.at("seed") == 42);
  const nlohmann::json& epochs = j.at("epochs");
  BOOST_TEST_REQUIRE(epochs.size() == 3u);
  for (int e = 0; e < 3; ++e) {
    const nlohmann::json& r = epochs.at(e);
    BOOST_TEST(r.at("epoch") == e + 1);
    BOOST_TEST(r.at("test_total") == 50);
    BOOST_TEST(r.at("test_correct").is_number_integer());
    for (const char* key : {"train_loss", "train_accuracy", "test_loss", "test_accuracy",
                            "train_seconds", "eval_seconds", "items_per_second"})
      BOOST_TEST(r.at(key).is_number_float(), key);
  }
}

// An MNIST folder of blank images with labels 0..9 in turn, as large as the
// fetcher's minimum sizes ask (so `train` fetches nothing); the runs below
// use --train-size / --test-size to stay quick.
fs::path blank_mnist(const mt::test::TempDir& tmp) {
  const fs::path root = tmp / "data", dir = mt::mnist_dir(root);
  fs::create_directories(dir);
  for (const auto& [prefix, n] :
       {std::pair<const char*, int64_t>{"train", 60000}, {"t10k", 10000}}) {
    const std::vector<uint8_t> pixels(static_cast<std::size_t>(n) * 28 * 28, 0);
    std::vector<uint8_t> labels(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < labels.size(); ++i)
      labels[i] = static_cast<uint8_t>(i % 10);
    mt::write_idx(dir / (std::string(prefix) + "-images-idx3-ubyte"), mt::IdxType::u8, {n, 28, 28},
                  pixels);
    mt::write_idx(dir / (std::string(prefix) + "-labels-idx1-ubyte"), mt::IdxType::u8, {n}, labels);
  }
  return root;
}

// The defaults that depend on the optimizer, as a LeNet run records them:
// --optimizer sgd means lr 0.01 and momentum 0.9 (what --help said was 0
// before), Adam lr 0.001 and momentum 0; --load takes them from the file.
BOOST_AUTO_TEST_CASE(lenet_defaults_follow_the_optimizer_and_resume_from_the_checkpoint) {
  mt::test::TempDir tmp;
  const fs::path root = blank_mnist(tmp);
  const fs::path metrics = tmp / "m.json", ckpt = tmp / "lenet.ckpt";
  const std::vector<std::string> small = {"--dataset",    "mnist",     "--data-dir",  root.string(),
                                          "--train-size", "64",        "--test-size", "32",
                                          "--backend",    "reference", "--epochs",    "1"};
  auto run_with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"train"};
    args.insert(args.end(), small.begin(), small.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return run_minitorch(args);
  };
  Run run =
      run_with({"--optimizer", "sgd", "--metrics", metrics.string(), "--save", ckpt.string()});
  BOOST_TEST_REQUIRE(run.status == 0, run.output);
  nlohmann::json c = read_json(metrics).at("config");
  BOOST_TEST(read_json(metrics).at("recipe") == "lenet");
  BOOST_TEST(c.at("optimizer") == "sgd");
  BOOST_TEST(c.at("lr") == 0.01);
  BOOST_TEST(c.at("momentum") == 0.9);
  BOOST_TEST(c.at("batch") == 16);
  BOOST_TEST(c.at("dropout") == 0.25);
  BOOST_TEST(c.at("train_size") == 64);

  run = run_with({"--metrics", metrics.string()});
  BOOST_TEST_REQUIRE(run.status == 0, run.output);
  c = read_json(metrics).at("config");
  BOOST_TEST(c.at("optimizer") == "adam");
  BOOST_TEST(c.at("lr") == 0.001);
  BOOST_TEST(c.at("momentum") == 0.0);

  // Resuming takes sgd, its lr and momentum, and the sizes from the checkpoint.
  run = run_minitorch({"train", "--load", ckpt.string(), "--data-dir", root.string(), "--epochs",
                       "2", "--backend", "reference", "--metrics", metrics.string()});
  BOOST_TEST_REQUIRE(run.status == 0, run.output);
  const nlohmann::json j = read_json(metrics);
  BOOST_TEST(j.at("resumed_epochs") == 1);
  BOOST_TEST(j.at("epochs").size() == 2u);
  BOOST_TEST(j.at("config").at("optimizer") == "sgd");
  BOOST_TEST(j.at("config").at("momentum") == 0.9);
  BOOST_TEST(j.at("config").at("test_size") == 32);
}

BOOST_AUTO_TEST_CASE(options_of_another_recipe_and_lone_save_every_are_refused) {
  Run run = run_minitorch({"train", "--dataset", "xor", "--dropout", "0.5"});
  BOOST_TEST(run.status == 1, run.output);
  BOOST_TEST(contains(run.output,
                      "--dropout applies to mnist, fashion-mnist, imdb; 'xor' trains "
                      "the 2-D MLP, which has no dropout"),
             run.output);
  mt::test::TempDir tmp;
  run = run_minitorch(
      {"train", "--dataset", "mnist", "--hidden", "5", "--data-dir", (tmp / "no-data").string()});
  BOOST_TEST(run.status == 1, run.output);
  BOOST_TEST(contains(run.output,
                      "--hidden applies to simple, diag, split, xor, circle, spiral; "
                      "'mnist' trains the LeNet CNN"),
             run.output);
  BOOST_TEST(!fs::exists(tmp / "no-data"));
  // Momentum with Adam (the CNNs' default optimizer) is refused up front too.
  run = run_minitorch({"train", "--dataset", "fashion-mnist", "--momentum", "0.5", "--data-dir",
                       (tmp / "no-data").string()});
  BOOST_TEST(run.status == 1, run.output);
  BOOST_TEST(contains(run.output,
                      "--momentum applies to sgd only; adam has its own betas (got "
                      "momentum 0.5 with --optimizer adam"),
             run.output);
  BOOST_TEST(!fs::exists(tmp / "no-data"));
  run = run_minitorch({"train", "--dataset", "xor", "--save-every", "2"});
  BOOST_TEST(run.status == 1, run.output);
  BOOST_TEST(contains(run.output, "--save-every 2 needs --save FILE"), run.output);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(interrupt)

namespace {

// `minitorch train ARGS` in the background, SIGINT once its first epoch line
// is out; the output ends with the log and starts with "exit STATUS".
Run interrupted_run(const mt::test::TempDir& tmp, const std::string& args) {
  const std::string log = (tmp / "log").string();
  const std::string script = "'" + std::string(MT_TEST_MINITORCH_EXE) + "' train " + args + " > '" +
                             log + "' 2>&1 & pid=$!\n" +
                             "for i in $(seq 1 200); do grep -q '^Epoch 1/' '" + log +
                             "' && break; sleep 0.05; done\n" +
                             "kill -INT $pid; wait $pid; echo \"exit $?\"; cat '" + log + "'\n";
  return mt::test::run_program({"/bin/sh", "-c", script}, 60);
}

}  // namespace

// A real SIGINT: the run stops at a batch boundary, saves, writes the
// metrics of the finished epochs, says how to resume and exits 130; the
// checkpoint resumes.
BOOST_AUTO_TEST_CASE(sigint_saves_a_resumable_checkpoint_and_exits_130) {
  mt::test::TempDir tmp;
  const fs::path ckpt = tmp / "run.ckpt", metrics = tmp / "m.json";
  const Run run =
      interrupted_run(tmp, "--dataset xor --epochs 1000000 --backend reference --save '" +
                               ckpt.string() + "' --metrics '" + metrics.string() + "'");
  BOOST_TEST_REQUIRE(run.status == 0, run.output);
  BOOST_TEST(contains(run.output, "exit 130"), run.output);
  BOOST_TEST(contains(run.output, "minitorch: interrupted "), run.output);
  BOOST_TEST(contains(run.output,
                      "resume with: minitorch train --load " + ckpt.string() + " --epochs 1000000"),
             run.output);
  const nlohmann::json j = read_json(metrics);
  BOOST_TEST(j.at("interrupted") == true);
  BOOST_TEST(j.at("epochs").size() >= 1u);
  const mt::Checkpoint ck = mt::read_checkpoint(ckpt);
  BOOST_TEST(ck.recipe == "mlp2d");
  BOOST_TEST(static_cast<std::size_t>(ck.epoch) == j.at("epochs").size());
  const Run resumed =
      run_minitorch({"train", "--load", ckpt.string(), "--epochs", std::to_string(ck.epoch + 2)});
  BOOST_TEST(resumed.status == 0, resumed.output);
  BOOST_TEST(contains(resumed.output, "Resumed from " + ckpt.string()), resumed.output);
}

BOOST_AUTO_TEST_CASE(sigint_without_save_exits_130_saying_nothing_was_saved) {
  mt::test::TempDir tmp;
  const Run run = interrupted_run(tmp, "--dataset xor --epochs 1000000 --backend reference");
  BOOST_TEST_REQUIRE(run.status == 0, run.output);
  BOOST_TEST(contains(run.output, "exit 130"), run.output);
  BOOST_TEST(contains(run.output, "; nothing saved (no --save given)"), run.output);
}

BOOST_AUTO_TEST_SUITE_END()
