// kit.cpp — the conformance kit's run: load the oracle through the
// registry, locate the candidate and probe it in a child (it is never asked
// for in this process), run each selected (case, dtype) of the conformance
// library's one catalogue in its own forked child (core's mt::proc runner),
// then print the table and summary and write the JSON report atomically. It
// defines no cases, no comparisons and no process handling of its own.
#include "kit.hpp"

#include <minitorch/conformance.hpp>
#include <minitorch/plugin_helpers.hpp>
#include <minitorch/util/child_process.hpp>
#include <minitorch/util/io.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <unistd.h>

#ifndef MT_KIT_VERSION
#define MT_KIT_VERSION "0.0.0"
#endif

namespace mt::kit {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using conformance::CaseResult;
using Status = CaseResult::Status;
using proc::ChildOutcome;
using proc::signal_name;

// One case in one dtype, and what happened to it.
struct Entry {
  std::string id;
  std::string row;  // the table row: the op, e.g. "zip.add", "matmul", "grad.conv1d"
  conformance::CaseInfo info;
  DType dtype = DType::f32;
  bool ran = false;  // false: never reached (the run was interrupted)
  Status status = Status::skipped;
  std::string skip_kind;  // skipped: "unsupported" or "not usable"
  std::string message;
  std::optional<double> max_error;
  double seconds = 0.0;
  std::string signal;  // crashed by a signal: its name
  std::string output;  // the child's stdout/stderr when the case did not pass
};

// What the probe child learned about the candidate.
struct Probe {
  std::string name, version, device, unusable_reason;
  bool usable = false;
  std::map<std::tuple<int, int, int>, bool> supports;  // (family, op, dtype) -> yes/no

  bool supported(mt_family family, int32_t op, DType dtype) const {
    const auto it = supports.find({family, op, static_cast<int>(dtype)});
    return it != supports.end() && it->second;
  }
};

// "zip.add", "matmul": how the op of (family, op) is named in messages.
std::string op_label(mt_family family, int32_t op) {
  std::string label = mt::sdk::family_name(family);
  if (mt::sdk::op_rows(family).count > 0)
    label += std::string(".") + mt::sdk::op_name(family, op);
  return label;
}

// ---- locating plugins --------------------------------------------------------

// The first file for `name` along the search path: the loader's own rule
// (earlier directories shadow later ones).
std::optional<fs::path> find_plugin(const std::vector<fs::path>& dirs, const std::string& name) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    const fs::path candidate = dir / plugin_file_name(name);
    if (fs::is_regular_file(candidate, ec))
      return candidate;
  }
  return std::nullopt;
}

std::string search_path_text(const std::vector<fs::path>& dirs) {
  std::string text;
  for (const auto& dir : dirs)
    text += (text.empty() ? "" : ":") + dir.string();
  return text.empty() ? "(empty)" : text;
}

// Backend names that have a plugin file somewhere on the search path.
std::string names_on_path(const std::vector<fs::path>& dirs) {
  std::set<std::string> names;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      continue;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (auto name = backend_name_from_file(it->path()))
        names.insert(*name);
  }
  std::string text;
  for (const auto& n : names)
    text += (text.empty() ? "" : ", ") + n;
  return text.empty() ? "none" : text;
}

// ---- probing the candidate in a child ----------------------------------------

std::string probe_task(const fs::path& path) {
  BackendRegistry local({});
  const BackendPtr b = local.load_file(path);
  json j;
  j["name"] = b->name();
  j["version"] = b->version();
  j["device"] = device_kind_name(b->device());
  j["usable"] = b->usable();
  j["reason"] = b->unusable_reason();
  json supports = json::array();
  if (b->usable()) {
    for (int f = 0; f < MT_FAMILY_COUNT; ++f)
      for (int32_t op = 0; op < mt::sdk::op_count(f); ++op)
        for (const DType d : {DType::f32, DType::f64})
          supports.push_back(
              {f, op, static_cast<int>(d), b->supports(static_cast<mt_family>(f), op, d)});
  }
  j["supports"] = supports;
  return j.dump();
}

// Describes how a child ended when it did not hand back a result.
std::string ending_text(const ChildOutcome& o, double timeout) {
  switch (o.ending) {
    case ChildOutcome::Ending::signaled:
      return "killed by " + signal_name(o.signal) + " (" + std::string(strsignal(o.signal)) + ")";
    case ChildOutcome::Ending::exited:
      return "exited with status " + std::to_string(o.exit_code) + " before reporting a result";
    case ChildOutcome::Ending::timed_out: {
      std::ostringstream text;
      text << "still running after " << timeout << " s; killed";
      return text.str();
    }
    case ChildOutcome::Ending::not_started:
      return "could not start a child process: " + o.result;
    case ChildOutcome::Ending::threw:
      return "threw: " + o.result;
    case ChildOutcome::Ending::finished:
      break;
  }
  return "";
}

// Runs task(i) for i in [0, count) each in a forked child (core's runner),
// at most `jobs` at a time, each killed with its process group after
// `timeout` seconds. SIGINT / SIGTERM end the run: the tasks still running or
// not started are not reported, and it returns false.
bool run_in_children(std::size_t count, const std::function<std::string(std::size_t)>& task,
                     int jobs, double timeout,
                     const std::function<void(std::size_t, const ChildOutcome&)>& on_done) {
  proc::ChildLimits limits;
  limits.jobs = jobs;
  limits.timeout_seconds = timeout;
  limits.stop_on_interrupt = true;
  return proc::run_children(
      count,
      [&task](std::size_t i) {
        proc::ChildTask child;
        child.function = [&task, i] { return task(i); };
        return child;
      },
      limits, on_done);
}

// The candidate's answers, from a child; nullopt with `error` set when it
// could not be loaded, or with `interrupted` set when Ctrl-C cut it short.
std::optional<Probe> probe(const fs::path& path, double timeout, std::string& error,
                           bool& interrupted) {
  std::optional<Probe> result;
  interrupted = !run_in_children(
      1, [&](std::size_t) { return probe_task(path); }, 1, timeout,
      [&](std::size_t, const ChildOutcome& o) {
        if (o.ending != ChildOutcome::Ending::finished) {
          error = o.ending == ChildOutcome::Ending::threw
                      ? o.result
                      : "loading " + path.string() + " " + ending_text(o, timeout);
          if (!o.output.empty())
            error += "\nits output:\n" + o.output;
          return;
        }
        try {
          const json j = json::parse(o.result);
          Probe p;
          p.name = j.at("name").get<std::string>();
          p.version = j.at("version").get<std::string>();
          p.device = j.at("device").get<std::string>();
          p.usable = j.at("usable").get<bool>();
          p.unusable_reason = j.at("reason").get<std::string>();
          for (const auto& s : j.at("supports"))
            p.supports[{s.at(0).get<int>(), s.at(1).get<int>(), s.at(2).get<int>()}] =
                s.at(3).get<bool>();
          result = std::move(p);
        } catch (const std::exception& e) {
          error = std::string("the probe's answer could not be read: ") + e.what();
        }
      });
  return result;
}

// ---- selecting cases -----------------------------------------------------------

bool glob_match(const char* pattern, const char* text) {
  // Iterative glob with backtracking to the last '*'.
  const char* star = nullptr;
  const char* resume = nullptr;
  while (*text) {
    if (*pattern == '?' || *pattern == *text) {
      ++pattern;
      ++text;
    } else if (*pattern == '*') {
      star = pattern++;
      resume = text;
    } else if (star) {
      pattern = star + 1;
      text = ++resume;
    } else {
      return false;
    }
  }
  while (*pattern == '*')
    ++pattern;
  return *pattern == '\0';
}

std::vector<Entry> select_entries(const Options& options) {
  const std::vector<DType> dtypes =
      options.dtypes.empty() ? std::vector<DType>{DType::f32, DType::f64} : options.dtypes;
  const std::vector<conformance::CaseInfo> cases = conformance::list_cases();
  std::vector<Entry> entries;
  for (const DType dtype : dtypes) {
    for (const auto& info : cases) {
      if (!filter_matches(options.filter, info.id))
        continue;
      Entry e;
      e.id = info.id;
      e.row = info.row;
      e.info = info;
      e.dtype = dtype;
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

// Marks the entries that cannot run (unusable backend, unsupported op) as
// skipped without starting a child. Returns the indices that must run.
std::vector<std::size_t> plan_skips(std::vector<Entry>& entries, const Probe& p) {
  std::vector<std::size_t> to_run;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    if (!p.usable) {
      e.ran = true;
      e.status = Status::skipped;
      e.skip_kind = "not usable";
      e.message = "backend '" + p.name + "' is not usable here: " + p.unusable_reason;
      continue;
    }
    const auto& needs = e.info.needs;
    const auto missing = std::find_if(needs.begin(), needs.end(), [&](const auto& n) {
      return !p.supported(n.first, n.second, e.dtype);
    });
    if (missing != needs.end()) {
      e.ran = true;
      e.status = Status::skipped;
      e.skip_kind = "unsupported";
      e.message =
          "backend '" + p.name + "' does not support " + op_label(missing->first, missing->second) +
          " in " + dtype_name(e.dtype) +
          (e.info.kind == conformance::CaseKind::gradient ? " (which " + e.id + " needs)" : "");
      continue;
    }
    to_run.push_back(i);
  }
  return to_run;
}

// ---- running one case in a child ------------------------------------------------

std::string case_task(const Entry& e, const fs::path& candidate_path, const BackendPtr& reference) {
  BackendRegistry local({});
  const BackendPtr candidate = local.load_file(candidate_path);
  // Core code that makes a tensor without naming a backend must not wander
  // off to the global registry (which would load every plugin on the path).
  set_default_backend(candidate);
  const CaseResult r = conformance::run_case(e.info, candidate, reference, e.dtype);
  json j;
  j["status"] = conformance::status_name(r.status);
  j["message"] = r.message;
  j["max_error"] = std::isfinite(r.max_error) ? json(r.max_error) : json("inf");
  return j.dump();
}

Status parse_status(const std::string& name) {
  for (const Status s :
       {Status::passed, Status::failed, Status::skipped, Status::crashed, Status::timed_out})
    if (name == conformance::status_name(s))
      return s;
  throw std::runtime_error("unknown status '" + name + "'");
}

void record_outcome(Entry& e, const ChildOutcome& o, double timeout) {
  e.ran = true;
  e.seconds = o.seconds;
  switch (o.ending) {
    case ChildOutcome::Ending::finished:
      try {
        const json j = json::parse(o.result);
        e.status = parse_status(j.at("status").get<std::string>());
        e.message = j.at("message").get<std::string>();
        const json& m = j.at("max_error");
        e.max_error = m.is_number() ? m.get<double>() : std::numeric_limits<double>::infinity();
        if (e.status == Status::skipped)
          e.skip_kind =
              e.message.find("not usable") != std::string::npos ? "not usable" : "unsupported";
      } catch (const std::exception& ex) {
        e.status = Status::failed;
        e.message = std::string("the case's result could not be read: ") + ex.what();
      }
      break;
    case ChildOutcome::Ending::threw:
      e.status = Status::failed;
      e.message = "the case threw: " + o.result;
      break;
    case ChildOutcome::Ending::signaled:
      e.status = Status::crashed;
      e.signal = signal_name(o.signal);
      e.message = ending_text(o, timeout);
      break;
    case ChildOutcome::Ending::exited:
      e.status = Status::crashed;
      e.message = ending_text(o, timeout);
      break;
    case ChildOutcome::Ending::timed_out:
      e.status = Status::timed_out;
      e.message = ending_text(o, timeout);
      break;
    case ChildOutcome::Ending::not_started:
      e.status = Status::failed;
      e.message = ending_text(o, timeout);
      break;
  }
  if (e.status != Status::passed)
    e.output = o.output;
}

// ---- reporting ---------------------------------------------------------------------

struct Counts {
  int passed = 0, failed = 0, skipped = 0, crashed = 0, timed_out = 0, not_run = 0;
  void add(const Entry& e) {
    if (!e.ran) {
      ++not_run;
      return;
    }
    switch (e.status) {
      case Status::passed:
        ++passed;
        break;
      case Status::failed:
        ++failed;
        break;
      case Status::skipped:
        ++skipped;
        break;
      case Status::crashed:
        ++crashed;
        break;
      case Status::timed_out:
        ++timed_out;
        break;
    }
  }
  bool clean() const { return failed == 0 && crashed == 0 && timed_out == 0 && not_run == 0; }
};

std::string summary_line(const Counts& c) {
  std::string text = std::to_string(c.passed) + " passed, " + std::to_string(c.failed) +
                     " failed, " + std::to_string(c.skipped) + " skipped, " +
                     std::to_string(c.crashed) + " crashed, " + std::to_string(c.timed_out) +
                     " timed out";
  if (c.not_run > 0)
    text += ", " + std::to_string(c.not_run) + " not run";
  return text;
}

// One table cell: every case of one op in one dtype.
std::string cell_text(const Counts& c, const std::set<std::string>& skip_kinds) {
  const int total = c.passed + c.failed + c.skipped + c.crashed + c.timed_out + c.not_run;
  if (total == 0)
    return "-";
  if (c.passed == total)
    return "pass " + std::to_string(total);
  std::vector<std::string> parts;
  if (c.passed)
    parts.push_back(std::to_string(c.passed) + " pass");
  if (c.failed)
    parts.push_back(std::to_string(c.failed) + " FAIL");
  if (c.crashed)
    parts.push_back(std::to_string(c.crashed) + " CRASH");
  if (c.timed_out)
    parts.push_back(std::to_string(c.timed_out) + " TIMEOUT");
  if (c.not_run)
    parts.push_back(std::to_string(c.not_run) + " not run");
  if (c.skipped) {
    std::string kinds;
    for (const auto& k : skip_kinds)
      kinds += (kinds.empty() ? "" : ", ") + k;
    parts.push_back(std::to_string(c.skipped) + " skip (" + kinds + ")");
  }
  std::string text;
  for (const auto& p : parts)
    text += (text.empty() ? "" : ", ") + p;
  return text;
}

const char* problem_label(const Entry& e) {
  if (!e.ran)
    return "NOT RUN";
  switch (e.status) {
    case Status::failed:
      return "FAIL";
    case Status::crashed:
      return "CRASH";
    case Status::timed_out:
      return "TIMEOUT";
    default:
      return "";
  }
}

std::string clip(std::string text, std::size_t limit) {
  for (char& ch : text)
    if (ch == '\n')
      ch = ' ';
  if (text.size() > limit)
    text = text.substr(0, limit - 3) + "...";
  return text;
}

void print_table(std::ostream& out, const std::vector<Entry>& entries,
                 const std::vector<DType>& dtypes) {
  std::vector<std::string> rows;
  std::map<std::pair<std::string, int>, Counts> cells;
  std::map<std::pair<std::string, int>, std::set<std::string>> kinds;
  for (const Entry& e : entries) {
    if (std::find(rows.begin(), rows.end(), e.row) == rows.end())
      rows.push_back(e.row);
    const auto key = std::make_pair(e.row, static_cast<int>(e.dtype));
    cells[key].add(e);
    if (e.ran && e.status == Status::skipped)
      kinds[key].insert(e.skip_kind);
  }
  std::size_t op_width = 2;
  for (const auto& r : rows)
    op_width = std::max(op_width, r.size());
  std::vector<std::size_t> widths;
  for (const DType d : dtypes) {
    std::size_t w = 3;
    for (const auto& r : rows)
      w = std::max(
          w, cell_text(cells[{r, static_cast<int>(d)}], kinds[{r, static_cast<int>(d)}]).size());
    widths.push_back(w);
  }
  // Columns padded to their widest cell; no padding after the last one.
  auto print_row = [&](const std::string& first, const std::vector<std::string>& rest) {
    std::string line = first + std::string(op_width - first.size(), ' ');
    for (std::size_t k = 0; k < rest.size(); ++k)
      line += "  " + rest[k] +
              (k + 1 < rest.size() ? std::string(widths[k] - rest[k].size(), ' ') : "");
    out << line << '\n';
  };
  std::vector<std::string> header;
  for (const DType d : dtypes)
    header.push_back(dtype_name(d));
  print_row("op", header);
  for (const auto& r : rows) {
    std::vector<std::string> row;
    for (const DType d : dtypes) {
      const auto key = std::make_pair(r, static_cast<int>(d));
      row.push_back(cell_text(cells[key], kinds[key]));
    }
    print_row(r, row);
  }
}

void print_details(std::ostream& out, const std::vector<Entry>& entries) {
  std::vector<const Entry*> problems;
  std::map<std::string, int> skip_reasons;
  for (const Entry& e : entries) {
    if (!e.ran || e.status == Status::failed || e.status == Status::crashed ||
        e.status == Status::timed_out)
      problems.push_back(&e);
    else if (e.status == Status::skipped)
      ++skip_reasons[e.skip_kind + ": " + e.message];
  }
  if (!problems.empty()) {
    out << "\nProblems (" << problems.size() << "):\n";
    for (const Entry* e : problems) {
      out << "  " << std::left << std::setw(8) << problem_label(*e) << std::right << ' '
          << dtype_name(e->dtype) << ' ' << e->id << ": " << clip(e->message, 400) << '\n';
      // A crash or hang usually explains itself in the child's last words
      // (a sanitizer report, an assertion): show their first line.
      if (e->status != Status::failed && !e->output.empty()) {
        const std::size_t start = e->output.find_first_not_of("\n\r ");
        if (start != std::string::npos) {
          const std::string line = e->output.substr(start, e->output.find('\n', start) - start);
          out << "           its output: " << clip(line, 300) << '\n';
        }
      }
    }
  }
  if (!skip_reasons.empty()) {
    out << "\nSkipped:\n";
    int shown = 0;
    for (const auto& [reason, count] : skip_reasons) {
      if (++shown > 12) {
        out << "  ... and " << skip_reasons.size() - 12 << " more reasons (see the JSON report)\n";
        break;
      }
      out << "  " << count << " x " << clip(reason, 300) << '\n';
    }
  }
}

json entry_json(const Entry& e) {
  json j;
  j["id"] = e.id;
  j["op"] = e.row;
  const bool gradient = e.info.kind == conformance::CaseKind::gradient;
  j["kind"] = gradient ? "gradient" : "op";
  j["family"] = gradient ? "grad" : conformance::family_name(e.info.family);
  j["layout"] = gradient ? "" : e.info.layout;
  if (gradient)
    j["description"] = e.info.description;
  j["dtype"] = dtype_name(e.dtype);
  j["status"] = e.ran ? conformance::status_name(e.status) : "not_run";
  j["skip_reason"] = e.ran && e.status == Status::skipped ? json(e.skip_kind) : json(nullptr);
  j["message"] = e.message;
  j["max_error"] = e.max_error && std::isfinite(*e.max_error) ? json(*e.max_error)
                   : e.max_error                              ? json("inf")
                                                              : json(nullptr);
  j["seconds"] = e.seconds;
  j["signal"] = e.signal.empty() ? json(nullptr) : json(e.signal);
  if (!e.output.empty())
    j["output"] = e.output;
  return j;
}

struct RunInfo {
  fs::path candidate_path;
  fs::path reference_path;
  std::optional<Probe> probe;
  std::string reference_version;
  std::string error;  // a setup error: nothing ran
  bool interrupted = false;
};

void write_report(const Options& options, const RunInfo& info, const std::vector<Entry>& entries,
                  std::ostream& err) {
  if (options.json.empty())
    return;
  Counts c;
  for (const Entry& e : entries)
    c.add(e);
  json j;
  j["tool"] = "minitorch-conformance";
  j["version"] = MT_KIT_VERSION;
  j["complete"] = info.error.empty() && !info.interrupted && c.not_run == 0;
  j["interrupted"] = info.interrupted;
  j["error"] = info.error.empty() ? json(nullptr) : json(info.error);
  json cand;
  cand["requested"] = options.backend.empty() ? options.plugin.string() : options.backend;
  cand["path"] = info.candidate_path.string();
  if (info.probe) {
    cand["name"] = info.probe->name;
    cand["version"] = info.probe->version;
    cand["device"] = info.probe->device;
    cand["usable"] = info.probe->usable;
    cand["unusable_reason"] = info.probe->unusable_reason;
  }
  j["candidate"] = cand;
  j["reference"] = {{"path", info.reference_path.string()}, {"version", info.reference_version}};
  json dtypes = json::array();
  for (const DType d :
       options.dtypes.empty() ? std::vector<DType>{DType::f32, DType::f64} : options.dtypes)
    dtypes.push_back(dtype_name(d));
  j["options"] = {{"dtypes", dtypes},
                  {"filter", options.filter},
                  {"timeout_seconds", options.timeout_seconds},
                  {"jobs", options.jobs}};
  j["summary"] = {{"total", entries.size()}, {"passed", c.passed},   {"failed", c.failed},
                  {"skipped", c.skipped},    {"crashed", c.crashed}, {"timed_out", c.timed_out},
                  {"not_run", c.not_run}};
  json cases = json::array();
  for (const Entry& e : entries)
    cases.push_back(entry_json(e));
  j["cases"] = cases;
  try {
    write_file_atomically(options.json, j.dump(2) + "\n");
  } catch (const std::exception& e) {
    err << "minitorch-conformance: cannot write the report: " << e.what() << '\n';
  }
}

}  // namespace

bool filter_matches(const std::string& filter, const std::string& id) {
  if (filter.empty())
    return true;
  std::stringstream list(filter);
  std::string pattern;
  while (std::getline(list, pattern, ',')) {
    // Surrounding blanks are not part of a pattern.
    pattern.erase(0, pattern.find_first_not_of(" \t"));
    pattern.erase(pattern.find_last_not_of(" \t") + 1);
    if (pattern.empty())
      continue;
    if (pattern.find_first_of("*?") != std::string::npos) {
      if (glob_match(pattern.c_str(), id.c_str()))
        return true;
    } else if (id == pattern ||
               (id.size() > pattern.size() && id.compare(0, pattern.size(), pattern) == 0 &&
                id[pattern.size()] == '.')) {
      return true;
    }
  }
  return false;
}

int run_kit(const Options& options, std::ostream& out, std::ostream& err) {
  std::vector<Entry> entries = select_entries(options);
  const std::vector<DType> dtypes =
      options.dtypes.empty() ? std::vector<DType>{DType::f32, DType::f64} : options.dtypes;
  if (options.list) {
    for (const Entry& e : entries)
      out << dtype_name(e.dtype) << ' ' << e.id << '\n';
    out << entries.size() << " cases\n";
    return kExitPassed;
  }

  RunInfo info;
  auto setup_error = [&](const std::string& message) {
    info.error = message;
    err << "minitorch-conformance: " << message << '\n';
    write_report(options, info, {}, err);
    return kExitError;
  };
  if (entries.empty()) {
    if (!options.allow_empty)
      return setup_error("the filter '" + options.filter +
                         "' selects no case (see --list; --allow-empty accepts a run of none)");
    out << "minitorch-conformance: the filter '" << options.filter
        << "' selects no case; nothing ran (allowed by --allow-empty)\n";
    write_report(options, info, {}, err);
    return kExitPassed;
  }

  // The oracle, loaded by name through the registry like any backend (the
  // registry's own search path, checks and load report). It is loaded here,
  // in the parent: it is the project's own plain-loop plugin, starts no
  // threads and holds no device, so children forked later inherit it safely.
  const auto search = default_plugin_search_path();
  BackendRegistry oracle_registry(search);
  BackendPtr reference;
  try {
    reference = oracle_registry.get("reference");
  } catch (const std::exception& e) {
    return setup_error(
        std::string("the reference backend (the oracle every result is compared with) is not "
                    "available: ") +
        e.what() + ". Install MiniTorch with its plugins, or add the folder holding " +
        plugin_file_name("reference") +
        " to MINITORCH_PLUGIN_PATH (searched: " + search_path_text(search) + ").");
  }
  info.reference_path = reference->path();
  info.reference_version = reference->version();

  // The candidate. The kit never asks for it in this process (it is only
  // located here, then probed and run in children): a broken plugin must not
  // take the kit down, and a device runtime initialised here would not
  // survive into the forked children. (The registry loads only the backends
  // asked of it; with a registry that still loads every plugin it scans, the
  // oracle's registry above would load the candidate's file too.)
  if (!options.plugin.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(options.plugin, ec))
      return setup_error("--plugin " + options.plugin.string() + ": no such file");
    info.candidate_path = fs::absolute(options.plugin, ec);
  } else {
    const auto found = find_plugin(search, options.backend);
    if (!found)
      return setup_error("no backend named '" + options.backend + "': no " +
                         plugin_file_name(options.backend) + " in the plugin search path " +
                         search_path_text(search) + " (backends there: " + names_on_path(search) +
                         "). Set MINITORCH_PLUGIN_PATH to the folder holding it, or use --plugin "
                         "PATH.");
    info.candidate_path = *found;
  }
  std::string probe_error;
  bool probe_interrupted = false;
  info.probe = probe(info.candidate_path, options.timeout_seconds, probe_error, probe_interrupted);
  if (probe_interrupted) {
    info.interrupted = true;
    setup_error("interrupted while loading the candidate plugin " + info.candidate_path.string() +
                "; no case ran");
    return kExitInterrupted;
  }
  if (!info.probe)
    return setup_error("cannot load the candidate plugin " + info.candidate_path.string() + ": " +
                       probe_error);
  const Probe& p = *info.probe;

  std::size_t gradient_cases = 0;
  for (const Entry& e : entries)
    gradient_cases += e.info.kind == conformance::CaseKind::gradient ? 1 : 0;
  out << "minitorch-conformance " << MT_KIT_VERSION << '\n'
      << "candidate: " << p.name << ' ' << p.version << " [" << p.device << "] "
      << info.candidate_path.string() << '\n'
      << "           "
      << (p.usable ? std::string("usable") : "NOT USABLE here: " + p.unusable_reason) << '\n'
      << "oracle:    reference " << reference->version() << ' ' << info.reference_path.string()
      << " (f64)\n"
      << "cases:     " << entries.size() << " (" << entries.size() - gradient_cases << " op, "
      << gradient_cases << " gradient) in";
  for (const DType d : dtypes)
    out << ' ' << dtype_name(d);
  out << "; each in its own process, time limit " << options.timeout_seconds << " s, "
      << options.jobs << (options.jobs == 1 ? " job" : " jobs") << "\n\n"
      << std::flush;

  const std::vector<std::size_t> to_run = plan_skips(entries, p);
  const bool progress = ::isatty(STDERR_FILENO) == 1;
  std::size_t done = 0;
  const auto started = std::chrono::steady_clock::now();
  info.interrupted = !run_in_children(
      to_run.size(),
      [&](std::size_t k) { return case_task(entries[to_run[k]], info.candidate_path, reference); },
      options.jobs, options.timeout_seconds,
      [&](std::size_t k, const ChildOutcome& o) {
        record_outcome(entries[to_run[k]], o, options.timeout_seconds);
        if (progress && (++done % 16 == 0 || done == to_run.size()))
          err << "\r[" << done << '/' << to_run.size() << "] " << std::flush;
      });
  if (progress)
    err << "\r" << std::string(24, ' ') << "\r" << std::flush;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  print_table(out, entries, dtypes);
  print_details(out, entries);
  Counts total;
  for (const Entry& e : entries)
    total.add(e);
  out << '\n';
  if (info.interrupted)
    out << "interrupted: the cases marked not run did not run\n";
  out << std::fixed << std::setprecision(1) << "backend " << p.name << ": " << entries.size()
      << " cases in " << elapsed << " s\n"
      << std::defaultfloat << summary_line(total) << '\n';
  // Skipped is never passed: a run in which no case ran (an unusable
  // backend, everything unsupported) proves nothing, and says so.
  const int ran = total.passed + total.failed + total.crashed + total.timed_out;
  if (ran == 0 && !info.interrupted) {
    out << (options.allow_empty ? "nothing ran: every selected case was skipped (allowed by "
                                  "--allow-empty)\n"
                                : "nothing ran: every selected case was skipped, so nothing is "
                                  "proven (exit 3; --allow-empty accepts this)\n");
  }
  write_report(options, info, entries, err);
  if (info.interrupted)
    return kExitInterrupted;
  if (!total.clean())
    return kExitFailures;
  return ran == 0 && !options.allow_empty ? kExitNothingRan : kExitPassed;
}

}  // namespace mt::kit
