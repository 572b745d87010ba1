// SPDX-License-Identifier: BSD-3-Clause
// pg_conninfo, parsed and checked before anything is connected to, and split into its hosts so
// that the plugin can connect to them one by one (pg_connect.h). Refused, each with a fixed
// message that never quotes the conninfo (it reaches syslog and the setuid CLI's terminal):
//   * text libpq cannot parse (libpq's own message quotes the token, maybe the password);
//   * a password: the file is readable by others (pass a passfile or a client certificate);
//   * service= (or PGSERVICE): a service file may send libpq to LDAP, a lookup no deadline of
//     ours can bound; and a gssencmode other than disable, which acquires Kerberos credentials,
//     as unbounded;
//   * an sslmode that does not verify the server, on a TCP host.
// Internal to the PostgreSQL plugin.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace sshotp::pg {

// One entry of libpq's host list: host, hostaddr and port are comma-separated lists of one
// length (a single port applies to every host).
struct HostEntry {
  std::string host;      // a name, a numeric address, a socket directory, or "" (the default)
  std::string hostaddr;  // the admin's numeric address for it, or ""
  std::string port;      // "" for libpq's default
};

struct ConnectPlan {
  // Every keyword libpq is to get apart from host, hostaddr and port: our fail-safe defaults
  // (sslmode=verify-full, target_session_attrs=read-write, gssencmode=disable), then whatever
  // the admin set over them.
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<HostEntry> hosts;  // at least one
};

Result<ConnectPlan> plan_connection(const std::string& conninfo);

}  // namespace sshotp::pg
