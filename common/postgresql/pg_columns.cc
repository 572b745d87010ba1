// SPDX-License-Identifier: BSD-3-Clause
// Binary-format column readers (see pg_columns.h).
#include "common/postgresql/pg_columns.h"

#include <cstdlib>
#include <string>

namespace sshotp::pg {

std::optional<std::string_view> text_at(const PGresult* r, int row, int column) {
  if (PQgetisnull(r, row, column) != 0) return std::nullopt;
  return std::string_view(PQgetvalue(r, row, column),
                          static_cast<std::size_t>(PQgetlength(r, row, column)));
}

std::optional<std::span<const std::uint8_t>> bytes_at(const PGresult* r, int row, int column) {
  if (PQgetisnull(r, row, column) != 0) return std::nullopt;
  return std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(PQgetvalue(r, row, column)),
      static_cast<std::size_t>(PQgetlength(r, row, column)));
}

namespace {

// The integer types' OIDs (pg_type.dat; fixed since PostgreSQL 7, libpq has no header for them)
// and their binary widths.
std::size_t integer_width(Oid type) {
  switch (type) {
    case 21:  // int2
      return 2;
    case 23:  // int4
      return 4;
    case 20:  // int8
      return 8;
    default:
      return 0;
  }
}

}  // namespace

std::optional<std::int64_t> int_at(const PGresult* r, int row, int column) {
  // The column's type decides, not its length alone: 8 bytes of a float8 or of a bytea are not
  // an integer.
  const std::size_t width = integer_width(PQftype(r, column));
  auto bytes = bytes_at(r, row, column);
  if (width == 0 || !bytes || bytes->size() != width) return std::nullopt;
  std::uint64_t value = (*bytes)[0] & 0x80 ? ~std::uint64_t{0} : 0;  // sign-extend
  for (std::uint8_t b : *bytes) value = (value << 8) | b;
  return static_cast<std::int64_t>(value);
}

Result<std::int64_t> required_int(const PGresult* r, int row, int column, const char* what) {
  auto value = int_at(r, row, column);
  if (!value) return make_error(Errc::unavailable, std::string("unexpected value for ") + what);
  return *value;
}

std::int64_t changed_rows(const PGresult* r) {
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(r));  // libpq's API is not const
  return tuples != nullptr && *tuples != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
}

}  // namespace sshotp::pg
