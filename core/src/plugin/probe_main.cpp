// probe_main.cpp — minitorch-plugin-probe PATH NAME: loads one plugin file in
// this short-lived process on libminitorch's behalf, so that a plugin which
// crashes, hangs or exits takes down only the probe. Reports on fd 3 (see
// probe_format.hpp); the plugin's own prints go to stdout/stderr, which the
// host captures. Not a user tool: `minitorch backends` is the user's view.
#include "plugin_open.hpp"
#include "probe_format.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace {

void say(const std::string& line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(mt::plugin::kProbeResultFd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      std::_Exit(3);  // the host is gone: nobody to report to
    done += static_cast<std::size_t>(n);
  }
}

void stage(const char* name) {
  say(std::string("stage ") + name);
}

mt::plugin::ProbeVerdict probe(const char* path, const char* expected_name) {
  mt::plugin::ProbeVerdict v;
  mt::plugin::OpenedPlugin plugin;
  try {
    plugin = mt::plugin::open_plugin(path, expected_name, stage);
  } catch (const mt::plugin::OpenFailure& e) {
    v.reason = e.what();
    return v;
  }
  const mt_backend* t = plugin.table;
  v.loadable = true;
  v.name = t->name;
  v.version = t->version ? t->version : "";
  v.device = t->device_kind;
  if (t->struct_size >= MT_BACKEND_SIZE_THROUGH(is_usable) && t->is_usable) {
    stage("is_usable");
    std::array<char, 512> reason{};
    v.usable = t->is_usable(t->context, reason.data(), reason.size()) == 1;
    reason.back() = '\0';
    if (!v.usable)
      v.unusable_reason =
          reason[0] ? reason.data() : "plugin reported not usable (no reason given)";
    else
      v.note = reason.data();  // optional configuration note (plugin_abi.h, is_usable)
  } else {
    v.unusable_reason = "plugin has no is_usable slot";
  }
  if (v.usable && t->struct_size >= MT_BACKEND_SIZE_THROUGH(supports) && t->supports) {
    stage("supports");
    for (int32_t family = 0; family < MT_FAMILY_COUNT; ++family)
      for (int32_t op = 0; op < mt::plugin::op_count(family); ++op)
        for (int32_t dtype = 0; dtype < MT_DTYPE_COUNT; ++dtype)
          if (t->supports(t->context, family, op, dtype) == 1)
            v.supports.set(family, op, dtype);
  }
  // Never unloaded: its static destructors run at exit (below), as in a host.
  static auto* keep = new mt::plugin::OpenedPlugin(std::move(plugin));
  (void)keep;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || ::fcntl(mt::plugin::kProbeResultFd, F_GETFD) < 0) {
    std::fprintf(stderr,
                 "usage: minitorch-plugin-probe PLUGIN_FILE BACKEND_NAME\n"
                 "Run by libminitorch to probe a plugin in a child process; it reports on file "
                 "descriptor %d. To see what it finds, run `minitorch backends --reprobe`.\n",
                 mt::plugin::kProbeResultFd);
    return 2;
  }
  stage("start");
  const mt::plugin::ProbeVerdict verdict = probe(argv[1], argv[2]);
  say("result " + mt::plugin::verdict_to_json(verdict).dump());
  stage("exit");
  std::fflush(nullptr);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // In a sanitizer build (MT_SANITIZE) leak and race reports at exit are the
  // test suites' business; they must not become this plugin's verdict.
  std::_Exit(0);
#else
  // A plugin whose static destructors crash would crash every host at exit:
  // a normal exit lets the host see that too.
  return 0;
#endif
}
