// SPDX-License-Identifier: BSD-3-Clause
// Parsing and checking pg_conninfo (see pg_conninfo.h).
#include "common/postgresql/pg_conninfo.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <string_view>

namespace sshotp::pg {
namespace {

Error refused(const std::string& why) {
  return make_error(Errc::unavailable, "postgresql: " + why);
}

// libpq's comma-separated lists have no escapes (fe-connect.c, parse_comma_separated_list).
std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> items;
  for (;;) {
    const auto comma = list.find(',');
    items.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return items;
    list.remove_prefix(comma + 1);
  }
}

// A keyword's value: the conninfo's, or else the environment's, as libpq takes it (the module
// runs with sshd's environment, the setuid CLI with a cleared one).
std::string with_env(const char* value, const char* variable) {
  if (value != nullptr && value[0] != '\0') return value;
  const char* env = std::getenv(variable);
  return env != nullptr ? env : "";
}

bool is_socket(const HostEntry& entry) {
  return entry.hostaddr.empty() && !entry.host.empty() &&
         (entry.host[0] == '/' || entry.host[0] == '@');
}

// libpq's pairing of the host, hostaddr and port lists (connectOptions2).
Result<std::vector<HostEntry>> host_entries(const std::string& host, const std::string& hostaddr,
                                            const std::string& port) {
  const auto names = split_list(host);
  const auto addrs = split_list(hostaddr);
  if (!host.empty() && !hostaddr.empty() && names.size() != addrs.size()) {
    return refused("pg_conninfo's host and hostaddr lists differ in length");
  }
  const std::size_t count = hostaddr.empty() ? names.size() : addrs.size();
  const auto ports = split_list(port);
  if (ports.size() != 1 && ports.size() != count) {
    return refused("pg_conninfo's port list does not match its hosts");
  }
  std::vector<HostEntry> entries(count);
  for (std::size_t i = 0; i < count; ++i) {
    entries[i].host = host.empty() ? "" : names[i];
    entries[i].hostaddr = hostaddr.empty() ? "" : addrs[i];
    entries[i].port = ports.size() == 1 ? ports[0] : ports[i];
    // A host left empty is libpq's default socket, but connecting to it alone libpq would take
    // PGHOST instead: a name there would be looked up outside our deadline.
    if (entries[i].host.empty() && entries[i].hostaddr.empty() &&
        std::getenv("PGHOST") != nullptr) {
      return refused("pg_conninfo has an empty host while PGHOST is set; name every host");
    }
  }
  return entries;
}

Status check_sslmode(std::string_view sslmode, const std::vector<HostEntry>& hosts) {
  // Unset means our verify-full.
  if (sslmode.empty() || sslmode == "verify-ca" || sslmode == "verify-full") return Ok{};
  bool only_sockets = true;
  for (const HostEntry& entry : hosts) only_sockets = only_sockets && is_socket(entry);
  if (only_sockets) return Ok{};
  // libpq checks the word only when connecting: quote it only if it is one of libpq's.
  const bool known =
      sslmode == "disable" || sslmode == "allow" || sslmode == "prefer" || sslmode == "require";
  return refused("pg_conninfo's sslmode" +
                 (known ? "=" + std::string(sslmode) : std::string(" value")) +
                 " does not verify the server; a TCP host needs sslmode=verify-full (the default)"
                 " or verify-ca");
}

// Sets `keyword` in `settings`, replacing an earlier value.
void set(std::vector<std::pair<std::string, std::string>>& settings, std::string_view keyword,
         std::string_view value) {
  for (auto& [key, old] : settings) {
    if (key == keyword) {
      old = value;
      return;
    }
  }
  settings.emplace_back(keyword, value);
}

}  // namespace

Result<ConnectPlan> plan_connection(const std::string& conninfo) {
  char* parse_error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &parse_error), &PQconninfoFree);
  if (!options) {
    const bool out_of_memory = parse_error == nullptr;  // libpq's contract for a NULL errmsg
    PQfreemem(parse_error);
    return refused(out_of_memory ? "out of memory" : "pg_conninfo is not valid libpq syntax");
  }
  ConnectPlan plan;
  // Fail-safe defaults the admin's conninfo may override: a verified server, never a read-only
  // standby (its every write fails, 25006), and no GSSAPI negotiation.
  plan.settings = {{"sslmode", "verify-full"},
                   {"target_session_attrs", "read-write"},
                   {"gssencmode", "disable"}};
  const char* host = nullptr;
  const char* hostaddr = nullptr;
  const char* port = nullptr;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    const std::string_view keyword = option->keyword;
    const std::string_view value = option->val != nullptr ? option->val : "";
    if (keyword == "host") host = option->val;
    if (keyword == "hostaddr") hostaddr = option->val;
    if (keyword == "port") port = option->val;
    if (value.empty() || keyword == "host" || keyword == "hostaddr" || keyword == "port") continue;
    if (keyword == "password") {
      return refused(
          "pg_conninfo must not hold a password (keyword \"password\", or one in a URI): the "
          "file is readable by others; use passfile= or a client certificate (sslcert=, "
          "sslkey=)");
    }
    if (keyword == "sslpassword") {
      return refused(
          "pg_conninfo must not hold sslpassword (the client key's passphrase): the file is "
          "readable by others; give the host an unencrypted key file readable by root only");
    }
    // A login reads the enrollment before the prompt: on a lagging standby a freshly enrolled
    // nullok user would read as "not enrolled" and skip the second factor.
    if (keyword == "target_session_attrs" && value != "read-write" && value != "primary") {
      return refused(
          "pg_conninfo's target_session_attrs must be read-write (the default) or primary: "
          "a standby may not yet have an enrollment or a used code");
    }
    if (keyword == "service") {
      return refused(
          "pg_conninfo must not name a service: a service file may send libpq to "
          "LDAP, which pg_timeout_ms cannot bound; write the settings out");
    }
    if (keyword == "gssencmode" && value != "disable") {
      return refused(
          "pg_conninfo's gssencmode must be disable (the default): acquiring "
          "Kerberos credentials is not bounded by pg_timeout_ms");
    }
    set(plan.settings, keyword, value);
  }
  if (const char* service = std::getenv("PGSERVICE"); service != nullptr && service[0] != '\0') {
    return refused(
        "PGSERVICE is set in the environment: a service file may send libpq to LDAP, "
        "which pg_timeout_ms cannot bound");
  }
  auto hosts = host_entries(with_env(host, "PGHOST"), with_env(hostaddr, "PGHOSTADDR"),
                            port != nullptr ? port : "");
  if (!hosts) return std::move(hosts).error();
  plan.hosts = std::move(hosts).value();
  std::string_view sslmode;
  for (const auto& [key, value] : plan.settings) {
    if (key == "sslmode" && value != "verify-full") sslmode = value;
  }
  if (auto st = check_sslmode(sslmode, plan.hosts); !st) return std::move(st).error();
  return plan;
}

}  // namespace sshotp::pg
