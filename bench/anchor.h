// SPDX-License-Identifier: BSD-3-Clause
// An anchor is one PAM module under test with its own state: pam_sshotp (SQLite store),
// google-authenticator (one ~/.google_authenticator-style file per user), pam_oath (one
// usersfile) and pam_permit (no state: the cost of libpam itself). Each lives in a private
// directory with its own PAM configuration directory, read by pam_start_confdir.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sshotp::bench {

class Anchor {
 public:
  static constexpr const char* kService = "bench";

  virtual ~Anchor() = default;
  Anchor(const Anchor&) = delete;
  Anchor& operator=(const Anchor&) = delete;

  const std::string& name() const { return name_; }
  const std::string& confdir() const { return confdir_; }
  virtual bool verifies_codes() const { return true; }
  // Whether a user nobody enrolled is prompted and refused as a wrong code is, after the same
  // work (pam_sshotp's "no enumeration"); only these anchors time Path::unenrolled.
  virtual bool refuses_unenrolled_like_wrong() const { return false; }

  // Enrolls users [first, last); the scale runs call it again with the next range.
  virtual void enroll(std::size_t first, std::size_t last) = 0;
  // Makes the user "enrolled, never used, no failures" again. Called outside the timed region
  // before wrong-code and replay calls, so failure counting never locks anyone out.
  virtual void reset(std::size_t index) = 0;
  // Whether the user's stored state shows the success at `unix_time` (the lost-update check).
  virtual bool recorded(std::size_t index, std::int64_t unix_time) = 0;

 protected:
  // Creates `dir` (0700) and its pam.d/ with an `other` service that denies everything.
  Anchor(std::string name, std::string dir);
  const std::string& dir() const { return dir_; }
  void write_service(const std::string& auth_line) const;

 private:
  std::string name_;
  std::string dir_;
  std::string confdir_;
};

std::unique_ptr<Anchor> make_sshotp_anchor(const std::string& dir, const std::string& module);
std::unique_ptr<Anchor> make_google_authenticator_anchor(const std::string& dir);
std::unique_ptr<Anchor> make_oath_anchor(const std::string& dir);
std::unique_ptr<Anchor> make_permit_anchor(const std::string& dir);

// Small file helpers shared by the anchors; any failure ends the benchmark (exit 2).
[[noreturn]] void die(const std::string& what);
void write_text_file(const std::string& path, const std::string& text, unsigned mode);
std::string read_text_file(const std::string& path);
void make_private_dir(const std::string& path);

}  // namespace sshotp::bench
