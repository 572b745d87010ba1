// SPDX-License-Identifier: BSD-3-Clause
// The two file-based anchors. google-authenticator keeps one file per user, written here exactly
// as `google-authenticator -t -d -f -r 3 -R 30 -w 3 -e 5` (the answers its README recommends)
// writes it. pam_oath keeps every user in one usersfile ("HOTP/T30 user - hexkey", 30 s TOTP)
// that it reads line by line and rewrites whole on each success.
#include <cstdio>
#include <sstream>
#include <vector>

#include "bench/anchor.h"
#include "bench/bench_users.h"
#include "common/base32.h"

namespace sshotp::bench {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// The words of the first line whose first words are `a` and then `b` ("" matches any).
std::vector<std::string> find_line(const std::string& text, const std::string& a,
                                   const std::string& b) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto words = split_words(line);
    if (words.size() >= 2 && words[0] == a && (b.empty() || words[1] == b)) return words;
  }
  return {};
}

class GoogleAuthenticatorAnchor final : public Anchor {
 public:
  explicit GoogleAuthenticatorAnchor(const std::string& dir)
      : Anchor("google-authenticator", dir), secrets_(dir + "/secrets") {
    make_private_dir(secrets_);
    // user=root: the files belong to root, not to the (nonexistent) benchmark users.
    write_service("auth required pam_google_authenticator.so secret=" + secrets_ +
                  "/${USER} user=root");
  }

  void enroll(std::size_t first, std::size_t last) override {
    for (std::size_t i = first; i < last; ++i) reset(i);
  }

  void reset(std::size_t index) override {
    auto secret = base32_encode(user_secret(index));
    if (!secret) die(secret.error().message);
    std::string text = std::string(secret->view()) +
                       "\n\" RATE_LIMIT 3 30\n\" WINDOW_SIZE 3\n\" DISALLOW_REUSE\n\" TOTP_AUTH\n";
    for (unsigned k = 0; k < 5; ++k) {  // scratch codes, checked before the TOTP code
      char scratch[16];
      std::snprintf(scratch, sizeof scratch, "%08zu\n",
                    (index * 5 + k) * 7919 % 90000000 + 10000000);
      text += scratch;
    }
    write_text_file(secrets_ + "/" + user_name(index), text, 0400);  // as the CLI leaves it
  }

  // DISALLOW_REUSE lists the used time steps (unix time / 30).
  bool recorded(std::size_t index, std::int64_t unix_time) override {
    const auto words =
        find_line(read_text_file(secrets_ + "/" + user_name(index)), "\"", "DISALLOW_REUSE");
    const std::string step = std::to_string(unix_time / kPeriod);
    for (const std::string& word : words) {
      if (word == step) return true;
    }
    return false;
  }

 private:
  std::string secrets_;
};

class OathAnchor final : public Anchor {
 public:
  explicit OathAnchor(const std::string& dir)
      : Anchor("pam_oath", dir), usersfile_(dir + "/users.oath") {
    write_text_file(usersfile_, "", 0600);
    // window=1: one step either side, the same as pam_sshotp's default and GA's WINDOW_SIZE 3.
    write_service("auth required pam_oath.so usersfile=" + usersfile_ + " window=1");
  }

  void enroll(std::size_t first, std::size_t last) override {
    std::FILE* out = std::fopen(usersfile_.c_str(), "a");
    if (out == nullptr) die("cannot append to " + usersfile_);
    for (std::size_t i = first; i < last; ++i) {
      std::string hex;
      char byte[3];
      for (std::uint8_t b : user_secret(i)) {
        std::snprintf(byte, sizeof byte, "%02x", b);
        hex += byte;
      }
      std::fprintf(out, "HOTP/T30 %s - %s\n", user_name(i).c_str(), hex.c_str());
    }
    if (std::fclose(out) != 0) die("cannot write " + usersfile_);
  }

  // A fresh step is all a first use needs: pam_oath only refuses a code equal to the last one
  // or from a step before it, and each call of the benchmark comes at a later step.
  void reset(std::size_t) override {}

  // After a success the user's line reads "HOTP/T30 user - key moving-factor last-otp time".
  bool recorded(std::size_t index, std::int64_t unix_time) override {
    const auto words = find_line(read_text_file(usersfile_), "HOTP/T30", user_name(index));
    return words.size() >= 6 && words[5] == code_for(index, unix_time);
  }

 private:
  std::string usersfile_;
};

}  // namespace

std::unique_ptr<Anchor> make_google_authenticator_anchor(const std::string& dir) {
  return std::make_unique<GoogleAuthenticatorAnchor>(dir);
}

std::unique_ptr<Anchor> make_oath_anchor(const std::string& dir) {
  return std::make_unique<OathAnchor>(dir);
}

}  // namespace sshotp::bench
