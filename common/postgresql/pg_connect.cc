// SPDX-License-Identifier: BSD-3-Clause
// Connecting host by host (see pg_connect.h).
//
// Why a fair share, one host at a time, rather than staggered attempts (a next host started
// while an earlier one is still silent, as in Happy Eyeballs): a login that runs in time opens
// exactly one backend, never one per listed host, and the code stays one poll loop. The price
// is that a frozen host costs its share (pg_timeout_ms / hosts) before the next is tried; with
// the default 3000 ms and two hosts that is 1.5 s, well within a login. The host that answered
// is tried first the next time, so the login's second connection (after the prompt) does not
// pay for a frozen first host again.
#include "common/postgresql/pg_connect.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace sshotp::pg {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds until `end`, and never more than the deadline leaves.
int ms_until(Clock::time_point end, const Deadline& deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, deadline.remaining_ms()));
}

Clock::time_point share_of(const Deadline& deadline, Clock::time_point end, std::size_t ways) {
  return Clock::now() + std::chrono::milliseconds(ms_until(end, deadline) / static_cast<int>(ways));
}

// One connection attempt through libpq's non-blocking API, given up at `end`. PQconnectPoll's
// contract: start as if it had asked to write, then wait for what it asks, on whatever socket
// it has now.
Result<PgConn> attempt(const std::vector<const char*>& keywords,
                       const std::vector<const char*>& values, Clock::time_point end,
                       const Deadline& deadline, const std::string& label) {
  const int share = ms_until(end, deadline);
  PgConn conn(PQconnectStartParams(keywords.data(), values.data(), 0));
  if (!conn) return make_error(Errc::unavailable, "out of memory");
  PostgresPollingStatusType polled =
      PQstatus(conn.get()) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (polled != PGRES_POLLING_OK) {
    if (polled == PGRES_POLLING_FAILED) {
      return make_error(Errc::unavailable,
                        label + ": " + libpq_message(PQerrorMessage(conn.get())));
    }
    // No socket while libpq says to wait would be a wait for nothing, until the deadline.
    const int socket = PQsocket(conn.get());
    if (socket < 0) return make_error(Errc::unavailable, label + ": libpq has no socket");
    pollfd fd{socket, polled == PGRES_POLLING_READING ? short{POLLIN} : short{POLLOUT}, 0};
    const int remaining = ms_until(end, deadline);
    const int ready = remaining > 0 ? poll(&fd, 1, remaining) : 0;
    if (ready < 0 && errno == EINTR) continue;  // a signal: nothing happened on the socket
    if (ready < 0) {
      return make_error(Errc::unavailable, label + ": poll: " + std::strerror(errno));
    }
    if (ready == 0 && ms_until(end, deadline) == 0) {
      return make_error(Errc::unavailable, label + ": connecting timed out after " +
                                               std::to_string(share) + " ms (its share of " +
                                               std::to_string(deadline.timeout_ms()) +
                                               " ms, pg_timeout_ms)");
    }
    if (ready > 0) polled = PQconnectPoll(conn.get());
  }
  if (PQsetnonblocking(conn.get(), 1) != 0) {
    return make_error(Errc::unavailable, label + ": " + libpq_message(PQerrorMessage(conn.get())));
  }
  return conn;
}

}  // namespace

Result<Connector> Connector::prepare(const std::string& conninfo) {
  auto plan = plan_connection(conninfo);
  if (!plan) return std::move(plan).error();
  Connector connector;
  connector.plan_ = std::move(plan).value();
  for (const HostEntry& entry : connector.plan_.hosts) {
    const bool named = entry.hostaddr.empty() && !entry.host.empty() && entry.host[0] != '/' &&
                       entry.host[0] != '@';
    connector.lookups_.emplace_back();
    if (named) connector.lookups_.back().emplace(entry.host);
  }
  return connector;
}

Result<std::unique_ptr<Connection>> Connector::connect(Deadline& deadline) {
  const Deadline::Call call(deadline);
  const std::size_t hosts = plan_.hosts.size();
  std::string failures;
  const auto note = [&failures](const Error& error) {
    failures += (failures.empty() ? "" : "; ") + error.message;
  };
  for (std::size_t tried = 0; tried < hosts && deadline.remaining_ms() > 0; ++tried) {
    const std::size_t index = (first_ + tried) % hosts;
    const HostEntry& entry = plan_.hosts[index];
    const auto host_end = share_of(deadline, Clock::time_point::max(), hosts - tried);
    // The addresses to hand libpq: the looked-up ones, or else the admin's hostaddr (or none).
    std::vector<std::string> addresses{entry.hostaddr};
    if (lookups_[index]) {
      auto found = lookups_[index]->addresses(ms_until(host_end, deadline));
      if (!found) {
        note(found.error());
        continue;
      }
      addresses = std::move(found).value();
    }
    for (std::size_t i = 0; i < addresses.size(); ++i) {
      std::vector<const char*> keywords;
      std::vector<const char*> values;
      for (const auto& [key, value] : plan_.settings) {
        keywords.push_back(key.c_str());
        values.push_back(value.c_str());
      }
      const std::pair<const char*, const std::string&> place[] = {
          {"host", entry.host}, {"hostaddr", addresses[i]}, {"port", entry.port}};
      for (const auto& [key, value] : place) {
        if (value.empty()) continue;
        keywords.push_back(key);
        values.push_back(value.c_str());
      }
      keywords.push_back(nullptr);
      values.push_back(nullptr);
      const std::string label =
          "host " + (entry.host.empty() ? std::string("(default)") : entry.host) +
          (addresses[i].empty() || addresses[i] == entry.host ? "" : " (" + addresses[i] + ")") +
          (entry.port.empty() ? "" : " port " + entry.port);
      auto conn = attempt(keywords, values, share_of(deadline, host_end, addresses.size() - i),
                          deadline, label);
      if (conn) {
        first_ = index;
        return std::make_unique<Connection>(std::move(conn).value(), deadline);
      }
      note(conn.error());
    }
  }
  if (deadline.remaining_ms() == 0) {
    note(make_error(Errc::unavailable,
                    "pg_timeout_ms (" + std::to_string(deadline.timeout_ms()) + " ms) used up"));
  }
  return make_error(Errc::unavailable, "postgresql: no host took the connection: " + failures);
}

Result<std::unique_ptr<Connection>> connect_once(const std::string& conninfo, Deadline& deadline) {
  auto connector = Connector::prepare(conninfo);
  if (!connector) return std::move(connector).error();
  return connector->connect(deadline);
}

}  // namespace sshotp::pg
