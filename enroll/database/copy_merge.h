// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db copy`: what one user becomes in the PostgreSQL store, given what the SQLite
// file and the PostgreSQL store each hold of them. Pure: db_copy.cc reads and writes.
//
// The rule, chosen so that a second copy changes nothing and nothing used comes back:
//   * the same sealed secret, parameters and state on both sides is one enrollment, merged:
//     the greater last step (a code consumed on either side stays consumed), the stricter
//     lockout (each counter's greater value), the later last use with its host;
//   * its recovery codes, the same set (salts and MACs) on both sides, merged: a code used on
//     either side stays used, at its first use;
//   * what only one side has is kept (a new user is added whole);
//   * anything else differs (another secret, parameters, state, set of codes or pending
//     enrollment): a conflict, named, which only `--replace` settles, in the file's favour.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/store.h"

namespace sshotp::cli {

// One user as a store holds them.
struct StoredUser {
  std::optional<Enrollment> active;
  std::optional<Enrollment> pending;
  std::vector<RecoveryCodeRow> codes;
};

// What to write for one user. Each part is written only if it changed.
struct UserCopy {
  std::vector<std::string> conflicts;  // what differs ("a different secret", ...)
  StoredUser result;                   // what the PostgreSQL store is to hold
  bool active_changed = false;
  bool pending_changed = false;
  bool codes_changed = false;
  bool changed() const { return active_changed || pending_changed || codes_changed; }
};

// `from`: the SQLite file's user; `into`: the PostgreSQL store's (empty if absent). With
// conflicts and no `replace`, `result` is meaningless: the copy is refused.
UserCopy plan_user_copy(const StoredUser& from, const StoredUser& into, bool replace);

}  // namespace sshotp::cli
