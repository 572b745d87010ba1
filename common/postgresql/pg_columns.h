// SPDX-License-Identifier: BSD-3-Clause
// Reading columns of a binary-format libpq result: integers are big-endian of 2, 4 or 8 bytes,
// bytea and text are their raw bytes. A value of any other size is refused (a schema that is
// not ours), never guessed at. Internal to the PostgreSQL plugin.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/result.h"

namespace sshotp::pg {

// Absent for SQL NULL.
std::optional<std::string_view> text_at(const PGresult* r, int row, int column);
std::optional<std::span<const std::uint8_t>> bytes_at(const PGresult* r, int row, int column);
// Absent for SQL NULL or a value that is not an int2, int4 or int8 of its type's width.
std::optional<std::int64_t> int_at(const PGresult* r, int row, int column);
// An integer column that must not be NULL; `what` names it in the error.
Result<std::int64_t> required_int(const PGresult* r, int row, int column, const char* what);
// How many rows an INSERT, UPDATE or DELETE changed.
std::int64_t changed_rows(const PGresult* r);

}  // namespace sshotp::pg
