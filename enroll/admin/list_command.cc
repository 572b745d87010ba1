// SPDX-License-Identifier: BSD-3-Clause
// `list`: every user with an active or pending enrollment, as an aligned table for people or,
// with --json, as a JSON array for scripts (user_report.h has the fields). Root only: it shows
// who is enrolled and who is locked out. It reads one snapshot and never writes, so it neither
// waits for logins nor makes them wait; the table reads it twice (widths, then lines).
#include <cstdio>
#include <memory>
#include <optional>

#include "common/clock.h"
#include "enroll/admin/admin_commands.h"
#include "enroll/admin/user_report.h"
#include "enroll/cli/command_start.h"

namespace sshotp::cli {
namespace {

const Action kList{"list", false, true, false, false};

}  // namespace

Exit run_list(const ConfigLocation& where, int argc, char** argv) {
  static const struct option long_options[] = {{"json", no_argument, nullptr, 'j'},
                                               {"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  bool json = false;
  auto json_option = [&](int, const char*) -> std::optional<Exit> {
    json = true;
    return std::nullopt;
  };
  Exit early = Exit::error;
  auto ready = prepare(kList, {where, argc, argv}, early, long_options, json_option);
  if (!ready) return early;
  Session& session = ready->session;
  // No store yet: nobody is enrolled.
  ReportSource reports = [](const ReportVisitor&) -> Status { return Ok{}; };
  std::unique_ptr<StoreTransaction> txn;
  if (ready->store) {
    auto begun = ready->store->begin_read();
    if (!begun) return session.failed(begun.error());
    txn = std::move(begun).value();
    reports = all_reports(*txn, now_unix());
  }
  // Streamed from the snapshot, never held: a million users would otherwise cost ~330 MiB.
  auto printed = json ? print_json(stdout, reports) : print_table(stdout, reports);
  if (!printed) return session.failed(printed.error());
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
