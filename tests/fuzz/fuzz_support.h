// SPDX-License-Identifier: BSD-3-Clause
// Shared by the libFuzzer targets in this directory: how a broken invariant is reported (abort,
// so libFuzzer saves the input and the corpus replay in `make check` fails), how raw bytes become
// text, and a scratch config/key/store that lives for the whole process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "tests/support/fixture.h"

namespace sshotp::fuzz {

// Aborts naming the invariant: a finding, exactly like a sanitizer report.
void require(bool holds, const char* invariant);

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Pieces of `text` between `separator`s; a trailing separator gives no empty last piece.
std::vector<std::string_view> split(std::string_view text, char separator);

// What any successfully parsed Config must satisfy, whatever text or arguments produced it.
void require_sane_config(const Config& config);

// A config/key/store (on a tmpfs if there is one: see tests/crash/tmpfs_scratch.h), created on
// first use and removed at exit.
const test::TestEnv& scratch_env();

}  // namespace sshotp::fuzz
