// SPDX-License-Identifier: BSD-3-Clause
// JSON string literals for `list --json` (RFC 8259). User names come from the store, which is
// data from disk: any byte may turn up, so quotes, backslashes and control characters are
// escaped, and bytes that are not UTF-8 become U+FFFD (JSON text must be UTF-8).
#pragma once

#include <string>
#include <string_view>

namespace sshotp::cli {

// `text` as a quoted JSON string.
std::string json_string(std::string_view text);

}  // namespace sshotp::cli
