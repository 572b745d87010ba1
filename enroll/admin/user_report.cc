// SPDX-License-Identifier: BSD-3-Clause
// Reading and printing user reports (see user_report.h).
#include "enroll/admin/user_report.h"

#include <algorithm>
#include <array>
#include <tuple>

#include "common/lockout.h"
#include "enroll/admin/json_string.h"
#include "enroll/cli/reporting.h"

namespace sshotp::cli {
namespace {

Status count_codes(StoreTransaction& txn, UserReport& report) {
  auto codes = txn.unused_recovery_codes(report.user);
  if (!codes) return std::move(codes).error();
  report.recovery_codes_left = codes->size();
  return Ok{};
}

// Only the parameters and the creation time of a pending enrollment mean anything.
UserReport report_of(const Enrollment& e, bool pending, std::int64_t now) {
  UserReport r;
  r.user = e.user;
  r.otp = e.otp;
  r.created_at = e.created_at;
  if (pending) {
    r.state = "pending";
    return r;
  }
  const bool locked = is_locked(e.lockout, now);
  r.state = e.state == EnrollmentState::disabled ? state_name(e.state)
            : locked                             ? "locked"
                                                 : state_name(e.state);
  if (e.otp.kind() == OtpKind::hotp) r.next_counter = e.last_step + 1;
  r.last_used_at = e.last_used_at;
  r.last_host = e.last_host;
  r.failures = e.lockout.failures;
  if (locked) r.locked_until = e.lockout.locked_until;
  r.lockouts = e.lockout.lockouts;
  return r;
}

std::string time_or(const std::optional<std::int64_t>& t, const char* otherwise) {
  return t ? iso8601_utc(*t) : otherwise;
}

// "SHA1/6/30" (the period), or for HOTP "SHA1/6/counter=5" (the next counter; "-" while
// pending).
std::string params_of(const UserReport& r) {
  const std::string third =
      r.otp.kind() == OtpKind::hotp
          ? "counter=" + (r.next_counter ? std::to_string(*r.next_counter) : std::string("-"))
          : std::to_string(r.otp.period);
  return std::string(algorithm_name(r.otp.algorithm)) + "/" + std::to_string(r.otp.digits) + "/" +
         third;
}

// The period, or for HOTP the next counter: the line `status` prints between digits and created.
std::string period_or_counter_line(const UserReport& r) {
  if (r.otp.kind() == OtpKind::totp) return "period: " + std::to_string(r.otp.period);
  return "counter: " + (r.next_counter ? std::to_string(*r.next_counter) : std::string("-"));
}

std::string json_number(const std::optional<std::int64_t>& n) {
  return n ? std::to_string(*n) : "null";
}

std::string json_time(const std::optional<std::int64_t>& t) {
  return t ? json_string(iso8601_utc(*t)) : "null";
}

}  // namespace

Result<std::optional<UserReport>> read_user_report(StoreTransaction& txn, std::string_view user,
                                                   std::int64_t now) {
  auto active = txn.find(user);
  if (!active) return std::move(active).error();
  std::optional<Enrollment> found = std::move(active).value();
  const bool pending = !found;
  if (pending) {
    auto waiting = txn.find_pending(user);
    if (!waiting) return std::move(waiting).error();
    found = std::move(waiting).value();
  }
  if (!found) return std::optional<UserReport>();
  UserReport report = report_of(*found, pending, now);
  if (auto st = count_codes(txn, report); !st) return std::move(st).error();
  return std::optional<UserReport>(std::move(report));
}

ReportSource all_reports(StoreTransaction& txn, std::int64_t now) {
  return [&txn, now](const ReportVisitor& visit) {
    return txn.for_each_listing([&](const EnrollmentListing& listing) {
      UserReport report = report_of(listing.enrollment, listing.pending, now);
      report.recovery_codes_left = listing.unused_recovery_codes;
      return visit(report);
    });
  };
}

void print_status(std::FILE* out, const UserReport& r) {
  std::fprintf(out,
               "user: %s\nstate: %s\nkind: %s\nalgorithm: %s\ndigits: %u\n%s\ncreated: %s\n"
               "last used: %s\nlast host: %s\nconsecutive failures: %lld\nlocked until: %s\n"
               "lockouts: %lld\nrecovery codes left: %zu\n",
               r.user.c_str(), r.state.c_str(), kind_name(r.otp.kind()),
               algorithm_name(r.otp.algorithm), r.otp.digits, period_or_counter_line(r).c_str(),
               iso8601_utc(r.created_at).c_str(), time_or(r.last_used_at, "never").c_str(),
               r.last_host.value_or("-").c_str(), static_cast<long long>(r.failures),
               time_or(r.locked_until, "no").c_str(), static_cast<long long>(r.lockouts),
               r.recovery_codes_left);
}

Status print_table(std::FILE* out, const ReportSource& source) {
  using Row = std::array<std::string, 10>;
  const Row header = {"USER",      "STATE",     "KIND",     "PARAMETERS",   "CREATED",
                      "LAST USED", "LAST HOST", "FAILURES", "LOCKED UNTIL", "CODES LEFT"};
  // Two passes over the store (widths, then output) rather than keeping the rows: a million
  // users' cells would cost far more memory than reading the snapshot again.
  auto row_of = [](const UserReport& r) -> Row {
    return {r.user,
            r.state,
            kind_name(r.otp.kind()),
            params_of(r),
            iso8601_utc(r.created_at),
            time_or(r.last_used_at, "never"),
            r.last_host.value_or("-"),
            std::to_string(r.failures),
            time_or(r.locked_until, "-"),
            std::to_string(r.recovery_codes_left)};
  };
  std::array<std::size_t, std::tuple_size_v<Row>> width{};
  auto widen = [&](const Row& row) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  auto print = [&](const Row& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      // Two spaces between columns, none after the last.
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  };
  widen(header);
  auto measured = source([&](const UserReport& r) -> Status {
    widen(row_of(r));
    return Ok{};
  });
  if (!measured) return measured;
  print(header);
  return source([&](const UserReport& r) -> Status {
    print(row_of(r));
    return Ok{};
  });
}

Status print_json(std::FILE* out, const ReportSource& source) {
  std::fputs("[", out);
  bool first = true;
  auto printed = source([&](const UserReport& r) -> Status {
    const bool hotp = r.otp.kind() == OtpKind::hotp;
    std::fprintf(out,
                 "%s  {\"user\": %s, \"state\": %s, \"kind\": %s, \"algorithm\": %s, "
                 "\"digits\": %u, \"period\": %s, \"counter\": %s, \"created\": %s, "
                 "\"last_used\": %s, \"last_host\": %s, \"failures\": %lld, "
                 "\"locked_until\": %s, \"lockouts\": %lld, \"recovery_codes_left\": %zu}",
                 first ? "\n" : ",\n", json_string(r.user).c_str(), json_string(r.state).c_str(),
                 json_string(kind_name(r.otp.kind())).c_str(),
                 json_string(algorithm_name(r.otp.algorithm)).c_str(), r.otp.digits,
                 hotp ? "null" : std::to_string(r.otp.period).c_str(),
                 json_number(r.next_counter).c_str(), json_time(r.created_at).c_str(),
                 json_time(r.last_used_at).c_str(),
                 r.last_host ? json_string(*r.last_host).c_str() : "null",
                 static_cast<long long>(r.failures), json_time(r.locked_until).c_str(),
                 static_cast<long long>(r.lockouts), r.recovery_codes_left);
    first = false;
    return Ok{};
  });
  if (!printed) return printed;
  std::fputs(first ? "]\n" : "\n]\n", out);
  return Ok{};
}

}  // namespace sshotp::cli
