// SPDX-License-Identifier: BSD-3-Clause
// `import --batch` (see import_batch.h). Steps, each finished before the next starts: parse the
// options, check the caller, load the settings, read and check every input line, then open the
// key and the store and write all rows in one transaction. Errors name a line number and a
// reason, never the line: it holds a secret (and in a mangled line the "user" may be one too).
#include "enroll/import/import_batch.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/hotp.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/session.h"
#include "enroll/cli/store_access.h"
#include "enroll/import/import_rules.h"
#include "enroll/import/line_source.h"
#include "enroll/program_name.h"

namespace sshotp::cli {
namespace {

constexpr const char* kWhat = "import --batch";
constexpr const char* kAuditAction = "import-batch";
// A user name (at most 255 bytes), a separator and the longest key line a single import takes.
constexpr std::size_t kMaxBatchLine = 256 + kMaxKeyLine;
// Rows sealed and handed to the store at a time: bounds the memory of sealed rows, not the
// transaction, which stays one for the whole batch.
constexpr std::size_t kRowsPerChunk = 4096;

struct BatchEntry {
  std::string user;
  SecureBytes secret;
  std::size_t line = 0;
  std::optional<std::int64_t> next_counter;  // a counter-based (HOTP) key's; none: time-based
};

// What the command line says about how every line is read: the key's encoding, and whether a
// line without a field of its own is counter-based (--hotp, from counter 0).
struct BatchRules {
  KeyEncoding encoding = KeyEncoding::base32;
  bool hotp = false;
};

// The optional field between USER and the key that makes a line counter-based: "hotp:N", N its
// token's next counter. The ':' is in neither the base32 nor the hex alphabet, so no line that
// was valid before the field existed changes its meaning.
constexpr std::string_view kHotpField = "hotp:";

// A failed batch: what to print, the exit status and the audit fields.
struct Refusal {
  Exit exit;
  std::string result;  // the audit line's result=
  std::string why;
  std::size_t line = 0;  // 0: not about one input line
};

Refusal bad_line(std::size_t line, std::string why) {
  return {Exit::usage, "bad-input", "line " + std::to_string(line) + ": " + std::move(why), line};
}

Refusal failure(const Error& error) { return {Exit::error, "error", error.message}; }

// Everything that reports: the error on stderr, and the one audit line of the batch.
class BatchReport {
 public:
  explicit BatchReport(uid_t by_uid) : by_uid_(by_uid) {}
  Exit refused(const Refusal& refusal) const {
    print_error(kWhat, refusal.why);
    log_action(kAuditAction, "-", by_uid_, refusal.result,
               refusal.line != 0 ? "line=" + std::to_string(refusal.line) : std::string());
    return refusal.exit;
  }
  Exit imported(std::size_t users) const {
    log_action(kAuditAction, "-", by_uid_, "ok", "users=" + std::to_string(users));
    return Exit::ok;
  }

 private:
  uid_t by_uid_;
};

std::string_view trim_blanks(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The next word of `text` (which starts with one), and `text` moved past it and its blanks.
std::string_view take_word(std::string_view& text) {
  const auto blank = std::min(text.find_first_of(" \t"), text.size());
  const std::string_view word = text.substr(0, blank);
  text = trim_blanks(text.substr(blank));
  return word;
}

// "USER [hotp:N] KEY": the user is the first word, then the optional counter field; the key is
// the rest (it may contain spaces, as `import` accepts). Blank lines and lines starting with
// '#' hold nothing.
Result<std::optional<BatchEntry>> parse_line(std::string_view text, std::size_t line,
                                             const BatchRules& rules) {
  auto bad = [](std::string why) { return make_error(Errc::invalid_argument, std::move(why)); };
  text = trim_blanks(text);
  if (text.empty() || text.front() == '#') return std::optional<BatchEntry>();
  const std::string_view name = take_word(text);
  if (text.empty()) return bad("expected USER [hotp:N] KEY");
  // The canonical name, as for `import USER`: "ALICE" stored as such would be a row the module
  // (which looks up "alice") never finds, and under nullok alice would give no code at all.
  auto user = store_user_name(name);
  if (!user) return std::move(user).error();  // invalid_argument, or unavailable: see read_batch
  std::optional<std::int64_t> next_counter;
  if (rules.hotp) next_counter = 0;
  if (text.starts_with(kHotpField)) {
    next_counter = parse_next_counter(take_word(text).substr(kHotpField.size()));
    if (!next_counter) {
      return bad("the counter (hotp:N) must be a whole number from 0 to " +
                 std::to_string(kMaxHotpCounter));
    }
    if (text.empty()) return bad("expected USER [hotp:N] KEY");
  }
  auto secret = decode_imported_key(text, rules.encoding);
  if (!secret) return bad(secret.error().message);
  return std::optional<BatchEntry>(
      BatchEntry{std::move(user).value(), std::move(secret).value(), line, next_counter});
}

// Reads and checks every line into `entries`, or refuses at the first bad one.
std::optional<Refusal> read_batch(int fd, const BatchRules& rules,
                                  std::vector<BatchEntry>& entries) {
  LineSource input(fd, kMaxBatchLine);
  std::string_view text;
  for (std::size_t line = 1;; ++line) {
    switch (input.next(text)) {
      case LineSource::Next::line:
        break;
      case LineSource::Next::end:
        if (entries.empty()) return Refusal{Exit::usage, "bad-input", "no USER KEY line"};
        return std::nullopt;
      case LineSource::Next::too_long:
        return bad_line(line, "longer than " + std::to_string(kMaxBatchLine) + " bytes");
      case LineSource::Next::failed:
        return failure(
            make_error(Errc::io, std::string("standard input: ") + std::strerror(errno)));
    }
    auto entry = parse_line(text, line, rules);
    if (!entry) {
      // A failed lookup refuses the batch as an error: no line is wrong, the directory is.
      if (entry.error().code == Errc::unavailable) return failure(entry.error());
      return bad_line(line, entry.error().message);
    }
    if (*entry) entries.push_back(std::move(**entry));
  }
}

// Sorts by user (the store's key order, which is also the fastest order to insert in) and
// refuses a user named twice, at the later of the two lines. The names are canonical by now, so
// "alice" and "ALICE" are one account, named twice.
std::optional<Refusal> sort_and_check_unique(std::vector<BatchEntry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const BatchEntry& a, const BatchEntry& b) {
    return a.user != b.user ? a.user < b.user : a.line < b.line;
  });
  std::optional<Refusal> first;
  for (std::size_t i = 1; i < entries.size(); ++i) {
    const BatchEntry& earlier = entries[i - 1];
    const BatchEntry& later = entries[i];
    if (earlier.user != later.user || (first && first->line < later.line)) continue;
    first = bad_line(later.line, "the same account ('" + later.user + "') as line " +
                                     std::to_string(earlier.line));
  }
  return first;
}

Result<Enrollment> sealed_enrollment(const SecureBytes& key, const BatchEntry& entry,
                                     const OtpParams& params, std::int64_t now) {
  auto sealed = seal(key, entry.secret, secret_aad(entry.user));
  if (!sealed) return std::move(sealed).error();
  Enrollment e;
  e.user = entry.user;
  e.otp = params;
  if (entry.next_counter) {
    e.otp.period = kCounterBased;
    e.last_step = last_step_before(*entry.next_counter);
  }
  e.sealed_secret = std::move(sealed).value();
  e.created_at = now;
  return e;
}

// One write transaction for the whole batch. A user who is already enrolled refuses it: a batch
// provisions; replacing keys is `import USER`, one user at a time, with new recovery codes.
std::optional<Refusal> write_batch(const WritableStore& target,
                                   const std::vector<BatchEntry>& entries,
                                   const OtpParams& params) {
  auto txn = target.store->begin_write();
  if (!txn) return failure(txn.error());
  const std::int64_t now = now_unix();
  std::vector<Enrollment> chunk;
  chunk.reserve(std::min(kRowsPerChunk, entries.size()));
  for (std::size_t first = 0; first < entries.size(); first += chunk.size()) {
    chunk.clear();
    for (std::size_t i = first; i < entries.size() && chunk.size() < kRowsPerChunk; ++i) {
      auto sealed = sealed_enrollment(target.key, entries[i], params, now);
      if (!sealed) return failure(sealed.error());
      chunk.push_back(std::move(sealed).value());
    }
    auto conflict = (*txn)->insert_many(chunk);
    if (!conflict) return failure(conflict.error());
    if (*conflict) {
      return bad_line(entries[first + **conflict].line,
                      "that user is already enrolled (nothing was imported; `import USER` "
                      "replaces one user's key)");
    }
  }
  if (auto st = (*txn)->commit(); !st) return failure(st.error());
  return std::nullopt;
}

// The parameters of an imported batch for its summary: "SHA1, 6 digits, 30 seconds", with
// "; 2 of them counter-based" if only some lines were, or "SHA1, 6 digits, counter-based".
std::string describe_batch(const std::vector<BatchEntry>& entries, OtpParams params) {
  const auto counter_based = static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(),
                    [](const BatchEntry& e) { return e.next_counter.has_value(); }));
  if (counter_based == entries.size()) params.period = kCounterBased;
  std::string text = describe_params(params);
  if (counter_based != 0 && counter_based != entries.size()) {
    text += "; " + std::to_string(counter_based) + " of them counter-based";
  }
  return text;
}

}  // namespace

bool wants_batch(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "--batch") return true;
  }
  return false;
}

Exit run_import_batch(const ConfigLocation& where, int argc, char** argv) {
  static const std::vector<struct option> long_options = with_import_options(
      {{"batch", no_argument, nullptr, 'b'}, {"help", no_argument, nullptr, 'h'}});
  ImportOptions param_options;
  auto param_option = [&](int option, const char* value) {
    return param_options.handle(option, value);
  };
  std::vector<std::string> operands;
  if (auto stop = parse_options(argc, argv, long_options.data(), param_option, operands)) {
    return *stop;
  }
  if (param_options.counter_given()) {
    return usage_error("--counter: not with --batch; a line gives its own counter (hotp:N)");
  }
  if (auto conflict = param_options.conflict()) return usage_error(*conflict);
  if (!operands.empty()) {
    return usage_error(std::string(kWhat) + ": unexpected argument '" + operands.front() +
                       "' (the users are read from standard input)");
  }
  auto caller = current_caller();
  if (!caller) {
    print_error("who is calling", caller.error().message);
    return Exit::error;
  }
  const BatchReport report(caller->uid);
  if (!caller->is_root()) {
    return report.refused(
        {Exit::permission, "denied", "permission denied (only root may do this)"});
  }
  auto config = load_cli_config(where, ConfigUse::writing);
  if (!config) return report.refused(failure(config.error()));
  const OtpParams params = param_options.applied_to(config->otp);
  // A line's hotp:N field makes it counter-based whatever the options say; --hotp makes the
  // lines without one counter-based too.
  const BatchRules rules{param_options.encoding(), param_options.hotp()};

  std::vector<BatchEntry> entries;
  if (auto refusal = read_batch(STDIN_FILENO, rules, entries)) return report.refused(*refusal);
  if (auto duplicate = sort_and_check_unique(entries)) return report.refused(*duplicate);

  auto opened = open_store_for_writing(*config);
  if (!opened) return report.refused(failure(opened.error()));
  if (auto refusal = write_batch(*opened, entries, params)) return report.refused(*refusal);
  std::fprintf(stderr,
               "%s: imported the keys of %zu users (%s). They have no recovery codes yet: "
               "`%s recovery USER` issues them.\n",
               kProgramName, entries.size(), describe_batch(entries, params).c_str(), kProgramName);
  return report.imported(entries.size());
}

}  // namespace sshotp::cli
