// SPDX-License-Identifier: BSD-3-Clause
// sshotp-bench: the benchmark driver behind bench/run.sh (see bench/README.md). It times
// pam_sshotp against google-authenticator, pam_oath and pam_permit through the real libpam.
// Exit status: 0, 1 on a functional failure (a call that returned the wrong PAM code, a lost
// update or failure of pam_sshotp under concurrency), 2 on a usage or setup error. Never on
// timing.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/fleet.h"
#include "bench/phases.h"

namespace {

using namespace sshotp::bench;

constexpr const char* kUsage =
    "usage: sshotp-bench [--work DIR] [--module PAM_SSHOTP_SO] [--pam-once PATH]\n"
    "                    [--results FILE] COMMAND [OPTIONS]\n"
    "  latency  [--iterations N] [--paths success,wrong,replay,unenrolled] [--label NAME]\n"
    "  cold     [--iterations N] [--paths success,wrong]\n"
    "  scale    [--sizes 1000,10000,100000,1000000] [--iterations N]\n"
    "  parallel [--workers 1,2,4,8] [--calls N]\n"
    "  once     --anchor NAME --path PATH [--calls N]     (run under callgrind, strace)\n"
    "  fsync    [--iterations N]                          (4 KiB write + fdatasync)\n"
    "  fleet      FLEET [--sizes 1000,1000000] [--workers 1,8] [--calls N]\n"
    "  contention FLEET [--processes 2,8,32] [--rounds N]\n"
    "    FLEET: --plugin SO --key-file FILE --direct CONNINFO [--bouncer CONNINFO]\n"
    "  report   RESULTS_FILE                              (markdown on stdout)\n";

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "sshotp-bench: %s\n%s", what.c_str(), kUsage);
  std::exit(2);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

long parse_count(const std::string& text) {
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || n <= 0) usage_error("not a positive number: " + text);
  return n;
}

std::vector<Path> parse_paths(const std::string& text) {
  std::vector<Path> paths;
  for (const std::string& name : split_list(text)) {
    const auto path = parse_path(name);
    if (!path) usage_error("unknown path: " + name);
    paths.push_back(*path);
  }
  return paths;
}

// --name value pairs after the command; anything else is an error.
std::map<std::string, std::string> parse_options(int argc, char** argv, int first) {
  std::map<std::string, std::string> options;
  for (int i = first; i < argc; i += 2) {
    const std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) usage_error("bad option: " + name);
    options[name.substr(2)] = argv[i + 1];
  }
  return options;
}

std::string option(const std::map<std::string, std::string>& options, const std::string& name,
                   const std::string& fallback) {
  const auto found = options.find(name);
  return found == options.end() ? fallback : found->second;
}

// Six hours: see start_rounds_ahead_of_real_time.
constexpr std::int64_t kFleetClockAhead = 6 * 3600;

// The fleet hosts of the fleet and contention commands: PostgreSQL direct, and through
// PgBouncer when it is given.
std::vector<FleetHost> fleet_hosts(const std::map<std::string, std::string>& options) {
  const std::string plugin = option(options, "plugin", "");
  const std::string key_file = option(options, "key-file", "");
  const std::string direct = option(options, "direct", "");
  if (plugin.empty() || key_file.empty() || direct.empty()) {
    usage_error("the fleet needs --plugin, --key-file and --direct");
  }
  std::vector<FleetHost> hosts{{"pg-direct", direct, plugin, key_file}};
  const std::string bouncer = option(options, "bouncer", "");
  if (!bouncer.empty()) hosts.push_back({"pgbouncer", bouncer, plugin, key_file});
  return hosts;
}

}  // namespace

int main(int argc, char** argv) {
  Context ctx;
  std::string results_path;
  int i = 1;
  for (; i + 1 < argc && std::string(argv[i]).rfind("--", 0) == 0; i += 2) {
    const std::string name = argv[i];
    if (name == "--work") {
      ctx.work = argv[i + 1];
    } else if (name == "--module") {
      ctx.module = argv[i + 1];
    } else if (name == "--pam-once") {
      ctx.pam_once = argv[i + 1];
    } else if (name == "--results") {
      results_path = argv[i + 1];
    } else {
      usage_error("unknown option " + name);
    }
  }
  if (i >= argc) usage_error("no command");
  const std::string command = argv[i];
  if (command == "report") {
    if (i + 2 != argc) usage_error("report takes one results file");
    return run_report(argv[i + 1]);
  }
  const auto options = parse_options(argc, argv, i + 1);
  if (ctx.work.empty() || ctx.module.empty()) usage_error("--work and --module are required");
  ctx.results = Results(results_path);
  make_private_dir(ctx.work);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  if (command == "latency") {
    run_latency(ctx, parse_paths(option(options, "paths", "success,wrong,replay,unenrolled")),
                static_cast<int>(parse_count(option(options, "iterations", "200"))),
                option(options, "label", "fsync"));
  } else if (command == "cold") {
    if (ctx.pam_once.empty()) usage_error("cold needs --pam-once");
    run_cold(ctx, parse_paths(option(options, "paths", "success,wrong")),
             static_cast<int>(parse_count(option(options, "iterations", "50"))));
  } else if (command == "scale") {
    std::vector<std::size_t> sizes;
    for (const auto& s : split_list(option(options, "sizes", "1000,10000,100000,1000000"))) {
      sizes.push_back(static_cast<std::size_t>(parse_count(s)));
    }
    run_scale(ctx, sizes, static_cast<int>(parse_count(option(options, "iterations", "30"))));
  } else if (command == "parallel") {
    std::vector<int> workers;
    for (const auto& w : split_list(option(options, "workers", "1,2,4,8"))) {
      workers.push_back(static_cast<int>(parse_count(w)));
    }
    run_parallel(ctx, workers,
                 static_cast<std::size_t>(parse_count(option(options, "calls", "1000"))));
  } else if (command == "fsync") {
    run_fsync_probe(ctx, static_cast<int>(parse_count(option(options, "iterations", "100"))));
  } else if (command == "fleet") {
    start_rounds_ahead_of_real_time(kFleetClockAhead);
    std::vector<std::size_t> sizes;
    for (const auto& n : split_list(option(options, "sizes", "1000,1000000"))) {
      sizes.push_back(static_cast<std::size_t>(parse_count(n)));
    }
    std::vector<int> workers;
    for (const auto& w : split_list(option(options, "workers", "1,8"))) {
      workers.push_back(static_cast<int>(parse_count(w)));
    }
    run_fleet_latency(ctx, fleet_hosts(options), sizes, workers,
                      static_cast<std::size_t>(parse_count(option(options, "calls", "500"))));
  } else if (command == "contention") {
    start_rounds_ahead_of_real_time(kFleetClockAhead);
    std::vector<int> processes;
    for (const auto& p : split_list(option(options, "processes", "2,8,32"))) {
      processes.push_back(static_cast<int>(parse_count(p)));
    }
    run_fleet_contention(ctx, fleet_hosts(options), processes,
                         static_cast<int>(parse_count(option(options, "rounds", "12"))));
  } else if (command == "once") {
    const auto path = parse_path(option(options, "path", ""));
    if (!path) usage_error("once needs --path success|wrong|replay|unenrolled");
    run_once(ctx, option(options, "anchor", ""), *path,
             static_cast<int>(parse_count(option(options, "calls", "5"))));
  } else {
    usage_error("unknown command " + command);
  }
  if (functional_failures() > 0) {
    std::fprintf(stderr, "sshotp-bench %s: %d functional failure(s)\n", command.c_str(),
                 functional_failures());
    return 1;
  }
  return 0;
}
