// SPDX-License-Identifier: BSD-3-Clause
// `migrate oath USERSFILE`, root only: takes over every time- and counter-based entry of a
// pam_oath users file in one transaction; every other line is reported as skipped, with its line
// number and why. Running it again changes nothing but a token's counter that pam_oath moved on
// since (see store_migrated_user), and a user already enrolled with another key is left alone
// unless --replace is given. Nothing from the file is ever printed or logged but line numbers and
// (valid) user names.
#include <sys/types.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/file_checks.h"
#include "enroll/cli/config_location.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/session.h"
#include "enroll/cli/settings.h"
#include "enroll/cli/store_access.h"
#include "enroll/migrate/migrate_command.h"
#include "enroll/migrate/migrated_user.h"
#include "enroll/migrate/parsers/oath_users_file.h"
#include "enroll/program_name.h"

namespace sshotp::cli {
namespace {

constexpr const char* kMigrateOath = "migrate-oath";

// One line of the report, printed in line order once everything is decided.
struct ReportLine {
  std::size_t line;
  std::string user;  // empty when the file's name is not one we would print
  std::string text;
};

struct OathTally {
  std::vector<ReportLine> report;
  std::size_t imported = 0, replaced = 0, unchanged = 0, skipped = 0;
};

// A user name from the file, if it is one we store (and so may print).
std::string printable_user(const std::string& user) {
  return check_user_name(user) ? user : std::string();
}

void count(OathTally& tally, MigrationResult result) {
  switch (result) {
    case MigrationResult::imported:
      ++tally.imported;
      break;
    case MigrationResult::replaced:
      ++tally.replaced;
      break;
    case MigrationResult::codes_updated:
    case MigrationResult::counter_advanced:
    case MigrationResult::unchanged:
      ++tally.unchanged;
      break;
    case MigrationResult::conflict:
      ++tally.skipped;
      break;
  }
}

std::string oath_outcome_text(MigrationResult result, const OathEntry& entry,
                              const MigratedUser& migrated) {
  const std::string params = " (" + describe_migrated(migrated) + ")";
  std::string text;
  switch (result) {
    case MigrationResult::imported:
      text = "imported" + params;
      break;
    case MigrationResult::replaced:
      text = "imported" + params + ", replacing the previous enrollment";
      break;
    case MigrationResult::counter_advanced:
      text = "migrated already; pam_oath accepted codes since, so the next counter is now " +
             std::to_string(migrated.last_step + 1);
      break;
    case MigrationResult::codes_updated:
    case MigrationResult::unchanged:
      text = "migrated already; nothing changed";
      break;
    case MigrationResult::conflict:
      return "skipped: already enrolled with another key (--replace overwrites it)";
  }
  if (!entry.note.empty()) text += "; warning: " + entry.note;
  return text;
}

// The replay state an entry carries over: a token's last used counter as the file records it;
// for a time-based entry, the step of the last code pam_oath accepted.
std::int64_t oath_last_step(const OathEntry& entry, std::int64_t now) {
  if (entry.params.kind() == OtpKind::hotp) return entry.last_counter;
  const std::optional<std::int64_t> used =
      oath_used_step(entry.secret, entry.params, entry.last_used_at, entry.last_code);
  return carried_last_step(used, entry.params.period, now);
}

// Stores every importable entry in `txn`; the caller commits.
Status store_oath_entries(StoreTransaction& txn, const SecureBytes& store_key,
                          std::vector<OathEntry>& entries, bool replace, OathTally& tally,
                          std::vector<std::pair<std::string, MigrationResult>>& audit) {
  const std::int64_t now = now_unix();
  for (OathEntry& entry : entries) {
    if (!check_user_name(entry.user)) {
      ++tally.skipped;
      tally.report.push_back({entry.line, {}, "skipped: not a user name pam_sshotp accepts"});
      continue;
    }
    MigratedUser migrated{entry.user, entry.params, std::move(entry.secret),
                          oath_last_step(entry, now), std::nullopt};
    auto result = store_migrated_user(txn, store_key, migrated, replace, now);
    if (!result) return std::move(result).error();
    count(tally, *result);
    tally.report.push_back({entry.line, entry.user, oath_outcome_text(*result, entry, migrated)});
    audit.emplace_back(entry.user, *result);
  }
  return Ok{};
}

// Renames every storable entry to its canonical name, as `import USER` does: the module looks
// up "alice", so a row for "ALICE" would never be found. A failed lookup, or two lines for one
// account ("alice" and "ALICE"), refuses the whole file rather than guess which key is meant.
Status canonicalise_oath_users(std::vector<OathEntry>& entries) {
  std::map<std::string, std::size_t> line_of;
  for (OathEntry& entry : entries) {
    auto stored = store_user_name(entry.user);
    if (!stored) {
      if (stored.error().code == Errc::invalid_argument) continue;  // skipped when storing
      return make_error(stored.error().code,
                        "line " + std::to_string(entry.line) + ": " + stored.error().message);
    }
    entry.user = std::move(stored).value();
    auto [earlier, first] = line_of.emplace(entry.user, entry.line);
    if (!first) {
      return make_error(Errc::invalid_argument, "lines " + std::to_string(earlier->second) +
                                                    " and " + std::to_string(entry.line) +
                                                    " are both the account '" + entry.user + "'");
    }
  }
  return Ok{};
}

// Every importable entry in one transaction, or none.
Status import_oath_entries(const Config& config, std::vector<OathEntry>& entries, bool replace,
                           OathTally& tally,
                           std::vector<std::pair<std::string, MigrationResult>>& audit) {
  if (auto st = canonicalise_oath_users(entries); !st) return st;
  auto opened = open_store_for_writing(config);
  if (!opened) return std::move(opened).error();
  auto txn = opened->store->begin_write();
  if (!txn) return std::move(txn).error();
  if (auto st = store_oath_entries(**txn, opened->key, entries, replace, tally, audit); !st) {
    return st;
  }
  return (*txn)->commit();
}

void print_oath_report(OathTally& tally) {
  std::sort(tally.report.begin(), tally.report.end(),
            [](const ReportLine& a, const ReportLine& b) { return a.line < b.line; });
  for (const ReportLine& r : tally.report) {
    std::printf("line %zu: %s%s%s\n", r.line, r.user.c_str(), r.user.empty() ? "" : ": ",
                r.text.c_str());
  }
  std::printf("imported %zu, replaced %zu, unchanged %zu, skipped %zu\n", tally.imported,
              tally.replaced, tally.unchanged, tally.skipped);
}

// The command failed as a whole and stored nothing: one message, one audit line.
Exit oath_failed(uid_t by_uid, const std::string& what, Exit code, const char* result,
                 const std::string& why) {
  print_error(std::string(kMigrateOath) + " " + what, why);
  log_action(kMigrateOath, "-", by_uid, result);
  return code;
}
// The settings and the parsed users file.
struct OathInput {
  Config config;
  OathFile file;
};

// Nothing if the command stops before anything is stored: then the failure is reported and
// logged, and `early` set.
std::optional<OathInput> read_oath_input(const ConfigLocation& where, uid_t by_uid,
                                         const std::string& path, Exit& early) {
  auto config = load_cli_config(where, ConfigUse::writing);
  if (!config) {
    early = oath_failed(by_uid, path, Exit::error, "error", config.error().message);
    return std::nullopt;
  }
  // Root's file, checked like our own config: no symlink, not writable by anyone else.
  auto data = read_checked_file(path, Exposure::world_readable, kMaxOathFileBytes);
  if (!data) {
    early = oath_failed(by_uid, path, Exit::error, "bad-file", data.error().message);
    return std::nullopt;
  }
  return OathInput{std::move(config).value(),
                   parse_oath_usersfile(std::string_view(
                       reinterpret_cast<const char*>(data->data()), data->size()))};
}

// The tally begins with the lines the parser passed over, so that the report lists them too.
OathTally tally_skipped_lines(const std::vector<OathSkip>& skipped) {
  OathTally tally;
  for (const OathSkip& skip : skipped) {
    ++tally.skipped;
    tally.report.push_back({skip.line, printable_user(skip.user), "skipped: " + skip.reason});
  }
  return tally;
}

// After the commit: one audit line a stored user, the report, and what pam_oath could not give.
void report_oath_import(OathTally& tally,
                        const std::vector<std::pair<std::string, MigrationResult>>& audit,
                        uid_t by_uid) {
  // Logged only now: the lines describe what the store holds after the commit.
  for (const auto& [user, result] : audit) {
    log_action(kMigrateOath, user, by_uid, migration_audit_result(result));
  }
  print_oath_report(tally);
  if (tally.imported + tally.replaced > 0) {
    std::fprintf(stderr,
                 "%s: %s: note: pam_oath has no recovery codes; `sshotp-enroll recovery USER` "
                 "gives a user a set\n",
                 kProgramName, kMigrateOath);
  }
}

}  // namespace

Exit run_migrate_oath(const ConfigLocation& where, int argc, char** argv) {
  MigrateArgs args;
  if (auto stop = parse_replace_args(argc, argv, args)) return *stop;
  if (args.operands.empty()) return usage_error("migrate oath: missing USERSFILE");
  if (args.operands.size() > 1) {
    return usage_error("migrate oath: unexpected argument '" + args.operands[1] + "'");
  }
  const std::string& path = args.operands.front();
  auto caller = current_caller();
  if (!caller) {
    print_error("who is calling", caller.error().message);
    return Exit::error;
  }
  if (!caller->is_root()) {
    return oath_failed(caller->uid, path, Exit::permission, "denied",
                       "permission denied (only root may do this)");
  }
  Exit early = Exit::error;
  auto input = read_oath_input(where, caller->uid, path, early);
  if (!input) return early;

  OathFile& file = input->file;
  OathTally tally = tally_skipped_lines(file.skipped);
  std::vector<std::pair<std::string, MigrationResult>> audit;
  if (auto st = import_oath_entries(input->config, file.entries, args.replace, tally, audit); !st) {
    return oath_failed(caller->uid, path, Exit::error, "error",
                       st.error().message + "; nothing was imported");
  }
  report_oath_import(tally, audit, caller->uid);
  return Exit::ok;
}

}  // namespace sshotp::cli
