// SPDX-License-Identifier: BSD-3-Clause
// pg-probe: where a fleet login's time goes, measured on the benchmark's own server, directly and
// through PgBouncer: each phase of libpq's connection (TCP connect, TLS with the client
// certificate, startup and certificate authentication up to ReadyForQuery, seen as the states
// PQconnectPoll passes through, as the store's non-blocking connect sees them), the answer to a
// bare SSLRequest on a new socket (directly: the postmaster's fork of a backend, which answers
// it; through PgBouncer: no fork), an empty query (one round trip), and each statement of the
// store's login transactions, each on a new connection, sent as the store sends them (the BEGIN and
// schema check as one simple query; the rest as unnamed extended-protocol statements, binary
// results).
//   pg-probe [--iterations N] [--results FILE] --user NAME VIA=CONNINFO...
// Exit status 0; 2 if a connection or a statement fails.
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "bench/anchor.h"
#include "bench/results.h"
#include "common/postgresql/pg_login_sql.h"

namespace {

using sshotp::bench::die;

using namespace sshotp::pg;  // the store's own statements (pg_login_sql.h)
const std::string kBeginReadBatch = std::string(kBeginRead) + "; " + kSchemaCheck;
const std::string kBeginWriteBatch = std::string(kBeginWrite) + "; " + kSchemaCheck;

std::int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

using Samples = std::map<std::string, std::vector<std::int64_t>>;

// A connection made as the store makes it (PQconnectStart and PQconnectPoll), the time of each
// state change kept: TCP until the socket is connected, TLS from the SSLRequest until the
// startup packet is sent, startup from there to ReadyForQuery.
PGconn* connect_timed(const std::string& conninfo, Samples& s) {
  const std::int64_t t0 = now_ns();
  PGconn* conn = PQconnectStart(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD)
    die("pg-probe: cannot start a connection");
  std::int64_t made = 0, tls = 0, sent = 0;
  for (PostgresPollingStatusType st = PGRES_POLLING_WRITING; st != PGRES_POLLING_OK;) {
    if (st == PGRES_POLLING_FAILED) die(std::string("pg-probe: ") + PQerrorMessage(conn));
    pollfd fd{PQsocket(conn), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT),
              0};
    if (poll(&fd, 1, 10000) <= 0) die("pg-probe: connection timed out");
    st = PQconnectPoll(conn);
    const std::int64_t t = now_ns();
    const ConnStatusType c = PQstatus(conn);
    if (made == 0 && c != CONNECTION_STARTED) made = t;
    if (tls == 0 && c == CONNECTION_SSL_STARTUP) tls = made;
    if (sent == 0 && c == CONNECTION_AWAITING_RESPONSE) sent = t;
  }
  const std::int64_t done = now_ns();
  if (PQsslInUse(conn) != 1 || sent == 0) die("pg-probe: the connection is not over TLS");
  s["tcp"].push_back(made - t0);
  s["tls"].push_back(sent - (tls ? tls : made));
  s["startup"].push_back(done - sent);
  s["connect"].push_back(done - t0);
  return conn;
}

// A bare SSLRequest on a new TCP socket, timed to the server's one-byte answer.
void sslrequest_timed(const std::string& host, int port, Samples& s) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (fd < 0 || inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) die("pg-probe: socket");
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("pg-probe: connect");
  const unsigned char request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};  // 80877103
  char answer = 0;
  const std::int64_t t0 = now_ns();
  if (write(fd, request, sizeof request) != static_cast<ssize_t>(sizeof request) ||
      read(fd, &answer, 1) != 1 || answer != 'S') {
    die("pg-probe: the server did not accept an SSLRequest");
  }
  s["sslrequest"].push_back(now_ns() - t0);
  close(fd);
}

// One statement, timed; `params` empty sends it as a simple query (the BEGIN batch).
void run(PGconn* conn, const std::string& step, const std::string& sql,
         const std::vector<std::string>& params, Samples* s) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  const std::int64_t t0 = now_ns();
  PGresult* last = nullptr;
  const int sent = params.empty()
                       ? PQsendQuery(conn, sql.c_str())
                       : PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.size()),
                                           nullptr, values.data(), nullptr, nullptr, 1);
  if (sent != 1) die(std::string("pg-probe: ") + PQerrorMessage(conn));
  bool failed = false;
  while (PGresult* r = PQgetResult(conn)) {
    const auto st = PQresultStatus(r);
    failed = failed || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY);
    PQclear(last);
    last = r;
  }
  const std::int64_t took = now_ns() - t0;
  if (failed) die("pg-probe: " + step + ": " + PQerrorMessage(conn));
  PQclear(last);
  if (s != nullptr) (*s)[step].push_back(took);
}

void finish_timed(PGconn* conn, Samples& s) {
  const std::int64_t t0 = now_ns();
  PQfinish(conn);
  s["close"].push_back(now_ns() - t0);
}

// A login's transactions, each on a connection of its own as the store makes them (a new
// backend's first statement pays for its catalog caches, every login's does too).
void iteration(const std::string& conninfo, const std::string& host, int port,
               const std::string& user, long i, Samples& s) {
  sslrequest_timed(host, port, s);
  const std::string step = std::to_string(4000000000LL + i);  // above any step the runs used
  const std::string now = std::to_string(1700000000LL + i);
  // The look before the prompt, rolled back before the close (pg_store.cc's SessionTransaction:
  // through PgBouncer a client leaving mid-transaction would cost its server connection).
  PGconn* conn = connect_timed(conninfo, s);
  run(conn, "begin_read", kBeginReadBatch, {}, &s);
  run(conn, "find", kFindEnrollment, {user}, &s);
  run(conn, "rollback", "ROLLBACK", {}, &s);
  finish_timed(conn, s);
  // The check-and-consume of an accepted code; then one empty query, a bare round trip.
  conn = connect_timed(conninfo, s);
  run(conn, "begin_write", kBeginWriteBatch, {}, &s);
  run(conn, "find_for_update", kFindEnrollmentForUpdate, {user}, &s);
  run(conn, "consume", kConsumeStep, {user, step, now, "pg-probe"}, &s);
  run(conn, "commit", "COMMIT", {}, &s);
  run(conn, "rtt", "", {}, &s);
  finish_timed(conn, s);
  // A refusal: the same, with the failure counted instead.
  conn = connect_timed(conninfo, s);
  run(conn, "begin_write_refusal", kBeginWriteBatch, {}, &s);
  run(conn, "find_for_update_refusal", kFindEnrollmentForUpdate, {user}, &s);
  run(conn, "record_failure", kRecordFailure, {user, "100", "60", now, "3600"}, &s);
  run(conn, "commit_refusal", "COMMIT", {}, &s);
  finish_timed(conn, s);
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 50;
  std::string results_path;
  std::string user;
  std::vector<std::pair<std::string, std::string>> targets;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--iterations" && i + 1 < argc) {
      iterations = std::strtol(argv[++i], nullptr, 10);
    } else if (arg == "--results" && i + 1 < argc) {
      results_path = argv[++i];
    } else if (arg == "--user" && i + 1 < argc) {
      user = argv[++i];
    } else if (arg.find('=') != std::string::npos && arg.rfind("--", 0) != 0) {
      targets.emplace_back(arg.substr(0, arg.find('=')), arg.substr(arg.find('=') + 1));
    } else {
      die("usage: pg-probe [--iterations N] [--results FILE] --user NAME VIA=CONNINFO...");
    }
  }
  if (iterations <= 0 || user.empty() || targets.empty()) die("pg-probe: nothing to probe");
  const sshotp::bench::Results results(results_path);
  std::printf("\nwhere the time goes (%ld iterations), microseconds: p50 / p99\n", iterations);
  for (const auto& [via, conninfo] : targets) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (options == nullptr) die("pg-probe: bad conninfo for " + via);
    std::string host;
    int port = 5432;
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      if (std::strcmp(o->keyword, "host") == 0 || std::strcmp(o->keyword, "hostaddr") == 0)
        host = o->val;
      if (std::strcmp(o->keyword, "port") == 0) port = std::atoi(o->val);
    }
    PQconninfoFree(options);
    Samples samples;
    for (long i = 0; i < iterations; ++i) iteration(conninfo, host, port, user, i, samples);
    for (const auto& [step, ns] : samples) {
      const sshotp::bench::Tail t = sshotp::bench::tail_of(ns);
      std::printf("  %-10s %-16s %9.1f / %9.1f\n", via.c_str(), step.c_str(), t.p50_us, t.p99_us);
      results.add({"probe", via, step, std::to_string(t.n),
                   sshotp::bench::format_number(t.p50_us, 1),
                   sshotp::bench::format_number(t.p99_us, 1)});
    }
  }
  return 0;
}
