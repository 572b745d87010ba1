// SPDX-License-Identifier: BSD-3-Clause
// `migrate google-authenticator USER [FILE]`, root only: takes one user's ~/.google_authenticator
// over from google-authenticator-libpam: the key, the step size (or, counter-based, the
// counter), and the scratch codes as recovery codes, with a warning for every setting that does
// not carry over (the windows are global here, RATE_LIMIT gives way to our lockout). Running it
// again changes nothing (see store_migrated_user), and a user already enrolled with another key is
// left alone unless
// --replace is given. Nothing from the file is ever printed or logged but option names.
#include <pwd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/store_access.h"
#include "enroll/migrate/migrate_command.h"
#include "enroll/migrate/migrated_user.h"
#include "enroll/migrate/parsers/google_authenticator_file.h"

namespace sshotp::cli {
namespace {

const Action kMigrateGa{"migrate-google-authenticator", true, true, true};
constexpr const char* kGaFileName = "/.google_authenticator";

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
                            const MigratedUser& migrated, std::size_t codes) {
  const std::string params = describe_migrated(migrated);
  const std::string with_codes = " with " + std::to_string(codes) + " scratch code" +
                                 (codes == 1 ? "" : "s") + " as recovery codes";
  switch (result) {
    case MigrationResult::imported:
      return ": migrated from " + path + " (" + params + ")" + with_codes + ".";
    case MigrationResult::replaced:
      return ": the enrollment is replaced by the key from " + path + " (" + params + ")" +
             with_codes + ".";
    case MigrationResult::codes_updated:
      return ": the key from " + path + " was migrated already; the recovery codes are now its " +
             std::to_string(codes) + " scratch codes.";
    case MigrationResult::counter_advanced:
      return ": already migrated from " + path +
             "; google-authenticator accepted codes since, so the next counter is now " +
             std::to_string(migrated.last_step + 1) + ".";
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
  auto plan = plan_google_authenticator(*parsed, {config.window, config.hotp_window});
  if (!plan) {
    early = session.refused(Exit::error, "unsupported", path + ": " + plan.error().message);
    return std::nullopt;
  }
  return GaInput{std::move(source).value(), read->exposed, std::move(parsed).value(),
                 std::move(plan).value()};
}

// The replay state to carry over: HOTP_COUNTER is the next counter the module would accept,
// so the one before it is used; time-based, the newest step DISALLOW_REUSE recorded.
std::int64_t ga_last_step(const GaInput& input, std::int64_t now) {
  if (input.file.hotp_counter) return *input.file.hotp_counter - 1;
  return carried_last_step(input.file.newest_used_step, input.plan.params.period, now);
}

void print_ga_warnings(Session& session, const GaInput& input) {
  if (input.exposed) {
    print_warning(session, input.source.path +
                               " is readable by group or others, so the key may have been "
                               "copied: consider enrolling anew");
  }
  for (const std::string& warning : input.plan.warnings) print_warning(session, warning);
}
}  // namespace

Exit run_migrate_google_authenticator(const ConfigLocation& where, int argc, char** argv) {
  MigrateArgs args;
  if (auto stop = parse_replace_args(argc, argv, args)) return *stop;
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
  const OtpParams params = input->plan.params;
  const std::size_t codes = input->file.scratch_codes.size();
  MigratedUser migrated{session->user(), params, std::move(input->file.secret),
                        ga_last_step(*input, now), std::move(input->file.scratch_codes)};
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
              ga_outcome_text(*result, input->source.path, migrated, codes).c_str());
  return session->done(Exit::ok, migration_audit_result(*result));
}

}  // namespace sshotp::cli
