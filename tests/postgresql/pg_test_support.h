// SPDX-License-Identifier: BSD-3-Clause
// What the C++ PostgreSQL tests share: the server that tests/postgresql/pg_test_lib.sh started
// (its conninfo strings in the environment), SQL run as its superuser behind the store's back
// (blocking libpq is fine in a test), and a store opened on it.
#pragma once

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/postgresql/pg_store.h"
#include "tests/support/cmocka.h"

namespace sshotp::test {

// A loopback port of our own: bound, so nobody else takes it while the test runs.
struct LoopbackPort {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int port = 0;
  LoopbackPort() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    assert_int_equal(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
    assert_int_equal(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
  }
  ~LoopbackPort() { close(fd); }
  LoopbackPort(const LoopbackPort&) = delete;
  LoopbackPort& operator=(const LoopbackPort&) = delete;
};

// Accepts connections into its backlog and never answers: a frozen server.
struct SilentServer : LoopbackPort {
  SilentServer() { assert_int_equal(listen(fd, 16), 0); }
  // How many connections wait in its backlog: for a listening socket, Linux reports the accept
  // queue's length as TCP_INFO's tcpi_unacked.
  unsigned pending() const {
    tcp_info info{};
    socklen_t len = sizeof info;
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
    return info.tcpi_unacked;
  }
};

// Nothing listens: a connection is refused at once, as by a host that is down.
using ClosedPort = LoopbackPort;

// The conninfo with `key=value` replaced (or appended).
inline std::string with_setting(std::string conninfo, const std::string& key,
                                const std::string& value) {
  const auto at = conninfo.find(key + "=");
  if (at == std::string::npos) return conninfo + " " + key + "=" + value;
  const auto end = conninfo.find(' ', at);
  return conninfo.replace(at, end - at, key + "=" + value);
}

// The value of `key` in the conninfo ("" if absent).
inline std::string setting_of(const std::string& conninfo, const std::string& key) {
  const auto at = conninfo.find(key + "=");
  if (at == std::string::npos) return "";
  const auto from = at + key.size() + 1;
  return conninfo.substr(from, conninfo.find(' ', from) - from);
}

// The host role over TLS, as the module would log in.
inline std::string pg_host_conninfo() {
  const char* conninfo = std::getenv("SSHOTP_TEST_PG_CONNINFO");
  if (conninfo == nullptr)
    fail_msg("SSHOTP_TEST_PG_CONNINFO is not set (run under pg_test_lib.sh)");
  return conninfo;
}

// Runs SQL as the superuser over the server's socket; returns the first value of the first row.
inline std::string pg_super_sql(const std::string& sql) {
  const char* conninfo = std::getenv("SSHOTP_TEST_PG_SUPER");
  if (conninfo == nullptr) fail_msg("SSHOTP_TEST_PG_SUPER is not set (run under pg_test_lib.sh)");
  PGconn* conn = PQconnectdb(conninfo);
  PGresult* r = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  std::string value;
  if (status == PGRES_TUPLES_OK && PQntuples(r) > 0) value = PQgetvalue(r, 0, 0);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    print_error("%s: %s", sql.c_str(), PQerrorMessage(conn));
  }
  PQclear(r);
  PQfinish(conn);
  assert_true(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK);
  return value;
}

// Every row gone, the counters back to zero: a fresh store for the next test.
inline void pg_reset_store() {
  pg_super_sql(
      "TRUNCATE sshotp.enrollments, sshotp.recovery_codes, sshotp.pending_enrollments,"
      " sshotp.key_check; UPDATE sshotp.store_meta SET value = 0");
}

// The store opened and connected: it connects at each begin_*(), so a read transaction proves it.
inline Result<std::unique_ptr<Store>> pg_open_connected(const std::string& conninfo,
                                                        unsigned timeout_ms) {
  auto store = pg::open_store({conninfo, timeout_ms, false});
  if (!store) return store;
  auto txn = (*store)->begin_read();
  if (!txn) return std::move(txn).error();
  return store;
}

// A short pg_timeout_ms, and the scheduling slack on a loaded 2-core machine: a bound is kept if
// the refusal comes within both.
inline constexpr unsigned kPgShortMs = 400;
inline constexpr auto kPgSlack = std::chrono::milliseconds(700);

// An enrollment whose secret is never opened: for the store's own behaviour.
inline Enrollment pg_sample(const std::string& user) {
  Enrollment e;
  e.user = user;
  e.sealed_secret.assign(40, 0x5a);
  e.created_at = 1700000000;
  return e;
}

inline std::unique_ptr<Store> pg_open_ok(unsigned timeout_ms = 3000,
                                         const std::string& conninfo = pg_host_conninfo()) {
  auto store = pg_open_connected(conninfo, timeout_ms);
  if (!store) print_error("open: %s\n", store.error().message.c_str());
  assert_true(store.ok());
  return std::move(store).value();
}

}  // namespace sshotp::test
