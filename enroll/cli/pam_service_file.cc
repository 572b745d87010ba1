// SPDX-License-Identifier: BSD-3-Clause
// Reading pam.conf(5) lines (see pam_service_file.h).
#include "enroll/cli/pam_service_file.h"

#include <cctype>

namespace sshotp::cli {
namespace {

// libpam splits on these three only (_pam_StrTok, _pam_mkargv): a '\r' or '\f' is part of a word.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// libpam compares types and controls with strcasecmp: "Auth Required" is "auth required".
std::string lower(std::string word) {
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

// Splits a line into words; a word starting with '[' runs to the matching ']' (spaces and all,
// "\]" standing for a ']' inside), as libpam reads controls and arguments. With `keep_brackets`
// the brackets stay (a control), else only what is inside is kept (an argument).
class Words {
 public:
  explicit Words(std::string_view text) : text_(text) {}

  bool next(std::string& word, bool keep_brackets) {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    if (pos_ >= text_.size()) return false;
    word.clear();
    if (text_[pos_] != '[') {
      while (pos_ < text_.size() && !is_space(text_[pos_])) word += text_[pos_++];
      return true;
    }
    ++pos_;
    if (keep_brackets) word += '[';
    while (pos_ < text_.size() && text_[pos_] != ']') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == ']') ++pos_;
      word += text_[pos_++];
    }
    if (pos_ < text_.size()) ++pos_;  // the ']'
    if (keep_brackets) word += ']';
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// `text` is one assembled line, comments already cut.
bool parse_line(std::string_view text, PamLine& line) {
  Words words(text);
  if (!words.next(line.type, true)) return false;
  if (line.type == "@include") {
    line.type = "auth";
    line.control = "include";
    return words.next(line.module, true);
  }
  if (!words.next(line.control, true) || !words.next(line.module, true)) return false;
  line.type = lower(std::move(line.type));
  // A "[value=action ...]" control is kept as written: only its keywords are looked at here.
  if (!line.control.starts_with('[')) line.control = lower(std::move(line.control));
  for (std::string arg; words.next(arg, false);) line.args.push_back(arg);
  return true;
}

}  // namespace

bool PamLine::is_sshotp_auth() const {
  // libpam loads exactly the file named (no ".so" added, no prefix match): pam_sshotp_foo.so
  // is another module.
  return is_auth() && !is_stacked() && base_name(module) == "pam_sshotp.so";
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// libpam's _pam_assemble_line (libpam/pam_handlers.c), physical line by physical line:
//   - a line blank or starting (after spaces) with '#' is skipped, even inside a continuation,
//     which goes on past it;
//   - otherwise the line is cut at its first '#', and a line with a '#' always ends the
//     assembled line: a '\' after the '#' is part of the comment;
//   - trailing " \t\n" is stripped, then a final '\' becomes a space and the next line is
//     joined on;
//   - end of file inside a continuation is an incomplete read: libpam stops reading the file
//     there (PAM_ABORT), so that line is not returned.
std::vector<PamLine> parse_pam_service(std::string_view text) {
  std::vector<PamLine> lines;
  unsigned number = 0;
  std::string joined;
  unsigned first = 0;  // the physical line `joined` started on, 0 if none yet
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view part = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++number;
    const auto start = part.find_first_not_of(" \t\n");
    if (start == std::string_view::npos || part[start] == '#') continue;
    part.remove_prefix(start);
    if (first == 0) first = number;
    const auto hash = part.find('#');
    bool continued = false;
    if (hash != std::string_view::npos) {
      part = part.substr(0, hash);
    } else {
      part = part.substr(0, part.find_last_not_of(" \t\n") + 1);  // not empty: start found
      if (part.ends_with('\\')) {
        part.remove_suffix(1);
        continued = true;
      }
    }
    joined += part;
    if (continued) {
      joined += ' ';
      continue;
    }
    PamLine line;
    line.number = first;
    if (parse_line(joined, line)) lines.push_back(std::move(line));
    joined.clear();
    first = 0;
  }
  return lines;
}

}  // namespace sshotp::cli
