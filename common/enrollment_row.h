// SPDX-License-Identifier: BSD-3-Clause
// An enrollment row as a backend read it, checked field by field before it is trusted: rows are
// data from disk or from a database server that other hosts write, so a bad one is refused by
// name (fail closed) instead of reaching TOTP or AES. One rule for every backend (SQLite, the
// PostgreSQL plugin), so the backends cannot drift apart on what counts as corrupt.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/store.h"

namespace sshotp {

// The columns an active and a pending enrollment share (the secret and its parameters). Absent
// means SQL NULL.
struct SecretColumns {
  std::optional<std::string_view> user;
  std::optional<std::string_view> algorithm;
  std::int64_t digits = 0;
  std::int64_t period = 0;
  std::optional<std::span<const std::uint8_t>> sealed_secret;
};

// The columns only an active enrollment has.
struct ActiveColumns {
  std::int64_t last_step = -1;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
  LockoutState lockout;
  std::optional<std::string_view> state;
  std::optional<std::string_view> last_host;
};

// "<where>: corrupt enrollment row for user '<user>' (<field>)", Errc::unavailable.
Error corrupt_row(const std::string& where, std::string_view user, const char* field);

// The secret and its parameters, checked. `where` names the store in errors.
Result<Enrollment> secret_from_columns(const SecretColumns& columns, const std::string& where);

// Adds the active enrollment's columns to `e`, checked.
Status add_active_columns(Enrollment& e, const ActiveColumns& columns, const std::string& where);

}  // namespace sshotp
