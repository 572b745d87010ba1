// SPDX-License-Identifier: BSD-3-Clause
// One libpq connection driven only through libpq's non-blocking API (PQconnectStartParams and
// PQconnectPoll in pg_connect.cc; PQsendQueryParams, PQflush and PQconsumeInput here), every
// wait a poll() bounded by one Deadline. libpq's own time limits are no bound for a login:
// connect_timeout applies per host (and is ignored by PQconnectPoll), and statement_timeout is the
// server's, which a frozen or cut-off server never enforces. A wait that runs out, or any error,
// leaves the connection unusable (it may be in the middle of a reply), so every later call fails at
// once: the store fails closed. Errors name the cause and the server, never the conninfo (it may
// hold a password). Internal to the PostgreSQL plugin.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace sshotp::pg {

// The time a store may spend waiting for the database: pg_timeout_ms in all, counted only while
// a call (connecting, a statement) waits. A login's time between calls is its user's, typing
// the code at the prompt, not the database's, and must not use the bound up.
class Deadline {
 public:
  // per_call (a command's bound, review i12 #14): every call gets timeout_ms of its own, so a
  // bulk command of many statements is bounded in each wait, not in its total.
  explicit Deadline(unsigned timeout_ms, bool per_call = false)
      : timeout_ms_(timeout_ms), per_call_(per_call) {}
  // A fresh bound (a command's next transaction).
  void restart() { spent_ = {}; }
  unsigned timeout_ms() const { return timeout_ms_; }
  // Milliseconds left for the call in progress, 0 once the bound is used up.
  int remaining_ms() const;

  // Charges one call's time to the bound, from construction to destruction.
  class Call {
   public:
    explicit Call(Deadline& d) : deadline_(d) {
      if (d.per_call_) d.spent_ = {};
      d.call_started_ = Clock::now();
    }
    ~Call() { deadline_.spent_ += Clock::now() - deadline_.call_started_; }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

   private:
    Deadline& deadline_;
  };

 private:
  using Clock = std::chrono::steady_clock;
  unsigned timeout_ms_;
  bool per_call_;
  Clock::duration spent_{};
  Clock::time_point call_started_;
};

struct ResultClear {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultClear>;

struct ConnFinish {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, ConnFinish>;

// A statement parameter: text (names, numbers) or bytes (bytea, sent in binary).
struct Param {
  std::string text;
  std::vector<std::uint8_t> bytes;
  bool binary = false;
  bool is_null = false;

  Param(std::string_view t) : text(t) {}    // NOLINT: the common case reads best unadorned
  Param(const std::string& t) : text(t) {}  // NOLINT
  Param(const char* t) : text(t) {}         // NOLINT
  Param(std::int64_t n) : text(std::to_string(n)) {}  // NOLINT
  static Param of_bytes(const std::vector<std::uint8_t>& b) {
    Param p{std::string_view{}};  // send() never passes an empty vector's data() (maybe null)
    p.bytes = b;
    p.binary = true;
    return p;
  }
  static Param null() {
    Param p{std::string_view{}};
    p.is_null = true;
    return p;
  }
};

class Connection {
 public:
  // Takes over a connection that is made and non-blocking (pg_connect.h); `deadline`, charged for
  // every statement, must outlive it.
  Connection(PgConn conn, Deadline& deadline);

  // Runs one statement; results come in binary format. `what` names it in errors.
  Result<PgResult> exec(const char* sql, const std::vector<Param>& params, const char* what);
  // The same, one row at a time (single-row mode, so memory stays flat): `row` gets each row's
  // result. An error from `row` stops the walk; the rest of the reply is then read and dropped.
  Status exec_rows(const char* sql, const char* what,
                   const std::function<Status(const PGresult*)>& row);
  // Warnings (and worse) the server sent since the last call: a COMMIT that draws one is not
  // known to be durable (see pg_transaction.cc).
  std::vector<std::string> take_warnings();
  // "host:port/dbname" of the server, for messages.
  const std::string& where() const { return where_; }
  // The SQLSTATE of the last statement, if it failed on the server ("" if not).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // Runs several statements in one round trip (the simple query protocol: no parameters, text
  // results), stopping at the first that fails; returns each one's result.
  Result<std::vector<PgResult>> exec_batch(const char* sql, const char* what);
  // Closes the connection now (the server rolls back what is open); every later call fails at
  // once, without waiting. The object stays valid for those who hold a reference to it.
  void close();
  bool closed() const { return !conn_; }
  // Added to the message of a statement that runs out of time: what it is likely waiting for.
  void set_timeout_note(std::string note) { timeout_note_ = std::move(note); }

 private:
  Status send(const char* sql, const std::vector<Param>& params, const char* what);
  Status flush(const char* what);
  Status wait(bool for_write, const char* what);
  // The next result of the statement in flight, or null at its end.
  Result<PgResult> next_result(const char* what);
  // Every result of what was sent; an error if any of them is one.
  Result<std::vector<PgResult>> results(const char* what);
  Error fail(Errc code, const std::string& message);
  static void on_notice(void* self, const PGresult* notice);

  PgConn conn_;
  Deadline& deadline_;
  std::string where_;
  std::vector<std::string> warnings_;
  std::string last_sqlstate_;
  std::string timeout_note_;
  bool broken_ = false;
};

// Maps a failed result to our error classes (see pg_connection.cc).
Error result_error(const PGresult* result, const std::string& what);
// libpq's message on one line (they end in newlines, some span several), "unknown error" if none.
std::string libpq_message(const char* message);

}  // namespace sshotp::pg
