// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db check`: can this host use the fleet store, and safely? One line per fact
// (server, TLS, schema, key, privileges), "problem:" before each that is wrong; the exit status
// is 1 if any is. It connects as the settings' pg_conninfo (the host role) unless --conninfo
// names another role, and changes nothing.
#include <cstdio>
#include <string>

#include "common/key_check.h"
#include "common/store_factory.h"
#include "enroll/cli/store_access.h"
#include "enroll/database/db_commands.h"

namespace sshotp::cli {
namespace {

const Action kCheck{"db check", false, true, false, false};

class Findings {
 public:
  void fine(const char* topic, const std::string& text) {
    std::printf("%s: %s\n", topic, text.c_str());
  }
  void problem(const char* topic, const std::string& text) {
    std::printf("%s: problem: %s\n", topic, text.c_str());
    ++problems_;
  }
  int problems() const { return problems_; }

 private:
  int problems_ = 0;
};

void report_tls(const DatabaseFacts& facts, Findings& out) {
  const bool socket = !facts.server.empty() && facts.server.front() == '/';
  if (facts.tls.empty()) {
    if (socket) {
      out.fine("tls", "none (a local socket)");
    } else {
      out.problem("tls", "none over TCP: anyone on the path can answer for the database");
    }
  } else if (!facts.server_verified) {
    out.problem("tls", facts.tls + ", server NOT verified (sslmode=" + facts.sslmode +
                           "; use verify-full)");
  } else {
    out.fine("tls", facts.tls + ", server verified (sslmode=" + facts.sslmode + ")");
  }
}

bool report_schema(const DatabaseFacts& facts, Findings& out) {
  const std::string known = " (this pam_sshotp: " + std::to_string(facts.known_version) + ")";
  if (facts.schema_version == 0) {
    out.problem("schema", "not initialised: sshotp-enroll db init, as the owner role");
    return false;
  }
  const std::string version = "version " + std::to_string(facts.schema_version) + known;
  if (facts.schema_version < facts.known_version) {
    out.problem("schema", version + ": older, run sshotp-enroll db upgrade as the owner role");
    return false;
  }
  if (facts.schema_version > facts.known_version) {
    out.problem("schema", version + ": newer, upgrade pam_sshotp on this host");
    return false;
  }
  out.fine("schema", version);
  return true;
}

// The key file against the store's key check value, as every CLI write checks it.
void report_key(const Config& config, Findings& out) {
  auto key = load_store_key(config);
  if (!key) return out.problem("key", key.error().message);
  auto store = open_existing_store(config);
  if (!store) return out.problem("key", store.error().message);
  auto txn = (*store)->begin_read();
  if (!txn) return out.problem("key", txn.error().message);
  auto recorded = (*txn)->recorded_key_check();
  if (!recorded) return out.problem("key", recorded.error().message);
  const KeyCheckNames names{config.key_file, store_name(config)};
  if (auto st = check_store_key(**txn, *key, names); !st) {
    return out.problem("key", st.error().message);
  }
  out.fine("key", *recorded ? config.key_file + " matches the store's key check value"
                            : config.key_file +
                                  " (no key check value recorded yet: the first "
                                  "write records it)");
}

}  // namespace

Exit run_db_check(const Invocation& invocation) {
  Exit early = Exit::error;
  auto db = start_db(kCheck, invocation, early);
  if (!db) return early;
  Session& session = db->started.session;
  auto facts = db->plugin->inspect(db->request);
  if (!facts) return session.failed(facts.error());
  Findings out;
  out.fine("server",
           facts->server + " (PostgreSQL " + facts->server_version + ") as role " + facts->role);
  report_tls(*facts, out);
  if (report_schema(*facts, out)) {
    Config config = db->started.config;
    config.pg_conninfo = db->request.conninfo;
    report_key(config, out);
  }
  if (facts->privilege_problems.empty() && facts->schema_version != 0) {
    out.fine("privileges", "exactly what a host needs (no DDL, TRUNCATE or ownership)");
  }
  for (const std::string& problem : facts->privilege_problems) out.problem("privileges", problem);
  if (out.problems() > 0) {
    std::printf("%d problem%s\n", out.problems(), out.problems() == 1 ? "" : "s");
    return session.done(Exit::error, "problems");
  }
  std::printf("ok\n");
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
