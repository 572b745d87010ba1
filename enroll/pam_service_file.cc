// SPDX-License-Identifier: BSD-3-Clause
// Reading pam.conf(5) lines (see pam_service_file.h).
#include "enroll/pam_service_file.h"

#include <cctype>

namespace sshotp::cli {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

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

bool parse_line(std::string_view text, PamLine& line) {
  Words words(text.substr(0, text.find('#')));
  if (!words.next(line.type, true)) return false;
  if (line.type == "@include") {
    line.type = "auth";
    line.control = "include";
    return words.next(line.module, true);
  }
  if (!words.next(line.control, true) || !words.next(line.module, true)) return false;
  for (std::string arg; words.next(arg, false);) line.args.push_back(arg);
  return true;
}

}  // namespace

bool PamLine::is_sshotp_auth() const {
  return is_auth() && !is_stacked() && base_name(module).starts_with("pam_sshotp");
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::vector<PamLine> parse_pam_service(std::string_view text) {
  std::vector<PamLine> lines;
  unsigned number = 0;
  while (!text.empty()) {
    const unsigned first = ++number;
    std::string joined;
    // A '\' at the very end continues the line: its arguments must not be lost.
    for (;;) {
      const auto nl = text.find('\n');
      std::string_view part = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      if (!part.ends_with('\\') || text.empty()) {
        joined += part;
        break;
      }
      part.remove_suffix(1);
      joined += part;
      joined += ' ';
      ++number;
    }
    PamLine line;
    line.number = first;
    if (parse_line(joined, line)) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace sshotp::cli
