// SPDX-License-Identifier: BSD-3-Clause
// When sshd -T reports another value than the drop-in sets, which line is to blame? sshd keeps
// the first value it reads for a keyword, reading the main config top to bottom and each
// Include (globs in lexical order) where it stands, and a satisfied Match block overrides the
// global value. This reads the configuration in that same order and names the lines that can
// explain the difference, so the administrator knows which file to fix. It only explains: the
// verdict itself always comes from sshd.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sshotp::cli {

// One line that sets one of the keywords we care about, in sshd's reading order.
struct KeywordLine {
  std::string file;
  unsigned number = 0;
  std::string keyword;  // lower case; ChallengeResponseAuthentication counted as
                        // kbdinteractiveauthentication, its alias
  std::string value;    // as written, arguments joined by one space
  std::string text;     // the line itself, trimmed
  std::string match;    // the Match line it sits under, or empty for a global line
  bool ours = false;    // in the drop-in we wrote
};

struct ConfigReading {
  std::vector<KeywordLine> lines;
  bool dropin_included = false;         // the main config (or an Include) reaches our drop-in
  std::vector<std::string> unreadable;  // files that could not be read
};

// Keywords are case-insensitive, and so are the yes/no values we compare.
std::string ascii_lower(std::string_view text);

// Reads `main_config` and every file it includes. `dropin` is the file we wrote (matched by
// device and inode, however the Include spells it).
ConfigReading read_sshd_config(const std::string& main_config, const std::string& dropin);

// The lines that can make sshd use another value than `wanted` for `keyword` (lower case): if
// our own line is global, other global lines before it, and Match blocks anywhere; if ours is
// inside a Match block, Match blocks before it (the first satisfied one wins).
std::vector<KeywordLine> likely_culprits(const ConfigReading& reading, std::string_view keyword,
                                         std::string_view wanted);

// Global lines that come before a global line of ours with the same keyword and another value:
// sshd certainly uses theirs, for every user. This needs no sshd -T, so it also explains an
// `sshd -t` failure (e.g. "KbdInteractiveAuthentication no" in an earlier drop-in disables the
// method our AuthenticationMethods needs).
struct Override {
  KeywordLine theirs;
  KeywordLine ours;
};
std::vector<Override> global_overrides(const ConfigReading& reading);

}  // namespace sshotp::cli
