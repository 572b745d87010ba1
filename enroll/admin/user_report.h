// SPDX-License-Identifier: BSD-3-Clause
// What `status USER` and `list` say about a user: the state, the kind (totp or hotp) and its
// parameters, for HOTP the next counter, when the
// enrollment was made and last used, the lockout and the recovery codes left; read from one
// store snapshot and printed as `key: value` lines, an aligned table, or JSON. Never a secret.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/store.h"
#include "common/totp.h"

namespace sshotp::cli {

struct UserReport {
  std::string user;
  // "active", "disabled" (by an admin), "locked" (active, in a lockout) or "pending" (only an
  // enrollment waiting for its first code; no active one).
  std::string state;
  OtpParams otp;
  // A counter-based (HOTP) enrollment's next expected counter, last used + 1; none for TOTP
  // and for a pending enrollment, which has used no counter yet.
  std::optional<std::int64_t> next_counter;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
  std::optional<std::string> last_host;      // where that was (host_name.h), if recorded
  std::int64_t failures = 0;                 // consecutive failed attempts
  std::optional<std::int64_t> locked_until;  // only while a lockout is in force
  std::int64_t lockouts = 0;                 // since the last success
  std::size_t recovery_codes_left = 0;
};

// The user's report (their active enrollment, or else a pending one), or nothing if the store
// has neither. `now` decides whether a lockout is still in force.
Result<std::optional<UserReport>> read_user_report(StoreTransaction& txn, std::string_view user,
                                                   std::int64_t now);

// The reports of every user with an active or pending enrollment, ordered by name, as a source:
// calling it calls the visitor once per user and stops at the first error. Each call reads `txn`
// again and holds nothing, so memory does not grow with the users; `txn` must outlive it.
using ReportVisitor = std::function<Status(const UserReport&)>;
using ReportSource = std::function<Status(const ReportVisitor&)>;
ReportSource all_reports(StoreTransaction& txn, std::int64_t now);

// status: one `key: value` line per field; `period` for TOTP, `counter` for HOTP.
void print_status(std::FILE* out, const UserReport& report);

// list: a header line and one aligned line per user. Reads `source` twice, for the column
// widths and then for the lines, so nothing is printed if the first pass fails.
Status print_table(std::FILE* out, const ReportSource& source);

// list --json: an array of objects, one per user; times are ISO 8601 UTC strings or null;
// "kind" is "totp" or "hotp", "period" is null for hotp and "counter" null but for hotp. One
// pass: if reading fails part-way the array is left unclosed, so a JSON parser rejects the
// partial output rather than taking it for the whole list.
Status print_json(std::FILE* out, const ReportSource& source);

}  // namespace sshotp::cli
