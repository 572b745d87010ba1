// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db copy FILE.db [--replace]`: moves a host's SQLite store into the PostgreSQL
// store the settings name (store = postgresql), root only. Steps, each finished before the next
// starts: the arguments, the caller, the settings, the key file; then the SQLite file, opened
// read-only, and its key checked against the key file (so against PostgreSQL's, which the write
// transaction checks in turn) before anything is written; then every user, read from the file
// and merged into PostgreSQL by copy_merge.h's rule, in one write transaction: committed whole,
// or not at all. Sealed secrets and recovery code MACs are copied as they are: the key is the
// same on every host, so nothing is decrypted.
//
// Round trips per user: three reads (the enrollment, locked FOR UPDATE; the pending one; the
// codes), then one write per part that changed (the codes: two).
#include <cstdio>
#include <string>
#include <vector>

#include "common/key_check.h"
#include "common/store_factory.h"
#include "enroll/cli/options.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/store_access.h"
#include "enroll/database/copy_merge.h"
#include "enroll/database/db_commands.h"
#include "enroll/setuid/elevated_store.h"
#include "enroll/setuid/privilege.h"

namespace sshotp::cli {
namespace {

const Action kCopy{"db copy", true, true, false, false};

// How many conflicting users are named before "and N more".
constexpr std::size_t kConflictsNamed = 20;

struct CopyTally {
  std::size_t users = 0;
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t replaced = 0;
  std::vector<std::string> conflicts;  // one line for each user who differs
  std::size_t changes() const { return added + updated + replaced; }
};

// One user as `txn` holds them; `listed`, from the same store's listing, saves a read.
Result<StoredUser> read_user(StoreTransaction& txn, const std::string& user,
                             const EnrollmentListing* listed) {
  StoredUser stored;
  if (listed != nullptr && listed->pending) {
    stored.pending = listed->enrollment;
  } else {
    if (listed != nullptr) {
      stored.active = listed->enrollment;
    } else {
      auto active = txn.find(user);  // in a write transaction: the user's row, locked
      if (!active) return std::move(active).error();
      stored.active = std::move(*active);
    }
    auto pending = txn.find_pending(user);
    if (!pending) return std::move(pending).error();
    stored.pending = std::move(*pending);
  }
  auto codes = txn.all_recovery_codes(user);
  if (!codes) return std::move(codes).error();
  stored.codes = std::move(codes).value();
  return stored;
}

// Writes the parts of `copy` that changed. The enrollment first: every writer of a user's codes
// holds the user's row (store.h). A user new to PostgreSQL is inserted, never upserted, so one
// enrolled there meanwhile (by another host, after our read) is not overwritten.
Status write_user(StoreTransaction& txn, const std::string& user, const StoredUser& before,
                  const UserCopy& copy) {
  if (copy.active_changed) {
    if (before.active) {
      if (auto st = txn.put(*copy.result.active); !st) return st;
    } else {
      auto conflict = txn.insert_many({&*copy.result.active, 1});
      if (!conflict) return std::move(conflict).error();
      if (*conflict) {
        return make_error(Errc::busy, "'" + user +
                                          "' was enrolled in the PostgreSQL store during the "
                                          "copy; nothing was copied, run it again");
      }
    }
  }
  if (copy.codes_changed) {
    if (auto st = txn.put_recovery_codes(user, copy.result.codes); !st) return st;
  }
  if (copy.pending_changed) {
    if (auto st = txn.put_pending(*copy.result.pending); !st) return st;
  }
  return Ok{};
}

// "1 user", "2 users".
std::string count_of(std::size_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

// Every user of `source` into `target`, tallied. Stops at the first error.
Status copy_users(StoreTransaction& source, StoreTransaction& target, bool replace,
                  CopyTally& tally) {
  return source.for_each_listing([&](const EnrollmentListing& listed) -> Status {
    const std::string& user = listed.enrollment.user;
    ++tally.users;
    auto from = read_user(source, user, &listed);
    if (!from) return std::move(from).error();
    auto into = read_user(target, user, nullptr);
    if (!into) return std::move(into).error();
    const UserCopy copy = plan_user_copy(*from, *into, replace);
    if (!copy.conflicts.empty()) {
      tally.conflicts.push_back("'" + user + "' is in the PostgreSQL store with other data (" +
                                joined(copy.conflicts) + ")");
      if (!replace) return Ok{};
    }
    if (!copy.changed()) return Ok{};
    if (auto st = write_user(target, user, *into, copy); !st) return st;
    if (!copy.conflicts.empty()) {
      ++tally.replaced;
    } else if (!into->active && !into->pending) {
      ++tally.added;
    } else {
      ++tally.updated;
    }
    return Ok{};
  });
}

// The SQLite file, read-only, with its key checked against the key file: a file sealed under
// another key would put secrets into PostgreSQL that no host can open.
Result<std::unique_ptr<StoreTransaction>> open_source(const Config& config, const std::string& file,
                                                      const SecureBytes& key,
                                                      std::unique_ptr<Store>& store) {
  Config source = config;
  source.store = StoreKind::sqlite;
  source.db = file;
  {
    Elevated root;
    auto opened = open_store(source, OpenMode::read_only, StoreUse::command);
    if (!opened) return std::move(opened).error();
    store = elevate_store(std::move(opened).value());
  }
  auto txn = store->begin_read();
  if (!txn) return txn;
  if (auto st = check_store_key(**txn, key, {config.key_file, file}); !st) {
    return make_error(st.error().code, st.error().message +
                                           " (every host of the fleet needs the key file that "
                                           "sealed the SQLite store; nothing was copied)");
  }
  return txn;
}

void print_conflicts(const std::vector<std::string>& conflicts) {
  for (std::size_t i = 0; i < conflicts.size() && i < kConflictsNamed; ++i) {
    print_error(kCopy.name, conflicts[i]);
  }
  if (conflicts.size() > kConflictsNamed) {
    print_error(kCopy.name,
                "and " + count_of(conflicts.size() - kConflictsNamed, "more user") + " like that");
  }
}

}  // namespace

Exit run_db_copy(const Invocation& invocation) {
  ReplaceArgs args;
  if (auto stop = parse_replace_args(invocation.argc, invocation.argv, args)) return *stop;
  if (args.operands.size() != 1) {
    return usage_error(args.operands.empty()
                           ? std::string("db copy: missing FILE.db (the SQLite store to copy)")
                           : "db copy: unexpected argument '" + args.operands[1] + "'");
  }
  const std::string& file = args.operands.front();
  Exit early = Exit::error;
  auto session = start_session(kCopy, {}, early);
  if (!session) return early;
  auto config = load_cli_config(invocation.where, ConfigUse::writing);
  if (!config) return session->failed(config.error());
  if (config->store != StoreKind::postgresql) {
    return session->refused(Exit::usage, "usage",
                            "the settings name store = sqlite; db copy copies into "
                            "store = postgresql");
  }
  // The key file must exist: a copy never creates one.
  auto key = load_store_key(*config);
  if (!key) return session->failed(key.error());
  std::unique_ptr<Store> source_store;
  auto source = open_source(*config, file, *key, source_store);
  if (!source) return session->failed(source.error());

  auto target = open_store_for_writing(*config);
  if (!target) return session->failed(target.error());
  auto txn = target->store->begin_write();  // checks the key against PostgreSQL's, again
  if (!txn) return session->failed(txn.error());
  CopyTally tally;
  if (auto st = copy_users(**source, **txn, args.replace, tally); !st) {
    return session->failed(st.error());
  }
  if (!tally.conflicts.empty() && !args.replace) {
    print_conflicts(tally.conflicts);
    return session->refused(Exit::error, "conflict",
                            "nothing was copied: " + count_of(tally.conflicts.size(), "user") +
                                " in conflict (--replace copies the file's data over theirs)");
  }
  if (tally.changes() == 0) {
    std::printf("nothing to copy: the PostgreSQL store already holds the %zu users of %s\n",
                tally.users, file.c_str());
    return session->done(Exit::ok, "unchanged");
  }
  if (auto st = (*txn)->commit(); !st) return session->failed(st.error());
  std::printf("copied %s: %zu users added, %zu updated, %zu replaced, %zu already the same\n",
              file.c_str(), tally.added, tally.updated, tally.replaced,
              tally.users - tally.changes());
  return session->done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
