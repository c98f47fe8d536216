// test_text.cpp — the IMDB side: tokenizer, both embedding source formats,
// the pruned cache (round trip, corrupt -> DataError then rebuild, stale key),
// reviews.json errors, encoding/splitting/embedding of a tiny corpus, and embed's batches on
// every backend.
#include <boost/test/unit_test.hpp>
#include <minitorch/datasets/imdb.hpp>
#include <minitorch/datasets/text.hpp>

#include "data_testing.hpp"

#include <set>

#if defined(__linux__)
#include <sys/resource.h>
#endif

using namespace mt;
using namespace mt::test;

namespace {

// A small wink-style JSON: each vector has `dim` values plus two extras
// (norm and index) that the reader must drop.
std::string wink_json(const std::vector<std::pair<std::string, std::vector<double>>>& words,
                      int dim) {
  std::string out = "{\"precision\":8,\"dimensions\":" + std::to_string(dim) +
                    ",\"words\":[\"ignored\"],\"vectors\":{";
  for (std::size_t i = 0; i < words.size(); ++i) {
    out += (i ? "," : "") + std::string("\"") + words[i].first + "\":[";
    for (double v : words[i].second)
      out += std::to_string(v) + ",";
    out += "9.5," + std::to_string(i) + "]";
  }
  return out + "},\"unkVector\":[0,0,0]}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(tokenizer_lowercases_strips_html_and_splits) {
  const std::vector<std::string> expected{"it's",  "great", "a",    "must", "see",
                                          "movie", "don't", "miss", "it"};
  const auto tokens = tokenize("It's GREAT!<br /><br />A must-see movie... 'Don't' miss it, 10/10");
  BOOST_TEST(tokens == expected, boost::test_tools::per_element());
  BOOST_TEST(tokenize("").empty());
  BOOST_TEST(tokenize("<i>''</i> 123").empty());
  // A lone '<' without '>' is just a separator.
  BOOST_TEST(tokenize("a<b") == (std::vector<std::string>{"a", "b"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(lookup_falls_back_to_the_word_without_apostrophes) {
  EmbeddingTable table;
  table.dim = 2;
  const float v[2] = {1, 2};
  table.add("dont", v);
  BOOST_TEST(table.lookup("don't") == 0);
  BOOST_TEST(table.lookup("dont") == 0);
  BOOST_TEST(table.lookup("do") == -1);
  BOOST_CHECK_THROW(table.add("dont", v), ArgumentError);
}

BOOST_AUTO_TEST_CASE(reads_wink_json_and_glove_text_keeping_wanted_words) {
  TempDir dir;
  write_bytes(dir / "w.json",
              wink_json({{"good", {0.5, -1, 2}}, {"bad", {-0.5, 1, -2}}, {"film", {0, 0, 1}}}, 3));
  const std::unordered_set<std::string> wanted{"good", "film", "absent"};
  const EmbeddingTable w = read_embedding_source(dir / "w.json", &wanted);
  BOOST_TEST(w.dim == 3);
  BOOST_TEST(w.size() == 2);
  const int32_t g = w.lookup("good");
  BOOST_REQUIRE(g >= 0);
  BOOST_TEST(w.vectors[g * 3 + 1] == -1.0f);
  BOOST_TEST(w.lookup("bad") == -1);

  write_bytes(dir / "g.txt", "good 0.5 -1 2\nbad -0.5 1 -2\nfilm 0 0 1\n");
  const EmbeddingTable t = read_embedding_source(dir / "g.txt", &wanted);
  BOOST_TEST(t.dim == 3);
  BOOST_TEST(t.size() == 2);
  BOOST_TEST(t.vectors[t.lookup("film") * 3 + 2] == 1.0f);

  write_bytes(dir / "ragged.txt", "good 1 2 3\nbad 1 2\n");
  const std::string m = data_error_of([&] { read_embedding_source(dir / "ragged.txt"); });
  BOOST_TEST(contains(m, "line 2 has 2 values, expected 3"));
  write_bytes(dir / "broken.json", "{\"dimensions\":3,\"vectors\":{\"a\":[1,2,");
  BOOST_TEST(
      contains(data_error_of([&] { read_embedding_source(dir / "broken.json"); }), "invalid JSON"));
}

BOOST_AUTO_TEST_CASE(cache_round_trip) {
  TempDir dir;
  EmbeddingTable table;
  table.dim = 4;
  const float a[4] = {1.5f, -2, 0, 3.25f}, b[4] = {0.125f, 9, -9, 1e-3f};
  table.add("alpha", a);
  table.add("beta", b);
  save_embedding_cache(dir / "c.bin", table, "key-1");
  std::string key;
  const EmbeddingTable back = load_embedding_cache(dir / "c.bin", &key);
  BOOST_TEST(key == "key-1");
  BOOST_TEST(back.dim == 4);
  BOOST_TEST(back.words == table.words, boost::test_tools::per_element());
  BOOST_TEST(back.vectors == table.vectors, boost::test_tools::per_element());
  BOOST_TEST(back.lookup("beta") == 1);
}

BOOST_AUTO_TEST_CASE(corrupt_or_truncated_cache_is_a_data_error_naming_the_file) {
  TempDir dir;
  EmbeddingTable table;
  table.dim = 2;
  const float a[2] = {1, 2};
  table.add("word", a);
  save_embedding_cache(dir / "c.bin", table, "k");
  const std::string good = read_bytes(dir / "c.bin");

  std::string flipped = good;
  flipped[good.size() - 6] = static_cast<char>(flipped[good.size() - 6] ^ 1);
  write_bytes(dir / "c.bin", flipped);
  std::string m = data_error_of([&] { load_embedding_cache(dir / "c.bin", nullptr); });
  BOOST_TEST(contains(m, (dir / "c.bin").string()));
  BOOST_TEST(contains(m, "checksum mismatch"));

  write_bytes(dir / "c.bin", good.substr(0, good.size() - 3));
  m = data_error_of([&] { load_embedding_cache(dir / "c.bin", nullptr); });
  BOOST_TEST(contains(m, (dir / "c.bin").string()));

  write_bytes(dir / "c.bin", "garbage that is long enough to have a header");
  BOOST_TEST(
      contains(data_error_of([&] { load_embedding_cache(dir / "c.bin", nullptr); }), "bad magic"));
}

BOOST_AUTO_TEST_CASE(load_or_build_rebuilds_corrupt_and_stale_caches) {
  TempDir dir;
  write_bytes(dir / "src.txt", "good 1 0\nbad 0 1\nother 5 5\n");
  const std::unordered_set<std::string> vocabulary{"good", "bad", "unseen"};
  std::vector<std::string> log;
  auto logger = [&](const std::string& m) { log.push_back(m); };

  EmbeddingTable t =
      load_or_build_embeddings(dir / "c.bin", dir / "src.txt", vocabulary, "v1", logger);
  BOOST_TEST(t.size() == 2);  // "other" pruned, "unseen" has no vector
  BOOST_TEST(fs::exists(dir / "c.bin"));

  // A second call reads the cache: the source is not needed any more.
  fs::rename(dir / "src.txt", dir / "src.moved");
  log.clear();
  t = load_or_build_embeddings(dir / "c.bin", dir / "src.txt", vocabulary, "v1", logger);
  BOOST_TEST(t.size() == 2);
  BOOST_TEST(log.empty());
  fs::rename(dir / "src.moved", dir / "src.txt");

  // Corrupt: the DataError (naming the cache) is logged, then it is rebuilt.
  std::string bytes = read_bytes(dir / "c.bin");
  bytes[20] = static_cast<char>(bytes[20] ^ 0x40);
  write_bytes(dir / "c.bin", bytes);
  log.clear();
  t = load_or_build_embeddings(dir / "c.bin", dir / "src.txt", vocabulary, "v1", logger);
  BOOST_TEST(t.size() == 2);
  BOOST_REQUIRE(!log.empty());
  BOOST_TEST(contains(log.front(), (dir / "c.bin").string()));
  BOOST_TEST(contains(log.front(), "rebuilding"));
  BOOST_TEST(load_embedding_cache(dir / "c.bin", nullptr).size() == 2);

  // Stale key: rebuilt too.
  log.clear();
  load_or_build_embeddings(dir / "c.bin", dir / "src.txt", vocabulary, "v2", logger);
  BOOST_REQUIRE(!log.empty());
  BOOST_TEST(contains(log.front(), "stale"));
  std::string key;
  load_embedding_cache(dir / "c.bin", &key);
  BOOST_TEST(key == "v2");
}

BOOST_AUTO_TEST_CASE(reviews_json_errors_name_the_entry) {
  TempDir dir;
  write_bytes(dir / "r.json", R"([{"t":"fine","s":1},{"t":"odd","s":3}])");
  std::string m = data_error_of([&] { read_imdb_reviews(dir / "r.json"); });
  BOOST_TEST(contains(m, "review 1 has sentiment 3"));
  write_bytes(dir / "r.json", R"({"t":"x"})");
  BOOST_TEST(
      contains(data_error_of([&] { read_imdb_reviews(dir / "r.json"); }), "expected a JSON array"));
  write_bytes(dir / "r.json", R"([{"t":"x","s":1},{"text":"y","s":0}])");
  BOOST_TEST(
      contains(data_error_of([&] { read_imdb_reviews(dir / "r.json"); }), "review 1 is not"));
  BOOST_TEST(
      contains(data_error_of([&] { read_imdb_reviews(dir / "missing.json"); }), "not found"));
}

BOOST_AUTO_TEST_CASE(encodes_pads_truncates_and_splits) {
  EmbeddingTable table;
  table.dim = 2;
  const float good[2] = {1, 0}, bad[2] = {0, 1};
  table.add("good", good);
  table.add("bad", bad);
  // Ids: 0 pad, 1 unknown, 2 + row.
  const auto row = encode_tokens({"good", "zzz", "bad"}, table, 5);
  BOOST_TEST(row == (std::vector<int32_t>{2, 1, 3, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(encode_tokens({"bad", "bad", "bad"}, table, 2) == (std::vector<int32_t>{3, 3}),
             boost::test_tools::per_element());

  std::vector<Review> reviews;
  for (int i = 0; i < 10; ++i)
    reviews.push_back({i % 2 ? "good good" : "bad <br /> zzz", i % 2});
  SentimentConfig config;
  config.max_length = 3;
  config.valid_size = 4;
  config.train_size = 0;  // the other 6
  const SentimentData data = make_sentiment_data(reviews, table, config);
  BOOST_TEST(data.valid.count == 4);
  BOOST_TEST(data.train.count == 6);
  BOOST_TEST(data.unknown_words == 1);  // "zzz"
  // Every review lands in exactly one split: labels add up to the corpus's 5 positives.
  int positives = 0;
  for (int l : data.train.labels)
    positives += l;
  for (int l : data.valid.labels)
    positives += l;
  BOOST_TEST(positives == 5);

  const TensorOptions options{.dtype = DType::f64, .backend = reference()};
  // Find a negative training review: its tokens are bad, unknown, pad.
  int64_t negative = -1;
  for (int64_t i = 0; i < data.train.count; ++i)
    if (data.train.labels[i] == 0)
      negative = i;
  BOOST_REQUIRE(negative >= 0);
  const std::vector<int64_t> idx{negative};
  const Tensor x = data.embed(data.train, idx, options);  // (1, dim, length)
  BOOST_TEST(x.shape() == (Shape{1, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(x.get({0, 0, 0}) == 0.0);  // "bad" = (0, 1) at t = 0
  BOOST_TEST(x.get({0, 1, 0}) == 1.0);
  BOOST_TEST(x.get({0, 0, 1}) == double(data.unknown_vector[0]),
             boost::test_tools::tolerance(1e-7));
  BOOST_TEST(x.get({0, 0, 2}) == 0.0);  // padding
  BOOST_TEST(x.get({0, 1, 2}) == 0.0);
  BOOST_TEST(data.labels(data.train, idx, options).item() == 0.0);

  config.valid_size = 10;
  BOOST_CHECK_THROW(make_sentiment_data(reviews, table, config), ArgumentError);
}

// embed on every backend that loads, in both dtypes: a batch that repeats a row and mixes
// padding, unknown and known tokens equals the (B, dim, length) tensor written out by hand
// from the table; a bad row or token id names it. (Host backends gather straight into the
// tensor's buffer, device backends through a staging buffer: both must agree with this.)
BOOST_AUTO_TEST_CASE(embed_builds_channels_first_batches_on_every_backend) {
  SentimentData data;
  data.table.dim = 2;
  const float good[] = {0.5f, -1.25f}, bad[] = {3.0f, 0.1f};
  data.table.add("good", good);  // id 2
  data.table.add("bad", bad);    // id 3
  data.unknown_vector = {7.0f, -7.5f};
  data.train.count = 3;
  data.train.max_length = 4;
  // Rows: [good, unk, pad, pad], [bad, bad, good, unk], [pad, pad, pad, pad].
  data.train.tokens = {2, 1, 0, 0, 3, 3, 2, 1, 0, 0, 0, 0};
  data.train.labels = {1, 0, 1};
  const std::vector<int64_t> rows{1, 0, 2, 1};
  // Expected[b][c][t], written out from the rows above.
  const std::vector<float> row0_c0{0.5f, 7.0f, 0, 0}, row0_c1{-1.25f, -7.5f, 0, 0};
  const std::vector<float> row1_c0{3.0f, 3.0f, 0.5f, 7.0f}, row1_c1{0.1f, 0.1f, -1.25f, -7.5f};
  const std::vector<float> zero(4, 0.0f);
  std::vector<float> want;
  for (const auto* part :
       {&row1_c0, &row1_c1, &row0_c0, &row0_c1, &zero, &zero, &row1_c0, &row1_c1})
    want.insert(want.end(), part->begin(), part->end());

  for (const char* name : {"reference", "parallel"}) {
    BackendPtr backend;
    try {
      backend = load_backend(name);
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("embed: backend " << name << " skipped: " << e.what());
      continue;
    }
    for (const DType dtype : {DType::f32, DType::f64}) {
      BOOST_TEST_CONTEXT("backend " << name << ", " << dtype_name(dtype)) {
        const TensorOptions options{.dtype = dtype, .backend = backend};
        const Tensor x = data.embed(data.train, rows, options);
        BOOST_TEST((x.shape() == Shape{4, 2, 4}));
        BOOST_TEST((x.dtype() == dtype));
        BOOST_TEST(!x.requires_grad());
        std::vector<double> expect(want.begin(), want.end());
        BOOST_TEST(x.to_vector() == expect, boost::test_tools::per_element());
        // A second batch reuses whatever the first left behind: padding must still be zero.
        const std::vector<int64_t> pads{2, 2};
        BOOST_TEST(
            data.embed(data.train, pads, options).to_vector() == std::vector<double>(16, 0.0),
            boost::test_tools::per_element());
        BOOST_TEST(
            data.labels(data.train, rows, options).to_vector() == (std::vector<double>{0, 1, 1, 0}),
            boost::test_tools::per_element());
        const std::vector<int64_t> outside{0, 3};
        BOOST_CHECK_THROW(data.embed(data.train, outside, options), IndexingError);
      }
    }
  }
  SentimentData broken = data;
  broken.train.tokens[5] = 9;  // no row 7 in a 2-word table
  const std::vector<int64_t> row1{1};
  BOOST_CHECK_THROW(broken.embed(broken.train, row1, {.backend = reference()}), ArgumentError);
}

// Sanitizers keep freed memory in quarantine, so every small allocation takes fresh pages there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MT_TEST_COUNTS_FAULTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define MT_TEST_COUNTS_FAULTS 0
#endif
#endif
#if !defined(MT_TEST_COUNTS_FAULTS) && defined(__linux__)
#define MT_TEST_COUNTS_FAULTS 1
#endif

#if MT_TEST_COUNTS_FAULTS
// The IMDB batch path in steady state: embedding a (32, 100, 200) batch again and again on the
// parallel backend takes no fresh pages (the batch is gathered into a buffer the backend's
// cache hands back; no multi-MB host temporaries). Minor faults of this thread only; the
// first batches warm the cache. Each fresh 2.5 MB buffer would cost about 625 faults.
BOOST_AUTO_TEST_CASE(embedding_batches_takes_no_fresh_pages_in_steady_state) {
  BackendPtr parallel;
  try {
    parallel = load_backend("parallel");
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("skipped: the parallel backend does not load: " << e.what());
    return;
  }
  SentimentData data;
  data.table.dim = 100;
  std::vector<float> vector(100);
  for (int w = 0; w < 50; ++w) {
    for (int c = 0; c < 100; ++c)
      vector[static_cast<std::size_t>(c)] = static_cast<float>(w * 100 + c);
    data.table.add("w" + std::to_string(w), vector.data());
  }
  data.unknown_vector.assign(100, 0.5f);
  data.train.count = 64;
  data.train.max_length = 200;
  for (int64_t i = 0; i < 64 * 200; ++i)
    data.train.tokens.push_back(static_cast<int32_t>(i % 52));  // pad, unknown, w0..w49
  data.train.labels.assign(64, 0);
  std::vector<int64_t> rows(32);
  const TensorOptions options{.dtype = DType::f32, .backend = parallel};
  const auto minor_faults = [] {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_minflt;
  };
  double checksum = 0;
  long before = 0;
  for (int batch = 0; batch < 24; ++batch) {
    if (batch == 4)
      before = minor_faults();
    for (std::size_t b = 0; b < rows.size(); ++b)
      rows[b] = static_cast<int64_t>((b * 7 + static_cast<std::size_t>(batch)) % 64);
    const Tensor x = data.embed(data.train, rows, options);
    checksum += x.get({0, 3, static_cast<int64_t>(batch)});
  }
  const long faults = minor_faults() - before;
  BOOST_TEST_MESSAGE("minor faults over 20 steady batches: " << faults);
  BOOST_TEST(faults < 100);
  BOOST_TEST(checksum > 0.0);  // the batches were read
}
#endif

BOOST_AUTO_TEST_SUITE_END()
