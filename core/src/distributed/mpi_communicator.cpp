// mpi_communicator.cpp — the "mpi" engine, the only file that includes mpi.h. Every collective
// is built from point-to-point MPI_Isend/MPI_Irecv polled with MPI_Test against a deadline, so a
// wait never blocks forever and names the peer that did not take part; the allreduce sums each
// chunk on its owner in rank order, so every rank gets the same bits whatever the timing.
// Not a general MPI binding, and not device-aware (host buffers only).
#include "distributed/engines.hpp"

// The C API only: OpenMPI's and MPICH's mpi.h pull in the deprecated C++ bindings otherwise.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace mt::dist::detail {

namespace {

// Set when a collective failed or timed out: pending messages may never complete, so at exit
// the job is aborted instead of finalized (MPI_Finalize would wait for them).
bool g_broken = false;
bool g_exit_hook_installed = false;

void at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized)
    return;
  if (g_broken) {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
}

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<std::size_t>(length));
}

// Messages of one collective use tags of their own: (sequence mod 16000) * 2 + phase, within the
// 32767 every MPI guarantees. Every rank runs the same sequence of collectives, and MPI keeps
// messages between two ranks with one tag in order, so a wrapped tag cannot be confused.
int tag_for(uint64_t sequence, int phase) {
  return static_cast<int>(sequence % 16000) * 2 + phase;
}

class MpiCommunicator;

// One point-to-point message of a collective and the peer it is exchanged with.
struct Message {
  MPI_Request request = MPI_REQUEST_NULL;
  int peer = 0;
  int bytes = 0;  // expected (receive) or sent
  bool receive = false;
  bool done = false;
};

// A set of messages in flight, polled with MPI_Test until every one is done.
class MessageSet {
 public:
  void post_send(const void* data, int bytes, int peer, int tag, MPI_Comm comm);
  void post_receive(void* data, int bytes, int peer, int tag, MPI_Comm comm);
  // Moves every message on; true when all are done.
  bool test();
  bool empty() const { return messages_.empty(); }
  // The peers whose message of the given kind is not done, in rank order.
  std::vector<int> missing(bool receive) const;
  void clear() { messages_.clear(); }

 private:
  std::vector<Message> messages_;
};

void check(int code, const std::string& what) {
  if (code != MPI_SUCCESS) {
    g_broken = true;
    int error_class = 0;
    MPI_Error_class(code, &error_class);
    const std::string hint =
        error_class == MPI_ERR_TRUNCATE
            ? " (the ranks started different collectives here: every rank must run the same "
              "sequence of collectives with the same counts and dtypes)"
            : "";
    throw CommError(what + " failed: " + mpi_error_text(code) + hint);
  }
}

void MessageSet::post_send(const void* data, int bytes, int peer, int tag, MPI_Comm comm) {
  Message m;
  m.peer = peer;
  m.bytes = bytes;
  check(MPI_Isend(data, bytes, MPI_BYTE, peer, tag, comm, &m.request),
        "MPI_Isend to rank " + std::to_string(peer));
  messages_.push_back(m);
}

void MessageSet::post_receive(void* data, int bytes, int peer, int tag, MPI_Comm comm) {
  Message m;
  m.peer = peer;
  m.bytes = bytes;
  m.receive = true;
  check(MPI_Irecv(data, bytes, MPI_BYTE, peer, tag, comm, &m.request),
        "MPI_Irecv from rank " + std::to_string(peer));
  messages_.push_back(m);
}

bool MessageSet::test() {
  bool all = true;
  for (Message& m : messages_) {
    if (m.done)
      continue;
    int flag = 0;
    MPI_Status status;
    check(MPI_Test(&m.request, &flag, &status), std::string("MPI_Test of a message ") +
                                                    (m.receive ? "from" : "to") + " rank " +
                                                    std::to_string(m.peer));
    m.done = flag != 0;
    int received = 0;
    if (m.done && m.receive && MPI_Get_count(&status, MPI_BYTE, &received) == MPI_SUCCESS &&
        received != m.bytes) {
      // A shorter message is no MPI error, but it means the ranks disagree about the collective.
      g_broken = true;
      throw CommError("rank " + std::to_string(m.peer) + " sent " + std::to_string(received) +
                      " bytes where " + std::to_string(m.bytes) +
                      " were expected (the ranks started different collectives here: every "
                      "rank must run the same sequence of collectives with the same counts and "
                      "dtypes)");
    }
    all = all && m.done;
  }
  return all;
}

std::vector<int> MessageSet::missing(bool receive) const {
  std::vector<int> peers;
  for (const Message& m : messages_) {
    if (!m.done && m.receive == receive)
      peers.push_back(m.peer);
  }
  std::sort(peers.begin(), peers.end());
  peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
  return peers;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string out;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (i > 0)
      out += i + 1 == ranks.size() ? " and " : ", ";
    out += std::to_string(ranks[i]);
  }
  return (ranks.size() == 1 ? "rank " : "ranks ") + out;
}

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(std::chrono::milliseconds timeout);
  ~MpiCommunicator() override;
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string engine() const override { return "mpi"; }
  std::chrono::milliseconds timeout() const override { return timeout_; }

  std::unique_ptr<Request> allreduce_sum_async(void* data, std::size_t count, DType dtype) override;
  void broadcast(void* data, std::size_t bytes, int root) override;
  void allgather(const void* data, std::size_t bytes, void* out) override;
  void barrier() override;
  [[noreturn]] void abort(int exit_code) override;

  // For the requests: the common parts of every collective.
  MPI_Comm comm() const { return comm_; }
  uint64_t next_sequence() { return sequence_++; }
  void check_thread(const char* what) const;
  // Polls `messages` until done or the deadline; on timeout marks the communicator broken and
  // throws CommError naming the peers (`what` names the collective).
  void wait_for(MessageSet& messages, const std::string& what,
                std::chrono::steady_clock::time_point deadline) const;
  std::string timeout_text() const {
    return "within " + seconds_text(timeout_) + " (MINITORCH_DIST_TIMEOUT)";
  }
  std::string where() const {
    return " [on rank " + std::to_string(rank_) + " of " + std::to_string(size_) + "]";
  }

 private:
  int rank_ = 0;
  int size_ = 1;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::chrono::milliseconds timeout_;
  std::thread::id thread_;
  uint64_t sequence_ = 0;
};

// Sleeps a little more each round while nothing arrives (yield, then up to 1 ms), so a waiting
// rank does not take a core from the ranks it waits for on an oversubscribed machine.
class Backoff {
 public:
  void pause() {
    if (rounds_ < 64) {
      std::this_thread::yield();
    } else {
      const auto us = std::min<int64_t>(1000, 10 * (rounds_ - 63));
      std::this_thread::sleep_for(std::chrono::microseconds(us));
    }
    ++rounds_;
  }

 private:
  int64_t rounds_ = 0;
};

void MpiCommunicator::wait_for(MessageSet& messages, const std::string& what,
                               std::chrono::steady_clock::time_point deadline) const {
  Backoff backoff;
  while (!messages.test()) {
    if (std::chrono::steady_clock::now() > deadline) {
      g_broken = true;
      const std::vector<int> silent = messages.missing(true);
      if (!silent.empty())
        throw CommError(rank_list(silent) + " sent nothing for " + what + " " + timeout_text() +
                        where());
      throw CommError(rank_list(messages.missing(false)) + " did not receive its part of " + what +
                      " " + timeout_text() + where());
    }
    backoff.pause();
  }
}

MpiCommunicator::MpiCommunicator(std::chrono::milliseconds timeout)
    : timeout_(timeout), thread_(std::this_thread::get_id()) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    const int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (code != MPI_SUCCESS)
      throw CommError("MPI_Init_thread failed: " + mpi_error_text(code));
    if (provided < MPI_THREAD_FUNNELED) {
      throw CommError("MPI_Init_thread gave thread level " + std::to_string(provided) +
                      "; MiniTorch needs MPI_THREAD_FUNNELED");
    }
  }
  if (!g_exit_hook_installed) {
    std::atexit(at_exit);
    g_exit_hook_installed = true;
  }
  // A communicator of our own, whose errors come back as codes (CommError), not abort.
  check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
  check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && !g_broken && comm_ != MPI_COMM_NULL)
    MPI_Comm_free(&comm_);
}

void MpiCommunicator::check_thread(const char* what) const {
  if (std::this_thread::get_id() != thread_) {
    throw ArgumentError(std::string(what) +
                        ": called from another thread than the one that called "
                        "mt::dist::init() (the MPI engine runs MPI_THREAD_FUNNELED)");
  }
}

[[noreturn]] void MpiCommunicator::abort(int exit_code) {
  g_broken = true;
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this is for the compiler
}

// Byte counts travel as int: one message carries at most INT_MAX bytes.
int message_bytes(std::size_t bytes, const char* what) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) {
    throw ArgumentError(std::string(what) + ": " + std::to_string(bytes) +
                        " bytes in one message; at most " + std::to_string(INT_MAX) +
                        " are allowed (split the buffer)");
  }
  return static_cast<int>(bytes);
}

void MpiCommunicator::broadcast(void* data, std::size_t bytes, int root) {
  check_thread("broadcast");
  if (root < 0 || root >= size_) {
    throw ArgumentError("broadcast: root " + std::to_string(root) + " is outside [0, " +
                        std::to_string(size_) + ")");
  }
  const int n = message_bytes(bytes, "broadcast");
  if (n > 0 && data == nullptr)
    throw ArgumentError("broadcast: the buffer is null");
  const uint64_t sequence = next_sequence();
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  MessageSet messages;
  if (rank_ == root) {
    for (int peer = 0; peer < size_; ++peer) {
      if (peer != root)
        messages.post_send(data, n, peer, tag_for(sequence, 0), comm_);
    }
  } else {
    messages.post_receive(data, n, root, tag_for(sequence, 0), comm_);
  }
  wait_for(messages,
           "broadcast #" + std::to_string(sequence) + " from rank " + std::to_string(root),
           deadline);
}

void MpiCommunicator::allgather(const void* data, std::size_t bytes, void* out) {
  check_thread("allgather");
  const int n = message_bytes(bytes, "allgather");
  if (n > 0 && (data == nullptr || out == nullptr))
    throw ArgumentError("allgather: a buffer is null");
  const uint64_t sequence = next_sequence();
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  auto* slots = static_cast<unsigned char*>(out);
  MessageSet messages;
  for (int peer = 0; peer < size_; ++peer) {
    if (peer == rank_)
      continue;
    messages.post_receive(slots + static_cast<std::size_t>(peer) * bytes, n, peer,
                          tag_for(sequence, 0), comm_);
    messages.post_send(data, n, peer, tag_for(sequence, 0), comm_);
  }
  if (n > 0)
    std::memmove(slots + static_cast<std::size_t>(rank_) * bytes, data, bytes);
  wait_for(messages, "allgather #" + std::to_string(sequence), deadline);
}

void MpiCommunicator::barrier() {
  const unsigned char mine = 1;
  std::vector<unsigned char> all(static_cast<std::size_t>(size_));
  allgather(&mine, 1, all.data());
}

// ---- the fixed-order allreduce --------------------------------------------------------------
// The buffer is cut into size() chunks; rank r owns chunk r. Phase 1: every rank sends chunk c
// to rank c and receives everyone's chunk r. The owner then sums chunk r in rank order
// (((x0 + x1) + x2) + ...), not in arrival order. Phase 2: every owner sends its reduced chunk
// to all, and receives theirs in place. Each rank's result is computed once, by its owner, so
// every rank holds the same bits.
class AllreduceRequest final : public Request {
 public:
  AllreduceRequest(MpiCommunicator& comm, void* data, std::size_t count, DType dtype)
      : comm_(comm),
        data_(static_cast<unsigned char*>(data)),
        count_(count),
        dtype_(dtype),
        element_(dtype_size(dtype)),
        sequence_(comm.next_sequence()) {
    const int ranks = comm_.size();
    const int me = comm_.rank();
    const std::size_t mine = chunk_count(me);
    staging_.resize(mine * element_ * static_cast<std::size_t>(ranks));
    for (int peer = 0; peer < ranks; ++peer) {
      if (peer == me)
        continue;
      phase1_.post_receive(staging_.data() + static_cast<std::size_t>(peer) * mine * element_,
                           bytes_of(me), peer, tag_for(sequence_, 0), comm_.comm());
      phase1_.post_send(data_ + chunk_begin(peer) * element_, bytes_of(peer), peer,
                        tag_for(sequence_, 0), comm_.comm());
    }
  }

  ~AllreduceRequest() override {
    if (phase_ == Phase::done)
      return;
    // Dropped unfinished (an exception on the way): MPI may still write into `staging_` and the
    // caller's buffer, and the peers wait for our part. Keep the staging alive and mark the job
    // broken, so it aborts at exit rather than hanging in MPI_Finalize.
    g_broken = true;
    new std::vector<unsigned char>(std::move(staging_));  // deliberately leaked
  }

  bool test() override {
    comm_.check_thread("allreduce_sum");
    if (phase_ == Phase::gather) {
      if (!phase1_.test())
        return false;
      reduce_own_chunk();
      phase_ = Phase::spread;
      start_phase2();
    }
    if (phase_ == Phase::spread) {
      if (!phase2_.test())
        return false;
      phase_ = Phase::done;
    }
    return true;
  }

  // The timeout counts from the first wait(): a request started early in backward is not
  // charged for the backward's own compute.
  void wait() override {
    comm_.check_thread("allreduce_sum");
    const auto deadline = std::chrono::steady_clock::now() + comm_.timeout();
    if (phase_ == Phase::gather) {
      comm_.wait_for(phase1_, describe(), deadline);
      test();
    }
    if (phase_ == Phase::spread) {
      comm_.wait_for(phase2_, "the reduced parts of " + describe(), deadline);
      phase_ = Phase::done;
    }
  }

 private:
  enum class Phase { gather, spread, done };

  std::size_t chunk_begin(int r) const {
    return count_ * static_cast<std::size_t>(r) / static_cast<std::size_t>(comm_.size());
  }
  std::size_t chunk_count(int r) const { return chunk_begin(r + 1) - chunk_begin(r); }
  int bytes_of(int r) const { return message_bytes(chunk_count(r) * element_, "allreduce_sum"); }
  std::string describe() const {
    return "allreduce #" + std::to_string(sequence_) + " (" + std::to_string(count_) + " " +
           dtype_name(dtype_) + " values)";
  }

  template <class T>
  void reduce_as() {
    const int ranks = comm_.size();
    const int me = comm_.rank();
    const std::size_t n = chunk_count(me);
    T* own = reinterpret_cast<T*>(data_) + chunk_begin(me);
    const T* staged = reinterpret_cast<const T*>(staging_.data());
    // Rank 0's part first, then each rank's in order. Our own values are in `own`.
    std::vector<T> sum(n);
    for (int r = 0; r < ranks; ++r) {
      const T* part = r == me ? own : staged + static_cast<std::size_t>(r) * n;
      if (r == 0) {
        std::copy(part, part + n, sum.begin());
      } else {
        for (std::size_t i = 0; i < n; ++i)
          sum[i] += part[i];
      }
    }
    std::copy(sum.begin(), sum.end(), own);
  }
  void reduce_own_chunk() {
    if (dtype_ == DType::f64)
      reduce_as<double>();
    else
      reduce_as<float>();
  }

  void start_phase2() {
    const int me = comm_.rank();
    for (int peer = 0; peer < comm_.size(); ++peer) {
      if (peer == me)
        continue;
      phase2_.post_receive(data_ + chunk_begin(peer) * element_, bytes_of(peer), peer,
                           tag_for(sequence_, 1), comm_.comm());
      phase2_.post_send(data_ + chunk_begin(me) * element_, bytes_of(me), peer,
                        tag_for(sequence_, 1), comm_.comm());
    }
  }

  MpiCommunicator& comm_;
  unsigned char* data_;
  std::size_t count_;
  DType dtype_;
  std::size_t element_;
  uint64_t sequence_;
  std::vector<unsigned char> staging_;
  MessageSet phase1_, phase2_;
  Phase phase_ = Phase::gather;
};

std::unique_ptr<Request> MpiCommunicator::allreduce_sum_async(void* data, std::size_t count,
                                                              DType dtype) {
  check_thread("allreduce_sum");
  if (dtype != DType::f32 && dtype != DType::f64) {
    throw ArgumentError(std::string("allreduce_sum: dtype ") + dtype_name(dtype) +
                        " is not supported; use f32 or f64");
  }
  if (data == nullptr && count > 0)
    throw ArgumentError("allreduce_sum: the buffer is null");
  // Checked before anything is posted: the largest chunk must fit one message.
  message_bytes((count / static_cast<std::size_t>(size_) + 1) * dtype_size(dtype),
                "allreduce_sum (one rank's chunk)");
  return std::make_unique<AllreduceRequest>(*this, data, count, dtype);
}

}  // namespace

std::shared_ptr<Communicator> make_mpi_communicator(std::chrono::milliseconds timeout) {
  return std::make_shared<MpiCommunicator>(timeout);
}

}  // namespace mt::dist::detail
