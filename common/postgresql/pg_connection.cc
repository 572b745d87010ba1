// SPDX-License-Identifier: BSD-3-Clause
// The non-blocking libpq connection (see pg_connection.h).
#include "common/postgresql/pg_connection.h"

#include <poll.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sshotp::pg {
namespace {

// libpq's messages end in a newline (sometimes several lines): one line for ours.
std::string one_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& ch : text) {
    if (ch == '\n') ch = ' ';
  }
  return text.empty() ? "unknown error" : text;
}

// The server's error classes that mean "try again later" (another login holds the row past our
// deadline, a deadlock victim) and "the write cannot happen" (disk full, a read-only standby):
// both refuse, like SQLite's busy and io. Everything else is unavailable.
Errc errc_of_sqlstate(std::string_view state) {
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") {
    return Errc::busy;
  }
  if (state == "53100" || state == "25006") return Errc::io;
  return Errc::unavailable;
}

// True if `hosts` (libpq's comma-separated host list) names only Unix-domain sockets. No host at
// all is not a socket here: PGHOST in the environment could still make it TCP.
bool only_unix_sockets(const char* hosts, const char* hostaddr) {
  if (hostaddr != nullptr && hostaddr[0] != '\0') return false;
  if (hosts == nullptr || hosts[0] == '\0') return false;
  for (std::string_view rest = hosts; !rest.empty();) {
    const auto comma = rest.find(',');
    const std::string_view host = rest.substr(0, comma);
    if (host.empty() || (host[0] != '/' && host[0] != '@')) return false;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return true;
}

// pg_conninfo lives in world-readable files (sshotp.conf, pam.d), and our errors reach syslog and
// the setuid CLI's terminal. libpq's parse errors quote the token they stumble on, which may be
// the password, so they are dropped for a fixed text; and a password is refused outright rather
// than trusted to files any local user can read. An sslmode that does not verify the server is
// refused for TCP: a man in the middle could answer every login "never used, no failures".
Status check_conninfo(const std::string& conninfo) {
  char* parse_error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &parse_error), &PQconninfoFree);
  if (!options) {
    const bool out_of_memory = parse_error == nullptr;  // libpq's contract for a NULL errmsg
    PQfreemem(parse_error);
    return make_error(Errc::unavailable, out_of_memory
                                             ? "postgresql: out of memory"
                                             : "postgresql: pg_conninfo is not valid libpq syntax");
  }
  const char* host = nullptr;
  const char* hostaddr = nullptr;
  std::string_view sslmode;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    const std::string_view keyword = option->keyword;
    if (keyword == "password" && option->val != nullptr && option->val[0] != '\0') {
      return make_error(Errc::unavailable,
                        "postgresql: pg_conninfo must not hold a password (keyword \"password\", "
                        "or one in a URI): the file is readable by others; use passfile= or a "
                        "client certificate (sslcert=, sslkey=)");
    }
    if (keyword == "host") host = option->val;
    if (keyword == "hostaddr") hostaddr = option->val;
    if (keyword == "sslmode" && option->val != nullptr) sslmode = option->val;
  }
  // Unset means our verify-full (see Connection::open).
  const bool verifies = sslmode.empty() || sslmode == "verify-ca" || sslmode == "verify-full";
  if (!verifies && !only_unix_sockets(host, hostaddr)) {
    // libpq checks the word only when connecting: quote it only if it is one of libpq's.
    const bool known =
        sslmode == "disable" || sslmode == "allow" || sslmode == "prefer" || sslmode == "require";
    return make_error(Errc::unavailable,
                      "postgresql: pg_conninfo's sslmode" +
                          (known ? "=" + std::string(sslmode) : std::string(" value")) +
                          " does not verify the server; a TCP host needs sslmode=verify-full "
                          "(the default) or verify-ca");
  }
  return Ok{};
}

}  // namespace

int Deadline::remaining_ms() const {
  const auto used = spent_ + (Clock::now() - call_started_);
  const auto left = std::chrono::milliseconds(timeout_ms_) -
                    std::chrono::duration_cast<std::chrono::milliseconds>(used);
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

Error result_error(const PGresult* result, const std::string& what) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return make_error(errc_of_sqlstate(state != nullptr ? state : ""),
                    what + ": " + one_line(PQresultErrorMessage(result)));
}

Connection::Connection(PgConn conn, Deadline& deadline)
    : conn_(std::move(conn)), deadline_(deadline) {
  PQsetNoticeReceiver(conn_.get(), &Connection::on_notice, this);
  where_ = std::string(PQhost(conn_.get())) + ":" + PQport(conn_.get()) + "/" + PQdb(conn_.get());
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo,
                                                     Deadline& deadline) {
  const Deadline::Call call(deadline);
  if (auto checked = check_conninfo(conninfo); !checked) return std::move(checked).error();
  // Fail-safe defaults the admin's conninfo may override, since it is expanded (expand_dbname)
  // after them: a verified server, never a read-only standby (its every write fails, 25006),
  // and no GSSAPI negotiation (Kerberos credential work outside the deadline).
  const char* const keywords[] = {"sslmode", "target_session_attrs", "gssencmode", "dbname",
                                  nullptr};
  const char* const values[] = {"verify-full", "read-write", "disable", conninfo.c_str(), nullptr};
  PgConn conn(PQconnectStartParams(keywords, values, 1));
  if (!conn) return make_error(Errc::unavailable, "postgresql: out of memory");
  if (PQstatus(conn.get()) == CONNECTION_BAD) {
    return make_error(Errc::unavailable, "postgresql: " + one_line(PQerrorMessage(conn.get())));
  }
  // PQconnectPoll's contract: start as if it had asked to write, then wait for what it asks,
  // on whatever socket it has now (it changes as libpq moves from host to host).
  PostgresPollingStatusType polled = PGRES_POLLING_WRITING;
  while (polled != PGRES_POLLING_OK) {
    if (polled == PGRES_POLLING_FAILED) {
      return make_error(Errc::unavailable, "postgresql: " + one_line(PQerrorMessage(conn.get())));
    }
    pollfd fd{PQsocket(conn.get()),
              polled == PGRES_POLLING_READING ? short{POLLIN} : short{POLLOUT}, 0};
    const int remaining = deadline.remaining_ms();
    const int ready = remaining > 0 ? poll(&fd, 1, remaining) : 0;
    if (ready < 0 && errno != EINTR) {
      return make_error(Errc::unavailable,
                        std::string("postgresql: poll: ") + std::strerror(errno));
    }
    if (ready == 0 && deadline.remaining_ms() == 0) {
      const char* host = PQhost(conn.get());
      return make_error(Errc::unavailable, "postgresql: connecting timed out after " +
                                               std::to_string(deadline.timeout_ms()) +
                                               " ms (pg_timeout_ms), at host " +
                                               (host != nullptr ? host : "?") + " port " +
                                               PQport(conn.get()));
    }
    polled = PQconnectPoll(conn.get());
  }
  if (PQsetnonblocking(conn.get(), 1) != 0) {
    return make_error(Errc::unavailable, "postgresql: " + one_line(PQerrorMessage(conn.get())));
  }
  return std::unique_ptr<Connection>(new Connection(std::move(conn), deadline));
}

void Connection::on_notice(void* self, const PGresult* notice) {
  // Only warnings and worse: NOTICE and below are chatter (e.g. "there is no transaction").
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  const std::string_view level = severity != nullptr ? severity : "";
  if (level == "NOTICE" || level == "INFO" || level == "LOG" || level == "DEBUG") return;
  static_cast<Connection*>(self)->warnings_.push_back(one_line(PQresultErrorMessage(notice)));
}

std::vector<std::string> Connection::take_warnings() { return std::exchange(warnings_, {}); }

Error Connection::fail(Errc code, const std::string& message) {
  broken_ = true;  // the reply may be half read: nothing more on this connection
  return make_error(code, message);
}

Status Connection::wait(bool for_write, const char* what) {
  pollfd fd{PQsocket(conn_.get()), for_write ? short{POLLIN | POLLOUT} : short{POLLIN}, 0};
  for (;;) {
    const int remaining = deadline_.remaining_ms();
    if (remaining == 0) {
      return fail(Errc::unavailable, std::string(what) + ": timed out after " +
                                         std::to_string(deadline_.timeout_ms()) +
                                         " ms (pg_timeout_ms) waiting for " + where_);
    }
    const int ready = poll(&fd, 1, remaining);
    if (ready > 0) return Ok{};
    if (ready < 0 && errno != EINTR) {
      return fail(Errc::unavailable, std::string(what) + ": poll: " + std::strerror(errno));
    }
  }
}

Status Connection::send(const char* sql, const std::vector<Param>& params, const char* what) {
  if (broken_) return make_error(Errc::unavailable, std::string(what) + ": connection unusable");
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& p : params) {
    values.push_back(p.is_null  ? nullptr
                     : p.binary ? reinterpret_cast<const char*>(p.bytes.data())
                                : p.text.c_str());
    lengths.push_back(p.binary ? static_cast<int>(p.bytes.size()) : 0);
    formats.push_back(p.binary ? 1 : 0);
  }
  if (PQsendQueryParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr, values.data(),
                        lengths.data(), formats.data(), 1) != 1) {
    return fail(Errc::unavailable,
                std::string(what) + ": " + one_line(PQerrorMessage(conn_.get())));
  }
  // Non-blocking: the query may still sit in libpq's buffer. Flush it, waiting as needed; a
  // server that stopped reading must not hold us past the deadline.
  for (;;) {
    const int flushed = PQflush(conn_.get());
    if (flushed == 0) return Ok{};
    if (flushed < 0) {
      return fail(Errc::unavailable,
                  std::string(what) + ": " + one_line(PQerrorMessage(conn_.get())));
    }
    if (auto st = wait(true, what); !st) return st;
    if (PQconsumeInput(conn_.get()) != 1) {
      return fail(Errc::unavailable,
                  std::string(what) + ": " + one_line(PQerrorMessage(conn_.get())));
    }
  }
}

Result<PgResult> Connection::next_result(const char* what) {
  while (PQisBusy(conn_.get()) == 1) {
    if (auto st = wait(false, what); !st) return std::move(st).error();
    if (PQconsumeInput(conn_.get()) != 1) {
      return fail(Errc::unavailable,
                  std::string(what) + ": " + one_line(PQerrorMessage(conn_.get())));
    }
  }
  return PgResult(PQgetResult(conn_.get()));
}

Result<PgResult> Connection::exec(const char* sql, const std::vector<Param>& params,
                                  const char* what) {
  const Deadline::Call call(deadline_);
  if (auto st = send(sql, params, what); !st) return std::move(st).error();
  // One statement gives one result, then null. Read to the end either way, so that the
  // connection is ready for the next statement.
  PgResult kept;
  for (;;) {
    auto next = next_result(what);
    if (!next) return std::move(next).error();
    if (!*next) break;
    if (!kept) kept = std::move(next).value();
  }
  if (!kept) return fail(Errc::unavailable, std::string(what) + ": no result");
  const ExecStatusType status = PQresultStatus(kept.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(kept.get(), PG_DIAG_SQLSTATE);
    last_sqlstate_ = state != nullptr ? state : "";
    return result_error(kept.get(), what);
  }
  return kept;
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
