// SPDX-License-Identifier: BSD-3-Clause
// `migrate`: takes users over from google-authenticator-libpam and pam_oath, root only.
//   migrate google-authenticator USER [FILE]   one user's ~/.google_authenticator: the key, the
//       step size, and the scratch codes as recovery codes; a warning for every setting that
//       does not carry over (the window is global here, RATE_LIMIT gives way to our lockout)
//   migrate oath USERSFILE   every time-based entry of a pam_oath users file in one
//       transaction; every other line is reported as skipped, with its line number and why
// Running either again changes nothing (see store_migrated_user), and a user already enrolled
// with another key is left alone unless --replace is given. Nothing from the files is ever
// printed or logged but line numbers, option names and (valid) user names.
#include <pwd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/file_checks.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/command_table.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/store_access.h"
#include "enroll/migrate/migrated_user.h"
#include "enroll/migrate/parsers/google_authenticator_file.h"
#include "enroll/migrate/parsers/oath_users_file.h"
#include "enroll/program_name.h"

namespace sshotp::cli {
namespace {

const Action kMigrateGa{"migrate-google-authenticator", true, true, true};
constexpr const char* kMigrateOath = "migrate-oath";
constexpr const char* kGaFileName = "/.google_authenticator";

// The options and operands both sources take: --replace, then the source's operands.
struct MigrateArgs {
  bool replace = false;
  std::vector<std::string> operands;
};

std::optional<Exit> parse_migrate_args(int argc, char** argv, MigrateArgs& args) {
  enum : int { kReplace = 1000 };
  static const struct option long_options[] = {{"replace", no_argument, nullptr, kReplace},
                                               {"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  auto handle = [&args](int, const char*) -> std::optional<Exit> {
    args.replace = true;
    return std::nullopt;
  };
  return parse_options(argc, argv, long_options, handle, args.operands);
}

// --------------------------------------------------------------------------------------------
// google-authenticator

struct GaSource {
  std::string path;
  FileOwners owners;
};

// The file to read: FILE if given, else ~USER/.google_authenticator from the passwd entry. The
// file in the home directory must be the user's own, as google-authenticator itself insists:
// a root-owned file there could be one the user pointed a symlinked directory at. A FILE root
// names may also be root's (a copy taken off another machine).
Result<GaSource> locate_ga_file(const std::string& user, const std::optional<std::string>& file) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  std::optional<uid_t> uid;
  if (found != nullptr) uid = found->pw_uid;
  if (file) return GaSource{*file, {uid, true}};
  if (found == nullptr) {
    return make_error(Errc::not_found, "no such user in the password database (name the FILE)");
  }
  if (found->pw_dir == nullptr || found->pw_dir[0] != '/') {
    return make_error(Errc::not_found, "the user has no absolute home directory (name the FILE)");
  }
  return GaSource{std::string(found->pw_dir) + kGaFileName, {uid, false}};
}

void print_warning(Session& session, const std::string& text) {
  print_error(session.what(), "warning: " + text);
}

std::string ga_outcome_text(MigrationResult result, const std::string& path,
                            const TotpParams& params, std::size_t codes) {
  const std::string with_codes = " with " + std::to_string(codes) + " scratch code" +
                                 (codes == 1 ? "" : "s") + " as recovery codes";
  switch (result) {
    case MigrationResult::imported:
      return ": migrated from " + path + " (" + describe_params(params) + ")" + with_codes + ".";
    case MigrationResult::replaced:
      return ": the enrollment is replaced by the key from " + path + " (" +
             describe_params(params) + ")" + with_codes + ".";
    case MigrationResult::codes_updated:
      return ": the key from " + path + " was migrated already; the recovery codes are now its " +
             std::to_string(codes) + " scratch codes.";
    case MigrationResult::unchanged:
    case MigrationResult::conflict:
      break;
  }
  return ": already migrated from " + path + "; nothing changed.";
}

// The file read, parsed and found migratable.
struct GaInput {
  GaSource source;
  bool exposed = false;
  GaFile file;
  GaMigration plan;
};

// Nothing if the file cannot be taken over: then the refusal is reported and `early` set.
std::optional<GaInput> read_ga_input(Session& session, const Config& config,
                                     const std::optional<std::string>& file, Exit& early) {
  auto source = locate_ga_file(session.user(), file);
  if (!source) {
    early = session.failed(source.error());
    return std::nullopt;
  }
  const std::string& path = source->path;
  auto read = read_user_file(path, source->owners, kMaxGaFileBytes);
  if (!read) {
    early = session.refused(Exit::error, "bad-file", read.error().message);
    return std::nullopt;
  }
  auto parsed = parse_google_authenticator(
      std::string_view(reinterpret_cast<const char*>(read->data.data()), read->data.size()));
  if (!parsed) {
    early = session.refused(Exit::error, "bad-file", path + ": " + parsed.error().message);
    return std::nullopt;
  }
  auto plan = plan_google_authenticator(*parsed, config.window);
  if (!plan) {
    early = session.refused(Exit::error, "unsupported", path + ": " + plan.error().message);
    return std::nullopt;
  }
  return GaInput{std::move(source).value(), read->exposed, std::move(parsed).value(),
                 std::move(plan).value()};
}

void print_ga_warnings(Session& session, const GaInput& input) {
  if (input.exposed) {
    print_warning(session, input.source.path +
                               " is readable by group or others, so the key may have been "
                               "copied: consider enrolling anew");
  }
  for (const std::string& warning : input.plan.warnings) print_warning(session, warning);
}

Exit run_migrate_ga(const ConfigLocation& where, int argc, char** argv) {
  MigrateArgs args;
  if (auto stop = parse_migrate_args(argc, argv, args)) return *stop;
  if (args.operands.size() > 2) {
    return usage_error("migrate google-authenticator: unexpected argument '" + args.operands[2] +
                       "'");
  }
  std::optional<std::string> file;
  if (args.operands.size() == 2) file = args.operands[1];
  args.operands.resize(std::min<std::size_t>(args.operands.size(), 1));
  Exit early = Exit::error;
  auto session = start_session(kMigrateGa, args.operands, early);
  if (!session) return early;
  auto config = load_cli_config(where, ConfigUse::writing);
  if (!config) return session->failed(config.error());
  auto input = read_ga_input(*session, *config, file, early);
  if (!input) return early;

  auto opened = open_store_for_writing(*config);
  if (!opened) return session->failed(opened.error());
  const std::int64_t now = now_unix();
  const TotpParams params = input->plan.params;
  const std::size_t codes = input->file.scratch_codes.size();
  MigratedUser migrated{session->user(), params, std::move(input->file.secret),
                        carried_last_step(input->file.newest_used_step, params.period, now),
                        std::move(input->file.scratch_codes)};
  auto txn = opened->store->begin_write();
  if (!txn) return session->failed(txn.error());
  auto result = store_migrated_user(**txn, opened->key, migrated, args.replace, now);
  if (!result) return session->failed(result.error());
  if (*result == MigrationResult::conflict) {
    return session->refused(Exit::error, "conflict",
                            "already enrolled with another key; nothing changed (--replace "
                            "overwrites it)");
  }
  print_ga_warnings(*session, *input);
  if (auto st = (*txn)->commit(); !st) return session->failed(st.error());
  std::printf("%s%s\n", session->user().c_str(),
              ga_outcome_text(*result, input->source.path, params, codes).c_str());
  return session->done(Exit::ok, migration_audit_result(*result));
}

// --------------------------------------------------------------------------------------------
// pam_oath

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
    case MigrationResult::unchanged:
      ++tally.unchanged;
      break;
    case MigrationResult::conflict:
      ++tally.skipped;
      break;
  }
}

std::string oath_outcome_text(MigrationResult result, const OathEntry& entry) {
  const std::string params = " (" + describe_params(entry.params) + ")";
  std::string text;
  switch (result) {
    case MigrationResult::imported:
      text = "imported" + params;
      break;
    case MigrationResult::replaced:
      text = "imported" + params + ", replacing the previous enrollment";
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
    const std::optional<std::int64_t> used =
        oath_used_step(entry.secret, entry.params, entry.last_used_at, entry.last_code);
    MigratedUser migrated{entry.user, entry.params, std::move(entry.secret),
                          carried_last_step(used, entry.params.period, now), std::nullopt};
    auto result = store_migrated_user(txn, store_key, migrated, replace, now);
    if (!result) return std::move(result).error();
    count(tally, *result);
    tally.report.push_back({entry.line, entry.user, oath_outcome_text(*result, entry)});
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
      return make_error(Errc::invalid_argument,
                        "lines " + std::to_string(earlier->second) + " and " +
                            std::to_string(entry.line) + " are both the account '" +
                            entry.user + "'");
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

Exit run_migrate_oath(const ConfigLocation& where, int argc, char** argv) {
  MigrateArgs args;
  if (auto stop = parse_migrate_args(argc, argv, args)) return *stop;
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
  auto config = load_cli_config(where, ConfigUse::writing);
  if (!config) return oath_failed(caller->uid, path, Exit::error, "error", config.error().message);
  // Root's file, checked like our own config: no symlink, not writable by anyone else.
  auto data = read_checked_file(path, Exposure::world_readable, kMaxOathFileBytes);
  if (!data) return oath_failed(caller->uid, path, Exit::error, "bad-file", data.error().message);
  OathFile parsed = parse_oath_usersfile(
      std::string_view(reinterpret_cast<const char*>(data->data()), data->size()));

  OathTally tally;
  for (const OathSkip& skip : parsed.skipped) {
    ++tally.skipped;
    tally.report.push_back({skip.line, printable_user(skip.user), "skipped: " + skip.reason});
  }
  std::vector<std::pair<std::string, MigrationResult>> audit;
  if (auto st = import_oath_entries(*config, parsed.entries, args.replace, tally, audit); !st) {
    return oath_failed(caller->uid, path, Exit::error, "error",
                       st.error().message + "; nothing was imported");
  }
  // Logged only now: the lines describe what the store holds after the commit.
  for (const auto& [user, result] : audit) {
    log_action(kMigrateOath, user, caller->uid, migration_audit_result(result));
  }
  print_oath_report(tally);
  if (tally.imported + tally.replaced > 0) {
    std::fprintf(stderr,
                 "%s: %s: note: pam_oath has no recovery codes; `sshotp-enroll recovery USER` "
                 "gives a user a set\n",
                 kProgramName, kMigrateOath);
  }
  return Exit::ok;
}

}  // namespace

Exit run_migrate(const ConfigLocation& where, int argc, char** argv) {
  if (argc < 2) return usage_error("migrate: missing SOURCE (google-authenticator or oath)");
  const std::string_view source = argv[1];
  if (source == "-h" || source == "--help") {
    print_usage(stdout);
    return Exit::ok;
  }
  if (source == "google-authenticator") return run_migrate_ga(where, argc - 1, argv + 1);
  if (source == "oath") return run_migrate_oath(where, argc - 1, argv + 1);
  return usage_error("migrate: unknown source '" + std::string(source) +
                     "' (google-authenticator or oath)");
}

}  // namespace sshotp::cli
