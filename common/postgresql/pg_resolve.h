// SPDX-License-Identifier: BSD-3-Clause
// Looking a database host's name up within the login's deadline. libpq resolves names with a
// blocking getaddrinfo() inside PQconnectPoll, which no deadline of ours can interrupt: a dead
// resolver would hold a login for the resolver's own timeouts (resolv.conf's, seconds times
// attempts times servers). So the plugin resolves names itself, on a thread of its own, waits for
// the answer only as long as the deadline allows, and hands libpq the numeric addresses
// (hostaddr), keeping the name (host) for verify-full's certificate check. A lookup that is not
// waited for finishes on its own thread and frees its own state: nothing is left to clean up.
// Internal to the PostgreSQL plugin.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace sshotp::pg {

class HostLookup {
 public:
  // Starts looking `name` up (a numeric address answers at once, with no thread). May throw
  // (std::system_error, std::bad_alloc): the plugin's guarded() turns that into an error.
  explicit HostLookup(const std::string& name);

  // The addresses of the name in getaddrinfo()'s order, numeric, waiting at most `timeout_ms`
  // for them; the answer is kept, so a later call returns at once.
  Result<std::vector<std::string>> addresses(int timeout_ms);

 private:
  struct Shared;
  std::string name_;
  std::shared_ptr<Shared> shared_;  // also held by the lookup's thread until it ends
};

}  // namespace sshotp::pg
