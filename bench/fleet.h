// SPDX-License-Identifier: BSD-3-Clause
// The fleet benchmark (bench/fleet.sh runs it): pam_sshotp hosts on one PostgreSQL store,
// directly over TLS with client certificates and through PgBouncer, beside a SQLite host, through
// the real libpam. Per-login latency and throughput at P workers, at 1k and 1M enrolled users;
// cross-host contention on a few hot users, checked against the database afterwards.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/anchor.h"
#include "bench/phases.h"
#include "common/store.h"

namespace sshotp::bench {

// One host of the fleet: its name in the report, how it reaches the store, the built plugin and
// the fleet's key file (shared by every host).
struct FleetHost {
  std::string name;
  std::string conninfo;
  std::string plugin;
  std::string key_file;
};

std::unique_ptr<Anchor> make_fleet_anchor(const FleetHost& host, const std::string& dir,
                                          const std::string& module);
// The user's row as the store holds it now (a fleet anchor only).
std::optional<Enrollment> fleet_stored(Anchor& anchor, std::size_t index);

// Latency (p50, p99) and calls/s of the success and wrong paths, interleaved, at each P, for
// the SQLite host and each fleet host, at each size (users enrolled in each store).
void run_fleet_latency(const Context& ctx, const std::vector<FleetHost>& hosts,
                       const std::vector<std::size_t>& sizes, const std::vector<int>& workers,
                       std::size_t calls);
// For each count in `processes`: that many processes, taking turns between the hosts (two at
// least), on a few hot users for `rounds` steps (fewer if max_failures needs it).
void run_fleet_contention(const Context& ctx, const std::vector<FleetHost>& hosts,
                          const std::vector<int>& processes, int rounds);
}  // namespace sshotp::bench
