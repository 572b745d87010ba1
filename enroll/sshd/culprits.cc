// SPDX-License-Identifier: BSD-3-Clause
// Reads an sshd configuration the way sshd orders it, to point at overriding lines (see
// culprits.h). Tokenising follows sshd_config(5): whitespace-separated arguments, optional
// double quotes, '#' starting a comment, case-insensitive keywords.
#include "enroll/sshd/culprits.h"

#include <glob.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

#include "common/text.h"

namespace sshotp::cli {
namespace {

constexpr int kMaxIncludeDepth = 16;                  // sshd's own limit (READCONF_MAX_DEPTH)
constexpr const char* kSshdConfigBase = "/etc/ssh/";  // relative Include paths start here

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string> tokens(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    if (blank(line[i])) {
      ++i;
      continue;
    }
    if (line[i] == '#') break;
    std::string token;
    if (line[i] == '"') {
      const std::size_t close = line.find('"', i + 1);
      const std::size_t end = close == std::string_view::npos ? line.size() : close;
      token = line.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      while (i < line.size() && !blank(line[i])) token += line[i++];
    }
    out.push_back(std::move(token));
  }
  // "Keyword=value" is read as "Keyword value".
  if (!out.empty()) {
    const std::size_t eq = out.front().find('=');
    if (eq != std::string::npos && eq > 0) {
      std::string value = out.front().substr(eq + 1);
      out.front().resize(eq);
      if (!value.empty()) out.insert(out.begin() + 1, std::move(value));
    }
  }
  return out;
}

// The keywords the drop-in sets, under the name sshd -T prints.
std::optional<std::string> watched_keyword(const std::string& keyword) {
  if (keyword == "challengeresponseauthentication") return "kbdinteractiveauthentication";
  for (const char* k : {"usepam", "passwordauthentication", "kbdinteractiveauthentication",
                        "authenticationmethods"}) {
    if (keyword == k) return keyword;
  }
  return std::nullopt;
}

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool valid = false;
};

FileId file_id(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, true};
}

class Reader {
 public:
  Reader(ConfigReading& reading, FileId dropin) : reading_(reading), dropin_(dropin) {}

  // Reads `file` under the Match state `match`. A Match inside the file does not leak out of
  // it (sshd saves and restores the state around an Include).
  void read(const std::string& file, std::string match, int depth) {
    std::ifstream in(file);
    if (!in) {
      reading_.unreadable.push_back(file);
      return;
    }
    const FileId id = file_id(file);
    const bool ours = dropin_.valid && id.valid && id.dev == dropin_.dev && id.ino == dropin_.ino;
    if (ours) reading_.dropin_included = true;
    std::string text;
    for (unsigned number = 1; std::getline(in, text); ++number) {
      const std::vector<std::string> words = tokens(text);
      if (words.empty()) continue;
      const std::string keyword = ascii_lower(words.front());
      if (keyword == "match") {
        match = std::string(trim(text));
      } else if (keyword == "include") {
        if (depth < kMaxIncludeDepth) include(words, match, depth + 1);
      } else if (auto watched = watched_keyword(keyword)) {
        std::string value;
        for (std::size_t i = 1; i < words.size(); ++i) value += (i > 1 ? " " : "") + words[i];
        reading_.lines.push_back(
            {file, number, *watched, value, std::string(trim(text)), match, ours});
      }
    }
  }

 private:
  void include(const std::vector<std::string>& words, const std::string& match, int depth) {
    for (std::size_t i = 1; i < words.size(); ++i) {
      const std::string pattern = words[i].starts_with('/') ? words[i] : kSshdConfigBase + words[i];
      glob_t found{};
      if (glob(pattern.c_str(), 0, nullptr, &found) == 0) {
        for (std::size_t k = 0; k < found.gl_pathc; ++k) read(found.gl_pathv[k], match, depth);
      }
      globfree(&found);
    }
  }

  ConfigReading& reading_;
  FileId dropin_;
};

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

ConfigReading read_sshd_config(const std::string& main_config, const std::string& dropin) {
  ConfigReading reading;
  Reader(reading, file_id(dropin)).read(main_config, "", 0);
  return reading;
}

std::vector<KeywordLine> likely_culprits(const ConfigReading& reading, std::string_view keyword,
                                         std::string_view wanted) {
  const std::string want = ascii_lower(wanted);
  const auto& lines = reading.lines;
  std::size_t our_index = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].ours && lines[i].keyword == keyword && ascii_lower(lines[i].value) == want) {
      our_index = i;
      break;
    }
  }
  const bool ours_found = our_index < lines.size();
  const bool ours_in_match = ours_found && !lines[our_index].match.empty();
  std::vector<KeywordLine> culprits;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const KeywordLine& l = lines[i];
    if (l.ours || l.keyword != keyword || ascii_lower(l.value) == want) continue;
    const bool earlier = i < our_index;
    const bool in_match = !l.match.empty();
    const bool can_override =
        !ours_found || (ours_in_match ? in_match && earlier : in_match || earlier);
    if (can_override) culprits.push_back(l);
  }
  return culprits;
}

std::vector<Override> global_overrides(const ConfigReading& reading) {
  std::vector<Override> found;
  const auto& lines = reading.lines;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const KeywordLine& ours = lines[i];
    if (!ours.ours || !ours.match.empty()) continue;
    for (std::size_t j = 0; j < i; ++j) {
      const KeywordLine& theirs = lines[j];
      if (!theirs.ours && theirs.match.empty() && theirs.keyword == ours.keyword &&
          ascii_lower(theirs.value) != ascii_lower(ours.value)) {
        found.push_back({theirs, ours});
        break;  // the first one is the value sshd keeps
      }
    }
  }
  return found;
}

}  // namespace sshotp::cli
