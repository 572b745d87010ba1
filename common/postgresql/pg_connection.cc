// SPDX-License-Identifier: BSD-3-Clause
// The non-blocking libpq connection (see pg_connection.h).
#include "common/postgresql/pg_connection.h"

#include <poll.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sshotp::pg {
namespace {

// The server's error classes that mean "try again later" (a deadlock victim, a serialization
// failure) and "the write cannot happen" (disk full, a read-only standby): both refuse, like
// SQLite's busy and io. Everything else is unavailable, and logged as an alert: that includes
// the server's own timeouts (57014 statement_timeout, 55P03 lock_timeout), which the issue wants
// alerted on like ours.
Errc errc_of_sqlstate(std::string_view state) {
  if (state == "40001" || state == "40P01") return Errc::busy;
  if (state == "53100" || state == "25006") return Errc::io;
  return Errc::unavailable;
}

}  // namespace

std::string libpq_message(const char* message) {
  // Each run of white space (libpq's line breaks, and the tab that indents a hint such as "Is
  // the server running...") becomes one space: the message ends up in a syslog line, where a
  // control character would be shown as '?'.
  std::string text;
  for (const char* at = message != nullptr ? message : ""; *at != '\0'; ++at) {
    const bool space = *at == ' ' || *at == '\n' || *at == '\t' || *at == '\r';
    if (!space) {
      text.push_back(*at);
    } else if (!text.empty() && text.back() != ' ') {
      text.push_back(' ');
    }
  }
  if (!text.empty() && text.back() == ' ') text.pop_back();
  return text.empty() ? "unknown error" : text;
}

int Deadline::remaining_ms() const {
  const auto used = spent_ + (Clock::now() - call_started_);
  const auto left = std::chrono::milliseconds(timeout_ms_) -
                    std::chrono::duration_cast<std::chrono::milliseconds>(used);
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

Error result_error(const PGresult* result, const std::string& what) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return make_error(errc_of_sqlstate(state != nullptr ? state : ""),
                    what + ": " + libpq_message(PQresultErrorMessage(result)));
}

Connection::Connection(PgConn conn, Deadline& deadline)
    : conn_(std::move(conn)), deadline_(deadline) {
  PQsetNoticeReceiver(conn_.get(), &Connection::on_notice, this);
  const auto or_unknown = [](const char* text) { return text != nullptr ? text : "?"; };
  where_ = std::string(or_unknown(PQhost(conn_.get()))) + ":" + or_unknown(PQport(conn_.get())) +
           "/" + or_unknown(PQdb(conn_.get()));
}

void Connection::close() {
  conn_.reset();
  broken_ = true;
}

void Connection::on_notice(void* self, const PGresult* notice) {
  // Only warnings and worse: NOTICE and below are chatter (e.g. "there is no transaction").
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  const std::string_view level = severity != nullptr ? severity : "";
  if (level == "NOTICE" || level == "INFO" || level == "LOG" || level == "DEBUG") return;
  static_cast<Connection*>(self)->warnings_.push_back(libpq_message(PQresultErrorMessage(notice)));
}

std::vector<std::string> Connection::take_warnings() { return std::exchange(warnings_, {}); }

Error Connection::fail(Errc code, const std::string& message) {
  broken_ = true;  // the reply may be half read: nothing more on this connection
  return make_error(code, message);
}

Status Connection::wait(bool for_write, const char* what) {
  pollfd fd{PQsocket(conn_.get()), for_write ? short{POLLIN | POLLOUT} : short{POLLIN}, 0};
  // poll() ignores a negative descriptor: it would wait out the deadline for nothing.
  if (fd.fd < 0) return fail(Errc::unavailable, std::string(what) + ": no socket");
  for (;;) {
    const int remaining = deadline_.remaining_ms();
    if (remaining == 0) {
      return fail(Errc::unavailable, std::string(what) + ": timed out after " +
                                         std::to_string(deadline_.timeout_ms()) +
                                         " ms (pg_timeout_ms) waiting for " + where_ +
                                         timeout_note_);
    }
    const int ready = poll(&fd, 1, remaining);
    if (ready > 0) return Ok{};
    if (ready < 0 && errno != EINTR) {
      return fail(Errc::unavailable, std::string(what) + ": poll: " + std::strerror(errno));
    }
  }
}

Status Connection::send(const char* sql, const std::vector<Param>& params, const char* what) {
  last_sqlstate_.clear();
  if (broken_) return make_error(Errc::unavailable, std::string(what) + ": connection unusable");
  static const char kNoBytes[] = "";  // an empty vector's data() may be null, which is SQL NULL
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& p : params) {
    values.push_back(
        p.is_null  ? nullptr
        : p.binary ? (p.bytes.empty() ? kNoBytes : reinterpret_cast<const char*>(p.bytes.data()))
                   : p.text.c_str());
    lengths.push_back(p.binary ? static_cast<int>(p.bytes.size()) : 0);
    formats.push_back(p.binary ? 1 : 0);
  }
  if (PQsendQueryParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr, values.data(),
                        lengths.data(), formats.data(), 1) != 1) {
    return fail(Errc::unavailable,
                std::string(what) + ": " + libpq_message(PQerrorMessage(conn_.get())));
  }
  return flush(what);
}

Status Connection::flush(const char* what) {
  // Non-blocking: the query may still sit in libpq's buffer. Flush it, waiting as needed; a
  // server that stopped reading must not hold us past the deadline.
  for (;;) {
    const int flushed = PQflush(conn_.get());
    if (flushed == 0) return Ok{};
    if (flushed < 0) {
      return fail(Errc::unavailable,
                  std::string(what) + ": " + libpq_message(PQerrorMessage(conn_.get())));
    }
    if (auto st = wait(true, what); !st) return st;
    if (PQconsumeInput(conn_.get()) != 1) {
      return fail(Errc::unavailable,
                  std::string(what) + ": " + libpq_message(PQerrorMessage(conn_.get())));
    }
  }
}

Result<PgResult> Connection::next_result(const char* what) {
  while (PQisBusy(conn_.get()) == 1) {
    if (auto st = wait(false, what); !st) return std::move(st).error();
    if (PQconsumeInput(conn_.get()) != 1) {
      return fail(Errc::unavailable,
                  std::string(what) + ": " + libpq_message(PQerrorMessage(conn_.get())));
    }
  }
  return PgResult(PQgetResult(conn_.get()));
}

Result<std::vector<PgResult>> Connection::results(const char* what) {
  // Each statement gives one result, then null. Read to the end either way, so that the
  // connection is ready for the next statement.
  std::vector<PgResult> all;
  for (;;) {
    auto next = next_result(what);
    if (!next) return std::move(next).error();
    if (!*next) break;
    all.push_back(std::move(next).value());
  }
  if (all.empty()) return fail(Errc::unavailable, std::string(what) + ": no result");
  for (const PgResult& result : all) {
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
      last_sqlstate_ = state != nullptr ? state : "";
      return result_error(result.get(), what);
    }
  }
  return all;
}

Result<PgResult> Connection::exec(const char* sql, const std::vector<Param>& params,
                                  const char* what) {
  const Deadline::Call call(deadline_);
  if (auto st = send(sql, params, what); !st) return std::move(st).error();
  auto all = results(what);
  if (!all) return std::move(all).error();
  return std::move(all->front());
}

Result<std::vector<PgResult>> Connection::exec_batch(const char* sql, const char* what) {
  const Deadline::Call call(deadline_);
  last_sqlstate_.clear();
  if (broken_) return make_error(Errc::unavailable, std::string(what) + ": connection unusable");
  if (PQsendQuery(conn_.get(), sql) != 1) {
    return fail(Errc::unavailable,
                std::string(what) + ": " + libpq_message(PQerrorMessage(conn_.get())));
  }
  if (auto st = flush(what); !st) return std::move(st).error();
  return results(what);
}

Status Connection::exec_rows(const char* sql, const char* what,
                             const std::function<Status(const PGresult*)>& row) {
  // The bound covers sending and reading, not what `row` does with each row (a command
  // printing `list` to a slow pipe): that is not the database's time.
  {
    const Deadline::Call call(deadline_);
    if (auto st = send(sql, {}, what); !st) return st;
  }
  if (PQsetSingleRowMode(conn_.get()) != 1) {
    return fail(Errc::unavailable, std::string(what) + ": single-row mode refused");
  }
  Status outcome = Ok{};
  for (;;) {
    Result<PgResult> next = PgResult();
    {
      const Deadline::Call call(deadline_);
      next = next_result(what);
    }
    if (!next) return std::move(next).error();
    if (!*next) return outcome;
    const ExecStatusType status = PQresultStatus(next->get());
    if (!outcome) continue;  // draining what is left after an error
    if (status == PGRES_SINGLE_TUPLE) {
      outcome = row(next->get());
    } else if (status != PGRES_TUPLES_OK) {
      outcome = result_error(next->get(), what);
    }
  }
}

}  // namespace sshotp::pg
