// SPDX-License-Identifier: BSD-3-Clause
// Connecting to pg_conninfo's hosts one at a time, within the store's deadline. libpq's own
// walk through a host list moves on only when a host refuses or fails, never when it is silent,
// so a frozen first host would use up the whole deadline; and it resolves each name with a
// blocking getaddrinfo() (see pg_resolve.h). Here each host gets a fair share of what is left of
// the deadline (its lookup and its connect together), and is handed to libpq with its numeric
// address (hostaddr) beside its name (host, which verify-full checks the certificate against).
// Internal to the PostgreSQL plugin.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/postgresql/pg_connection.h"
#include "common/postgresql/pg_conninfo.h"
#include "common/postgresql/pg_resolve.h"
#include "common/result.h"

namespace sshotp::pg {

class Connector {
 public:
  // Checks pg_conninfo (pg_conninfo.h) and starts looking up its host names, all at once, so
  // that a later host's lookup is done by the time an earlier one has had its turn. May throw
  // (a thread that cannot start): the plugin's guarded() turns that into an error.
  static Result<Connector> prepare(const std::string& conninfo);

  // A new connection to the first host that takes one, trying first the host that answered
  // last time (a login connects twice: before and after the prompt). `deadline` is charged
  // for the time spent.
  Result<std::unique_ptr<Connection>> connect(Deadline& deadline);

 private:
  ConnectPlan plan_;
  std::vector<std::optional<HostLookup>> lookups_;  // per host: absent for sockets, hostaddr
  std::size_t first_ = 0;
};

// One connection, for a command that needs just one (`db init`, `db check`): prepare() and
// connect() in one step.
Result<std::unique_ptr<Connection>> connect_once(const std::string& conninfo, Deadline& deadline);

}  // namespace sshotp::pg
