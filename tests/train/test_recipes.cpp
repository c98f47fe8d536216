// test_recipes.cpp — the CNN recipes on small generated data sets, through
// the same code path as MNIST and IMDB: LeNet learns on which side of a 28x28
// image a bright square sits, Kim's CNN learns which word marks a review, and
// a resumed run (Adam + dropout) equals an uninterrupted one.
#include <boost/test/unit_test.hpp>
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/hyperparams.hpp>
#include <minitorch/apps/interrupt.hpp>
#include <minitorch/apps/metrics.hpp>
#include <minitorch/apps/recipes.hpp>

#include "train/recipe_data.hpp"
#include "train_testing.hpp"

#include <random>

using namespace mt;
using namespace mt::test;

namespace {

// n side x side images (side divisible by 4) with a bright square of side/4
// at a random place: in the left half for class 0, the right half for class
// 1; background noise in [0, 0.3).
ImageSet square_images(int64_t n, int side, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(0.0f, 0.3f);
  const int square = side / 4;
  std::uniform_int_distribution<int> top_of(0, side - square), offset(0, side / 2 - square);
  ImageSet set;
  set.count = n;
  set.rows = set.cols = side;
  set.num_classes = 2;
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 2);
    const int top = top_of(rng), left = (label == 0 ? 0 : side / 2) + offset(rng);
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) {
        const bool inside = r >= top && r < top + square && c >= left && c < left + square;
        set.pixels.push_back(inside ? 1.0f : noise(rng));
      }
    set.labels.push_back(label);
  }
  return set;
}

// MNIST's shape (28x28, so the 392-wide flatten), 64 training images.
ImageDataset square_dataset() {
  return {square_images(64, 28, 1), square_images(32, 28, 2)};
}

// Small 16x16 images, for tests about bookkeeping rather than learning
// (quick under sanitizers too).
ImageDataset small_square_dataset() {
  return {square_images(32, 16, 3), square_images(16, 16, 4)};
}

RecipeConfig image_config(int epochs) {
  RecipeConfig c;
  c.dataset = "squares";
  c.epochs = epochs;
  c.batch = 16;
  c.optimizer = "adam";
  c.lr = 0.01;
  c.dropout = 0.25;
  c.eval_batch = 32;
  c.backend = reference();
  return c;
}

// Reviews of `length` tokens: filler words plus, for positives, "good" and
// for negatives "bad" at a random place. Word vectors are random.
SentimentData word_reviews(uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  EmbeddingTable table;
  table.dim = 6;
  const std::vector<std::string> words{"good", "bad", "the", "film", "was", "a", "plot"};
  for (const std::string& w : words) {
    std::vector<float> v(6);
    for (float& x : v)
      x = gauss(rng);
    table.add(w, v.data());
  }
  std::vector<Review> reviews;
  std::uniform_int_distribution<int> filler(2, 6), pos(0, 7);
  for (int i = 0; i < 96; ++i) {
    std::vector<std::string> tokens;
    for (int t = 0; t < 8; ++t)
      tokens.push_back(words[filler(rng)]);
    tokens[pos(rng)] = i % 2 ? "good" : "bad";
    std::string text;
    for (const auto& t : tokens)
      text += t + " ";
    reviews.push_back({text, i % 2});
  }
  SentimentConfig config;
  config.max_length = 10;
  config.valid_size = 32;
  config.train_size = 0;
  return make_sentiment_data(reviews, std::move(table), config);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(recipes)

// Measured: 100% on the test images from epoch 3 (of 5) with these seeds.
BOOST_AUTO_TEST_CASE(lenet_learns_where_the_square_is) {
  const RecipeResult r = train_image_recipe(square_dataset(), image_config(5));
  for (const EpochReport& e : r.history)
    BOOST_TEST_MESSAGE("epoch " << e.epoch << " train loss " << e.train_loss << " acc "
                                << e.train_accuracy << " test acc " << e.test_accuracy);
  BOOST_TEST(r.history.size() == 5u);
  BOOST_TEST(r.history.back().test_total == 32);
  BOOST_TEST(r.history.back().test_accuracy >= 0.9);
  BOOST_TEST(r.history.back().train_loss < r.history.front().train_loss);
}

BOOST_AUTO_TEST_CASE(kim_cnn_learns_the_marker_word) {
  RecipeConfig c;
  c.dataset = "words";
  c.epochs = 8;
  c.batch = 8;
  c.optimizer = "adam";
  c.lr = 0.01;
  c.dropout = 0.25;
  c.filters = 8;
  c.kernel_widths = {2, 3};
  c.backend = reference();
  const RecipeResult r = train_sentiment_recipe(word_reviews(3), c);
  BOOST_TEST(r.history.back().test_total == 32);
  BOOST_TEST(r.history.back().test_accuracy >= 0.9);
}

BOOST_AUTO_TEST_CASE(resumed_recipe_equals_uninterrupted_run) {
  TempDir dir;
  const ImageDataset data = small_square_dataset();
  const RecipeResult straight = train_image_recipe(data, image_config(2));

  RecipeConfig first = image_config(1);
  first.save_to = dir / "e1.ckpt";
  train_image_recipe(data, first);
  RecipeConfig second = image_config(2);
  second.resume_from = dir / "e1.ckpt";
  const RecipeResult resumed = train_image_recipe(data, second);

  BOOST_TEST(resumed.resumed_epochs == 1);
  BOOST_REQUIRE(resumed.history.size() == 2u);
  BOOST_TEST(resumed.history[1].train_loss == straight.history[1].train_loss);
  BOOST_TEST(resumed.history[1].test_loss == straight.history[1].test_loss);
  const auto a = parameter_values(*straight.model), b = parameter_values(*resumed.model);
  BOOST_REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(a[i] == b[i], boost::test_tools::per_element());

  // A different optimizer does not fit the checkpoint.
  RecipeConfig sgd = image_config(2);
  sgd.optimizer = "sgd";
  sgd.resume_from = dir / "e1.ckpt";
  BOOST_CHECK_EXCEPTION(train_image_recipe(data, sgd), DataError, [](const DataError& e) {
    return std::string(e.what()).find("optimizer = adam, this run asks for sgd") !=
           std::string::npos;
  });
}

// Adam and dropout draw from the generator inside an epoch: a mid-epoch
// stop and resume must give the uninterrupted run's numbers all the same.
BOOST_AUTO_TEST_CASE(interrupted_recipe_resumes_mid_epoch_exactly) {
  struct Reset {
    ~Reset() { clear_interrupt(); }
  } reset;
  TempDir dir;
  const ImageDataset data = small_square_dataset();  // 32 images: 2 batches of 16
  const RecipeResult straight = train_image_recipe(data, image_config(3));

  RecipeConfig first = image_config(3);
  first.save_to = dir / "stop.ckpt";
  RecipeCallbacks stop;
  stop.on_batch = [](const BatchUpdate& u) {
    if (u.epoch == 2 && u.done == 16)
      request_interrupt();
  };
  const RecipeResult stopped = train_image_recipe(data, first, stop);
  clear_interrupt();
  BOOST_TEST(stopped.interrupted);
  BOOST_TEST(stopped.interrupted_batches == 1);
  BOOST_TEST(read_checkpoint(first.save_to).resume.at("batches") == "1");

  RecipeConfig second = image_config(3);
  second.resume_from = first.save_to;
  const RecipeResult resumed = train_image_recipe(data, second);
  BOOST_REQUIRE(resumed.history.size() == 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    BOOST_TEST(resumed.history[e].train_loss == straight.history[e].train_loss);
    BOOST_TEST(resumed.history[e].train_accuracy == straight.history[e].train_accuracy);
    BOOST_TEST(resumed.history[e].test_loss == straight.history[e].test_loss);
  }
  const auto a = parameter_values(*straight.model), b = parameter_values(*resumed.model);
  BOOST_REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(a[i] == b[i], boost::test_tools::per_element());
}

// The metrics document of a LeNet run: the same schema as the 2-D MLP's
// (test_train_defaults.cpp), with LeNet's rows of the table as its config.
BOOST_AUTO_TEST_CASE(metrics_of_a_cnn_run_use_the_one_schema) {
  RecipeConfig c = image_config(1);
  c.train_size = 32;
  const RecipeResult r = train_image_recipe(small_square_dataset(), c);
  const std::string text = metrics_json(c, r);
  for (const char* part :
       {"\"schema\": \"minitorch.metrics/1\"", "\"recipe\": \"lenet\"", "\"dataset\": \"squares\"",
        "\"backend\": \"reference\"", "\"dtype\": \"f32\"", "\"eval_set\": \"test\"",
        "\"optimizer\": \"adam\"", "\"lr\": 0.01", "\"dropout\": 0.25", "\"train_size\": 32",
        "\"test_size\": 0", "\"epochs\": 1", "\"test_total\": 16", "\"interrupted\": false"})
    BOOST_TEST(text.find(part) != std::string::npos, part);
  for (const char* absent : {"\"hidden\"", "\"points\"", "\"max_length\""})
    BOOST_TEST(text.find(absent) == std::string::npos, absent);
  const auto hyper = hyper_values(c, "lenet");
  BOOST_TEST(hyper.count("epochs") == 0u);  // a run value, not part of the model
  BOOST_TEST(hyper.at("lr") == "0.01");
  BOOST_TEST(config_values(c, "lenet").at("epochs") == "1");
}

// Every row of the table has its RecipeConfig field: a value set by key is
// the value read back by key, for every recipe that uses the row.
BOOST_AUTO_TEST_CASE(every_table_row_round_trips_through_the_config) {
  for (const hyper::Param& p : hyper::kParams) {
    const std::string key(p.key);
    const std::string text = p.kind == hyper::Kind::whole  ? std::to_string(p.whole_high)
                             : p.kind == hyper::Kind::real ? hyper_text(p.real_high)
                                                           : std::string("adam");
    BOOST_TEST_CONTEXT(key << " = " << text) {
      RecipeConfig c;
      set_config_value(c, key, text);
      for (const hyper::RecipeInfo& r : hyper::kRecipes)
        if (hyper::uses(p, r)) {
          BOOST_TEST(config_values(c, std::string(r.name)).at(key) == text);
          BOOST_TEST(hyper_values(c, std::string(r.name)).count(key) ==
                     (p.role == hyper::Role::hyper ? 1u : 0u));
        }
    }
  }
  RecipeConfig c;
  BOOST_CHECK_THROW(set_config_value(c, "rate", "0.1"), ArgumentError);  // the key is "lr"
}

// The recipes' data as core Datasets give the batches the sets' own
// gatherers give (images, one-hot labels, embedded reviews, 2-D points).
BOOST_AUTO_TEST_CASE(recipe_datasets_batch_as_the_sets_do) {
  const ImageSet images = square_images(8, 16, 5);
  const detail::ImageSetDataset image_set(images);
  const std::vector<int64_t> idx{3, 0, 7, 3};
  const TensorOptions ref{.backend = reference()};
  BOOST_TEST(image_set.size() == 8);
  const Example batch = image_set.get_batch(idx, reference());
  BOOST_TEST(batch.data.shape() == (Shape{4, 1, 16, 16}), boost::test_tools::per_element());
  BOOST_TEST(batch.data.to_vector() == images.images(idx, ref).to_vector(),
             boost::test_tools::per_element());
  BOOST_TEST(batch.target.to_vector() == images.one_hot(idx, ref).to_vector(),
             boost::test_tools::per_element());
  BOOST_TEST((image_set.gather_host(idx, DType::f64).data.dtype == DType::f64));
  BOOST_TEST(image_set.get(7).data.shape() == (Shape{1, 16, 16}), boost::test_tools::per_element());
  const std::vector<int64_t> outside{8};
  BOOST_CHECK_THROW(image_set.gather_host(outside), IndexingError);

  const SentimentData text = word_reviews(3);
  const detail::TextSetDataset reviews(text, text.valid);
  BOOST_TEST(reviews.size() == text.valid.count);
  const std::vector<int64_t> rows{2, 1};
  const Example embedded = reviews.get_batch(rows, reference());
  BOOST_TEST(embedded.data.to_vector() == text.embed(text.valid, rows, ref).to_vector(),
             boost::test_tools::per_element());
  BOOST_TEST(embedded.target.to_vector() == text.labels(text.valid, rows, ref).to_vector(),
             boost::test_tools::per_element());

  const Graph points = make_dataset("xor", 6, 42);
  const auto point_set = detail::points_dataset(points);
  BOOST_TEST(point_set->size() == 6);
  const std::vector<int64_t> some{4, 1};
  const Example two = point_set->get_batch(some, reference(), DType::f64);
  const std::vector<double> expected_x{points.X[4][0], points.X[4][1], points.X[1][0],
                                       points.X[1][1]};
  BOOST_TEST(two.data.to_vector() == expected_x, boost::test_tools::per_element());
  const std::vector<double> expected_y{double(points.y[4]), double(points.y[1])};
  BOOST_TEST(two.target.to_vector() == expected_y, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_configs_are_argument_errors) {
  RecipeConfig c = image_config(1);
  c.optimizer = "rmsprop";
  BOOST_CHECK_THROW(train_image_recipe(small_square_dataset(), c), ArgumentError);
  c = image_config(1);
  c.dropout = 1.5;
  BOOST_CHECK_THROW(train_image_recipe(small_square_dataset(), c), ArgumentError);
  BOOST_CHECK_THROW(LeNet(TensorOptions{.backend = reference()}, 0.25, 30, 28), ArgumentError);
}

BOOST_AUTO_TEST_SUITE_END()
