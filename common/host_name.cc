// SPDX-License-Identifier: BSD-3-Clause
// This host's name (see host_name.h).
#include "common/host_name.h"

#include <unistd.h>

#include <array>
#include <cstring>

namespace sshotp {
namespace {

std::string read_host_name() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') return "unknown";
  std::string name(buf.data(), strnlen(buf.data(), buf.size() - 1));
  for (char& c : name) {
    if (c <= 0x20 || c >= 0x7f) c = '?';
  }
  return name;
}

}  // namespace

const std::string& this_host_name() {
  static const std::string name = read_host_name();  // thread-safe since C++11
  return name;
}

}  // namespace sshotp
