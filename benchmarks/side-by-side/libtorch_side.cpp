// libtorch_side.cpp — the side-by-side workloads written for libtorch (Debian's 1.13), the
// C++ twin of torch_side.py: same models, data, batch sizes, rates and timing rules, one
// `RESULT {json}` line per figure. A timing program built by run.sh, not part of the main
// CMake build and not a test (its --check compares each kernel shape with naive loops once).
//
//   libtorch_side WORKLOAD[,WORKLOAD...] --threads N [--quick | --calibrate] [--check]
//                 [--data-root DIR] [--imdb DIR]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace F = torch::nn::functional;

struct Args {
  std::vector<std::string> workloads;
  int threads = 1;
  bool quick = false;      // smoke-run sizes
  bool calibrate = false;  // the smallest sizes, to pick a thread count
  bool check = false;
  std::string data_root, imdb;
};

int g_threads = 1;

void emit(const std::string& workload, double value, const std::string& unit,
          const std::string& extra = "") {
  std::printf(
      "RESULT {\"impl\": \"libtorch\", \"workload\": \"%s\", \"value\": %.9g, \"unit\": \"%s\", "
      "\"setting\": \"threads=%d\"%s}\n",
      workload.c_str(), value, unit.c_str(), g_threads, extra.c_str());
  std::fflush(stdout);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot open");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

uint32_t big_endian(const std::string& b, std::size_t at) {
  const auto u = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(b[i])); };
  return u(at) << 24 | u(at + 1) << 16 | u(at + 2) << 8 | u(at + 3);
}

// IDX images as (count, 1, rows, cols) floats in [0, 1] (byte / 255, as ours), or labels.
torch::Tensor read_idx(const std::string& path, bool images, int64_t limit) {
  const std::string b = read_file(path);
  if (b.size() < 8 || big_endian(b, 0) != (images ? 0x803u : 0x801u))
    throw std::runtime_error(path + ": not an IDX " + (images ? "image" : "label") + " file");
  const int64_t count = std::min<int64_t>(big_endian(b, 4), limit);
  if (!images) {
    auto t = torch::empty({count}, torch::kInt64);
    for (int64_t i = 0; i < count; ++i)
      t[i] = static_cast<int64_t>(static_cast<uint8_t>(b[8 + i]));
    return t;
  }
  const int64_t rows = big_endian(b, 8), cols = big_endian(b, 12);
  auto t = torch::empty({count, 1, rows, cols});
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < count * rows * cols; ++i)
    p[i] = static_cast<float>(static_cast<uint8_t>(b[16 + i])) / 255.0f;
  return t;
}

// ---- models (torch's default init = ours: U(±1/sqrt(fan_in))) ------------------------

struct LeNetImpl : torch::nn::Module {
  // MiniTorch's same-size conv does the multiply-adds of torch's padding=1.
  torch::nn::Conv2d conv1{torch::nn::Conv2dOptions(1, 4, 3).padding(1)};
  torch::nn::Conv2d conv2{torch::nn::Conv2dOptions(4, 8, 3).padding(1)};
  torch::nn::Linear linear1{392, 64}, linear2{64, 10};
  torch::nn::Dropout dropout{0.25};
  LeNetImpl() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("linear1", linear1);
    register_module("linear2", linear2);
    register_module("dropout", dropout);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(conv2(torch::relu(conv1(x))));
    x = F::avg_pool2d(x, F::AvgPool2dFuncOptions(4)).reshape({x.size(0), 392});
    x = dropout(torch::relu(linear1(x)));
    return torch::log_softmax(linear2(x), 1);
  }
};
TORCH_MODULE(LeNet);

struct KimCnnImpl : torch::nn::Module {
  std::vector<torch::nn::Conv1d> convs;
  torch::nn::Dropout dropout{0.5};
  torch::nn::Linear linear{300, 1};
  explicit KimCnnImpl(int64_t dim) {
    for (int64_t k : {3, 4, 5})
      convs.push_back(register_module(
          "conv" + std::to_string(k),
          torch::nn::Conv1d(torch::nn::Conv1dOptions(dim, 100, k).padding(torch::kSame))));
    register_module("dropout", dropout);
    register_module("linear", linear);
  }
  torch::Tensor forward(const torch::Tensor& x) {
    std::vector<torch::Tensor> pooled;
    for (auto& conv : convs)
      pooled.push_back(std::get<0>(torch::relu(conv(x)).max(2)));
    return linear(dropout(torch::cat(pooled, 1))).reshape({x.size(0)});
  }
};
TORCH_MODULE(KimCnn);

// ---- workloads -------------------------------------------------------------------

void run_mnist(const std::string& name, const Args& a) {
  const bool sgd = name == "mnist_sgd";
  const int64_t train_size = a.calibrate ? 480 : a.quick ? 2000 : 60000;
  const int64_t test_size = a.calibrate ? 256 : a.quick ? 1000 : 10000;
  const std::string dir = a.data_root + "/mnist/";
  const auto xs = read_idx(dir + "train-images-idx3-ubyte", true, train_size);
  const auto ys = read_idx(dir + "train-labels-idx1-ubyte", false, train_size);
  const auto xt = read_idx(dir + "t10k-images-idx3-ubyte", true, test_size);
  const auto yt = read_idx(dir + "t10k-labels-idx1-ubyte", false, test_size);
  torch::manual_seed(42);
  LeNet model;
  std::unique_ptr<torch::optim::Optimizer> opt;
  // The recipe's rates (hyperparams.hpp): sgd 0.01 with momentum 0.9, adam 0.001.
  if (sgd)
    opt = std::make_unique<torch::optim::SGD>(model->parameters(),
                                              torch::optim::SGDOptions(0.01).momentum(0.9));
  else
    opt =
        std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(0.001));
  const int64_t batch = 16;
  const auto order = torch::randperm(train_size, torch::kInt64);
  model->train();
  int64_t hits = 0;
  const auto start = Clock::now();
  for (int64_t b = 0; b < train_size; b += batch) {
    const auto idx = order.slice(0, b, std::min(train_size, b + batch));
    const auto x = xs.index_select(0, idx), y = ys.index_select(0, idx);
    opt->zero_grad();
    const auto out = model->forward(x);
    const auto loss = F::nll_loss(out, y);
    loss.backward();
    opt->step();
    loss.item<float>();
    hits += out.argmax(1).eq(y).sum().item<int64_t>();
  }
  const double seconds = seconds_since(start);
  model->eval();
  int64_t correct = 0;
  {
    torch::NoGradGuard no_grad;
    for (int64_t b = 0; b < test_size; b += 256) {
      const int64_t e = std::min(test_size, b + 256);
      correct +=
          model->forward(xt.slice(0, b, e)).argmax(1).eq(yt.slice(0, b, e)).sum().item<int64_t>();
    }
  }
  char extra[200];
  std::snprintf(extra, sizeof extra,
                ", \"items_per_second\": %.6g, \"train_accuracy\": %.6g, \"test_accuracy\": %.6g",
                static_cast<double>(train_size) / seconds,
                static_cast<double>(hits) / static_cast<double>(train_size),
                static_cast<double>(correct) / static_cast<double>(test_size));
  emit(name, 1e3 * seconds / static_cast<double>(train_size / batch), "ms/step", extra);
}

torch::Tensor from_raw(const std::string& path, std::vector<int64_t> shape, torch::Dtype dtype) {
  std::string bytes = read_file(path);
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  if (static_cast<int64_t>(bytes.size()) != n * 4)
    throw std::runtime_error(path + ": " + std::to_string(bytes.size()) + " bytes, expected " +
                             std::to_string(n * 4));
  auto t = torch::empty(shape, dtype);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

int64_t meta_field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\"");
  if (at == std::string::npos)
    throw std::runtime_error("meta.json lacks \"" + key + "\"");
  return std::stoll(json.substr(json.find(':', at) + 1));
}

void run_imdb(const Args& a) {
  const std::string meta = read_file(a.imdb + "/meta.json");
  const int64_t reviews = meta_field(meta, "reviews"), length = meta_field(meta, "length");
  const int64_t rows = meta_field(meta, "rows"), dim = meta_field(meta, "dim");
  const int64_t batches = a.calibrate ? 5 : a.quick ? 20 : 200, batch = 32;
  if (reviews < batches * batch)
    throw std::runtime_error("imdb_kim: " + a.imdb + " holds " + std::to_string(reviews) +
                             " reviews, fewer than " + std::to_string(batches * batch));
  const auto tokens =
      from_raw(a.imdb + "/tokens.i32", {reviews, length}, torch::kInt32).to(torch::kInt64);
  const auto labels = from_raw(a.imdb + "/labels.f32", {reviews}, torch::kFloat32);
  const auto table = from_raw(a.imdb + "/table.f32", {rows, dim}, torch::kFloat32);
  torch::manual_seed(42);
  KimCnn model(dim);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(0.001));
  const auto order = torch::randperm(batches * batch, torch::kInt64);
  model->train();
  const auto start = Clock::now();
  for (int64_t b = 0; b < batches; ++b) {
    const auto idx = order.slice(0, b * batch, (b + 1) * batch);
    // The frozen GloVe lookup, channels first (B, dim, L), as ours embeds per batch.
    const auto x = table.index_select(0, tokens.index_select(0, idx).reshape({-1}))
                       .reshape({batch, length, dim})
                       .permute({0, 2, 1})
                       .contiguous();
    const auto y = labels.index_select(0, idx);
    opt.zero_grad();
    const auto z = model->forward(x);
    const auto loss = F::binary_cross_entropy_with_logits(z, y);
    loss.backward();
    opt.step();
    loss.item<float>();
    z.gt(0).eq(y.gt(0.5)).sum().item<int64_t>();
  }
  emit("imdb_kim", 1e3 * seconds_since(start) / static_cast<double>(batches), "ms/batch");
}

void run_mlp(const std::string& name, const Args& a) {
  const bool split = name == "split_mlp";
  const int64_t points = split ? 50 : 1000, batch = split ? 10 : 1000;
  const int epochs = a.calibrate ? 10 : a.quick ? 20 : 100;
  torch::manual_seed(42);
  // MiniTorch's split set: uniform points, label 1 where x0 < 0.2 or x0 > 0.8.
  const auto x = torch::rand({points, 2});
  const auto x0 = x.select(1, 0);
  const auto y = x0.lt(0.2).logical_or(x0.gt(0.8)).to(torch::kFloat32).reshape({points, 1});
  torch::nn::Sequential model(torch::nn::Linear(2, 100), torch::nn::ReLU(),
                              torch::nn::Linear(100, 100), torch::nn::ReLU(),
                              torch::nn::Linear(100, 1));
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.05));
  std::vector<double> times;
  for (int e = 0; e < epochs; ++e) {
    const auto order = torch::randperm(points, torch::kInt64);
    const auto start = Clock::now();
    for (int64_t b = 0; b < points; b += batch) {
      const auto idx = order.slice(0, b, std::min(points, b + batch));
      const auto xb = x.index_select(0, idx), yb = y.index_select(0, idx);
      opt.zero_grad();
      const auto z = model->forward(xb);
      const auto loss = F::binary_cross_entropy_with_logits(z, yb);
      loss.backward();
      opt.step();
      loss.item<float>();
      std::vector<float> logits(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    }
    times.push_back(seconds_since(start));
  }
  emit(name, 1e3 * median(times), "ms/epoch");
}

// One untimed call, then calls until min_time seconds have passed: mean seconds per call.
double time_call(const std::function<void()>& fn, double min_time) {
  fn();
  int64_t iters = 0;
  const auto start = Clock::now();
  for (;;) {
    fn();
    ++iters;
    const double elapsed = seconds_since(start);
    if (elapsed >= min_time)
      return elapsed / static_cast<double>(iters);
  }
}

void check_close(const torch::Tensor& got, const std::vector<double>& want, double tol,
                 const std::string& what) {
  const auto g = got.to(torch::kFloat64).contiguous().reshape({-1});
  const double* p = g.data_ptr<double>();
  double err = 0, scale = 1;
  for (std::size_t i = 0; i < want.size(); ++i) {
    err = std::max(err, std::abs(p[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  if (!(err / scale <= tol))
    throw std::runtime_error("check failed: " + what + ": max |libtorch - naive| / max(|naive|, " +
                             "1) = " + std::to_string(err / scale));
}

// Naive same-size conv (zero padding, tap 0 at -pad) and its adjoint, restricted to batch
// element 0 for the output and input gradient and to output channel 0 for the weight
// gradient, in f64. x (B, C, H, W), w (O, C, KH, KW), g (B, O, H, W); conv1d as H = KH = 1.
void check_conv(const torch::Tensor& x4, const torch::Tensor& w4, const torch::Tensor& g4,
                const torch::Tensor& out4, const torch::Tensor& gi4, const torch::Tensor& gw4,
                int64_t pad_h, int64_t pad_w, const std::string& name) {
  const auto x = x4.to(torch::kFloat64).contiguous(), w = w4.to(torch::kFloat64).contiguous(),
             g = g4.to(torch::kFloat64).contiguous();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), KH = w.size(2), KW = w.size(3);
  const auto X = x.accessor<double, 4>(), Wt = w.accessor<double, 4>(), G = g.accessor<double, 4>();
  std::vector<double> out(O * H * W, 0.0), gi(C * H * W, 0.0), gw(C * KH * KW, 0.0);
  for (int64_t o = 0; o < O; ++o)
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t ki = 0; ki < KH; ++ki)
            for (int64_t kj = 0; kj < KW; ++kj) {
              const int64_t r = i + ki - pad_h, s = j + kj - pad_w;
              if (r < 0 || r >= H || s < 0 || s >= W)
                continue;
              out[(o * H + i) * W + j] += X[0][c][r][s] * Wt[o][c][ki][kj];
              gi[(c * H + r) * W + s] += G[0][o][i][j] * Wt[o][c][ki][kj];
            }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t ki = 0; ki < KH; ++ki)
        for (int64_t kj = 0; kj < KW; ++kj)
          for (int64_t i = 0; i < H; ++i)
            for (int64_t j = 0; j < W; ++j) {
              const int64_t r = i + ki - pad_h, s = j + kj - pad_w;
              if (r >= 0 && r < H && s >= 0 && s < W)
                gw[(c * KH + ki) * KW + kj] += X[b][c][r][s] * G[b][0][i][j];
            }
  check_close(out4[0], out, 1e-4, name + " fwd");
  check_close(gi4[0], gi, 1e-4, name + " bwd input");
  check_close(gw4[0], gw, 1e-4, name + " bwd weight");
}

void run_kernels(const Args& a) {
  const double min_time = a.quick || a.calibrate ? 0.05 : 0.2;
  torch::NoGradGuard no_grad;
  torch::manual_seed(7);
  struct Shape {
    const char* name;
    int dims;
    int64_t b, cin, cout, k, h, w;
  };
  const Shape shapes[] = {{"B16_1to4_3x3_28x28", 2, 16, 1, 4, 3, 28, 28},
                          {"B16_4to8_3x3_14x14", 2, 16, 4, 8, 3, 14, 14},
                          {"B32_64to64_3x3_56x56", 2, 32, 64, 64, 3, 56, 56},
                          {"B10_50to100_k3_W52", 1, 10, 50, 100, 3, 1, 52},
                          {"B32_100to100_k5_W200", 1, 32, 100, 100, 5, 1, 200}};
  for (const Shape& s : shapes) {
    const bool one = s.dims == 1;
    std::vector<int64_t> xs{s.b, s.cin}, ws{s.cout, s.cin}, gs{s.b, s.cout};
    if (!one) {
      xs.push_back(s.h);
      gs.push_back(s.h);
      ws.push_back(s.k);
    }
    xs.push_back(s.w);
    gs.push_back(s.w);
    ws.push_back(s.k);
    const auto x = torch::rand(xs) * 2 - 1, w = torch::rand(ws) * 2 - 1,
               g = torch::rand(gs) * 2 - 1;
    const std::vector<int64_t> ones(s.dims, 1), zeros(s.dims, 0), pad(s.dims, (s.k - 1) / 2);
    const auto fwd = [&] {
      return one ? torch::conv1d(x, w, {}, 1, pad) : torch::conv2d(x, w, {}, 1, pad);
    };
    const auto bwd = [&] {
      return at::convolution_backward(g, x, w, c10::nullopt, ones, pad, ones, false, zeros, 1,
                                      {true, true, false});
    };
    if (a.check) {
      const auto [gi, gw, gb] = bwd();
      const auto u = [&](const torch::Tensor& t) { return one ? t.unsqueeze(2) : t; };
      check_conv(u(x), u(w), u(g), u(fwd()), u(gi), u(gw), one ? 0 : pad[0], pad.back(),
                 std::string("conv") + (one ? "1d " : "2d ") + s.name);
    }
    const std::string prefix = std::string(one ? "conv1d" : "conv2d");
    emit(prefix + "/fwd/" + s.name, 1e3 * time_call([&] { fwd(); }, min_time), "ms");
    emit(prefix + "/bwd/" + s.name, 1e3 * time_call([&] { bwd(); }, min_time), "ms");
  }
  for (int64_t n : {64, 96, 128}) {
    const auto x = torch::rand({n, n}) * 2 - 1, y = torch::rand({n, n}) * 2 - 1;
    auto c = torch::empty({n, n});
    const auto mm = [&] { torch::mm_out(c, x, y); };
    mm();
    if (a.check) {
      std::vector<double> want(n * n, 0.0);
      const auto X = x.accessor<float, 2>(), Y = y.accessor<float, 2>();
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < n; ++k)
          for (int64_t j = 0; j < n; ++j)
            want[i * n + j] += static_cast<double>(X[i][k]) * Y[k][j];
      check_close(c, want, 1e-4, "sgemm " + std::to_string(n));
    }
    emit("matmul/f32/" + std::to_string(n), 1e3 * time_call(mm, min_time), "ms");
  }
  const int64_t side = 1024;
  const auto x = torch::rand({side, side}) * 6 - 3;
  auto y = torch::empty({side, side}), s = torch::empty({side, 1});
  const float* xp = x.data_ptr<float>();
  struct Op {
    const char* name;
    std::function<void()> fn;
    std::function<double(int64_t)> want;
    torch::Tensor* out;
    double tol;
  };
  const Op ops[] = {
      {"map/exp/1M", [&] { torch::exp_out(y, x); },
       [&](int64_t i) { return std::exp(double(xp[i])); }, &y, 1e-5},
      {"map/relu/1M", [&] { torch::clamp_min_out(y, x, 0.0); },
       [&](int64_t i) { return std::max(0.0, double(xp[i])); }, &y, 1e-5},
      {"reduce/sum_last/1M", [&] { torch::sum_out(s, x, {1}, true); },
       [&](int64_t r) {
         double t = 0;
         for (int64_t j = 0; j < side; ++j)
           t += xp[r * side + j];
         return t;
       },
       &s, 1e-4},
  };
  for (const Op& op : ops) {
    op.fn();
    if (a.check) {
      std::vector<double> want(op.out->numel());
      for (int64_t i = 0; i < op.out->numel(); ++i)
        want[i] = op.want(i);
      check_close(*op.out, want, op.tol, op.name);
    }
    emit(op.name, 1e3 * time_call(op.fn, min_time), "ms");
  }
  // The tiny op: (4,) f32, c = a * b; with backward, sum(a * b).backward().
  const std::vector<float> an{0.5f, -1.0f, 2.0f, 3.0f}, bn{1.5f, 2.0f, -0.25f, 4.0f};
  const auto ca = torch::tensor(an), cb = torch::tensor(bn);
  torch::Tensor ga, gb;
  {
    torch::AutoGradMode enable(true);
    ga = torch::tensor(an).requires_grad_();
    gb = torch::tensor(bn).requires_grad_();
  }
  const auto tiny_fwd = [&] { (void)(ca * cb); };
  const auto tiny_bwd = [&] {
    torch::AutoGradMode enable(true);
    (ga * gb).sum().backward();
  };
  tiny_bwd();
  std::vector<double> want(bn.begin(), bn.end());
  check_close(ga.grad(), want, 1e-6, "tiny bwd (d/da of sum(a*b) = b)");
  emit("tiny/fwd", 1e6 * time_call(tiny_fwd, min_time), "us");
  emit("tiny/fwd_bwd", 1e6 * time_call(tiny_bwd, min_time), "us");
}

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2)
    throw std::runtime_error(
        "usage: libtorch_side WORKLOAD[,...] --threads N [--quick | --calibrate] "
        "[--check] [--data-root DIR] [--imdb DIR]");
  std::stringstream list(argv[1]);
  for (std::string w; std::getline(list, w, ',');)
    a.workloads.push_back(w);
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&] {
      if (i + 1 >= argc)
        throw std::runtime_error(arg + " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--threads")
      a.threads = std::stoi(value());
    else if (arg == "--quick")
      a.quick = true;
    else if (arg == "--calibrate")
      a.calibrate = true;
    else if (arg == "--check")
      a.check = true;
    else if (arg == "--data-root")
      a.data_root = value();
    else if (arg == "--imdb")
      a.imdb = value();
    else
      throw std::runtime_error("unknown option '" + arg + "'");
  }
  if (a.threads < 1)
    throw std::runtime_error("--threads must be >= 1, got " + std::to_string(a.threads));
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    g_threads = a.threads;
    at::set_num_threads(a.threads);
    for (const std::string& w : a.workloads) {
      if (w == "mnist_sgd" || w == "mnist_adam")
        run_mnist(w, a);
      else if (w == "imdb_kim")
        run_imdb(a);
      else if (w == "split_mlp" || w == "mlp_b1000")
        run_mlp(w, a);
      else if (w == "kernels")
        run_kernels(a);
      else
        throw std::runtime_error("unknown workload '" + w +
                                 "'; allowed: mnist_sgd, mnist_adam, imdb_kim, split_mlp, "
                                 "mlp_b1000, kernels");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "libtorch_side: %s\n", e.what());
    return 1;
  }
  return 0;
}
