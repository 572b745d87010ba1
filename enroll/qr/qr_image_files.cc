// SPDX-License-Identifier: BSD-3-Clause
// The --qr-png/--qr-svg files of `enroll` (see qr_image_files.h).
#include "enroll/qr/qr_image_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_checks.h"
#include "enroll/cli/reporting.h"
#include "enroll/qr/qr_image.h"
#include "enroll/qr/qr_terminal.h"

namespace sshotp::cli {

QrImageFiles::~QrImageFiles() {
  if (keep_) return;
  for (const std::string& path : written_) unlink(path.c_str());
}

std::optional<Exit> QrImageFiles::handle(int option, const char* path) {
  const bool png = option == kPngOption;
  const char* name = png ? "--qr-png" : "--qr-svg";
  if (*path == '\0') return usage_error(std::string(name) + ": needs a file name");
  (png ? png_path_ : svg_path_) = path;
  if (png_path_ == svg_path_) return usage_error("--qr-png and --qr-svg name the same file");
  return std::nullopt;
}

Status QrImageFiles::check_absent() const {
  for (const std::string* path : {&png_path_, &svg_path_}) {
    struct stat st {};
    if (path->empty()) continue;
    if (lstat(path->c_str(), &st) == 0) {
      return make_error(Errc::invalid_argument,
                        *path + ": already exists; refusing to overwrite it (choose a new name)");
    }
    if (errno != ENOENT) return make_error(Errc::io, *path + ": " + std::strerror(errno));
  }
  return Ok{};
}

Status QrImageFiles::write(std::string_view uri, Terminal& tty) {
  if (png_path_.empty() && svg_path_.empty()) return Ok{};
  auto matrix = encode_qr(uri);
  if (!matrix) return std::move(matrix).error();
  auto create = [&](const std::string& path, const void* data, std::size_t size) -> Status {
    CreateResult created = create_new_file(path, data, size, 0600);
    if (!created.status) return created.status;
    written_.push_back(path);
    tty.print("The QR code is also in " + path +
              " (mode 0600); delete it once the key is in your app.\n");
    return Ok{};
  };
  if (!png_path_.empty()) {
    auto png = render_qr_png(*matrix);
    if (!png) return std::move(png).error();
    if (auto st = create(png_path_, png->data(), png->size()); !st) return st;
  }
  if (!svg_path_.empty()) {
    const SecretString svg = render_qr_svg(*matrix);
    if (auto st = create(svg_path_, svg.view().data(), svg.size()); !st) return st;
  }
  tty.print("\n");
  return Ok{};
}

}  // namespace sshotp::cli
