// SPDX-License-Identifier: BSD-3-Clause
// `enroll --qr-png FILE` and `--qr-svg FILE`: the QR code of the new key written to image
// files. A file is only ever created, never overwritten (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600:
// it holds the secret), and with the caller's own rights. Files for a key that ends up not
// saved (wrong codes, Ctrl-C, an error) are removed again: that key is worthless, and an image
// of it would only confuse.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "enroll/cli/exit_status.h"
#include "enroll/cli/terminal.h"

namespace sshotp::cli {

class QrImageFiles {
 public:
  // getopt_long values of --qr-png and --qr-svg.
  static constexpr int kPngOption = 3000;
  static constexpr int kSvgOption = 3001;

  QrImageFiles() = default;
  ~QrImageFiles();  // removes the files written unless keep() was called
  QrImageFiles(const QrImageFiles&) = delete;
  QrImageFiles& operator=(const QrImageFiles&) = delete;

  static bool is_option(int option) noexcept {
    return option == kPngOption || option == kSvgOption;
  }
  // Takes the FILE of either option; a usage error to stop with, or nothing.
  std::optional<Exit> handle(int option, const char* path);

  // Before any secret exists: refuses a FILE that exists already (nothing is overwritten).
  Status check_absent() const;
  // Draws the QR code of `uri` into every requested file and tells the user on `tty`.
  Status write(std::string_view uri, Terminal& tty);
  // The key was saved: the files stay.
  void keep() noexcept { keep_ = true; }

 private:
  std::string png_path_;
  std::string svg_path_;
  std::vector<std::string> written_;
  bool keep_ = false;
};

}  // namespace sshotp::cli
