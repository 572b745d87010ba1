// SPDX-License-Identifier: BSD-3-Clause
// PNG and SVG renderings of the QR module matrix (see qr_image.h).
#include "enroll/qr/qr_image.h"

#include <png.h>

#include <charconv>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sshotp::cli {
namespace {

// The PNG is written into a buffer reserved up front and never reallocated: growing it would
// leave unwiped copies behind, and a bad_alloc must not be thrown through libpng's C frames.
void append_to_buffer(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<SecureBytes*>(png_get_io_ptr(png));
  if (out->capacity() - out->size() < length) png_error(png, "image larger than its buffer");
  out->insert(out->end(), data, data + length);
}

void flush_nothing(png_structp) {}

// libpng reports failures by longjmp; the message would be about libpng's internals, so the
// caller words the error instead.
[[noreturn]] void on_png_error(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void on_png_warning(png_structp, png_const_charp) {}

// libpng and zlib keep copies of the image rows in their own buffers: every block they
// allocate carries its size in front, so that it can be wiped before it is freed.
constexpr std::size_t kBlockHeader = alignof(std::max_align_t);

png_voidp wiping_malloc(png_structp, png_alloc_size_t size) {
  auto* block = static_cast<unsigned char*>(std::malloc(kBlockHeader + size));
  if (block == nullptr) return nullptr;
  std::memcpy(block, &size, sizeof size);
  return block + kBlockHeader;
}

void wiping_free(png_structp, png_voidp p) {
  if (p == nullptr) return;
  unsigned char* block = static_cast<unsigned char*>(p) - kBlockHeader;
  png_alloc_size_t size = 0;
  std::memcpy(&size, block, sizeof size);
  secure_wipe(block, kBlockHeader + size);
  std::free(block);
}

struct PngWriter {
  png_structp png = nullptr;
  png_infop info = nullptr;
  PngWriter() {
    png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, nullptr, on_png_error, on_png_warning,
                                    nullptr, wiping_malloc, wiping_free);
    if (png != nullptr) info = png_create_info_struct(png);
  }
  ~PngWriter() { png_destroy_write_struct(&png, &info); }
  PngWriter(const PngWriter&) = delete;
  PngWriter& operator=(const PngWriter&) = delete;
};

// Everything libpng may longjmp out of happens in here, where no object has a destructor that
// the jump would skip.
bool write_png(png_structp png, png_infop info, SecureBytes* out, const std::uint8_t* rows,
               std::size_t row_bytes, png_uint_32 side) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_set_write_fn(png, out, append_to_buffer, flush_nothing);
  png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (png_uint_32 y = 0; y < side; ++y) png_write_row(png, rows + y * row_bytes);
  png_write_end(png, info);
  return true;
}

// Modules along one side, quiet zone included.
int modules_per_side(const QrMatrix& matrix) { return matrix.width + 2 * kQrQuietZone; }

bool dark_module(const QrMatrix& matrix, int column, int row) {
  return matrix.is_dark(column - kQrQuietZone, row - kQrQuietZone);
}

void append(SecretString& out, std::string_view text) {
  for (char c : text) out.push_back(c);
}

// Module positions are bits of the symbol, hence of the key: no unwiped temporaries for them.
void append_number(SecretString& out, int n) {
  char digits[16];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  if (ec == std::errc())
    append(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
  secure_wipe(digits, sizeof digits);
}

}  // namespace

Result<SecureBytes> render_qr_png(const QrMatrix& matrix, int scale) {
  const auto side = static_cast<std::size_t>(modules_per_side(matrix) * scale);
  const std::size_t row_bytes = (side + 7) / 8;
  // 1-bit greyscale: a set bit is white. Start white, then clear the dark modules' pixels.
  SecureBytes rows(side * row_bytes, 0xff);
  for (std::size_t y = 0; y < side; ++y) {
    for (std::size_t x = 0; x < side; ++x) {
      if (dark_module(matrix, static_cast<int>(x) / scale, static_cast<int>(y) / scale)) {
        rows[y * row_bytes + x / 8] &= static_cast<std::uint8_t>(~(0x80u >> (x % 8)));
      }
    }
  }
  // Deflate can grow incompressible data a little; ours compresses well. Filter bytes, chunk
  // headers and the IHDR/IEND chunks fit easily in the extra room.
  SecureBytes png_bytes;
  png_bytes.reserve(2 * (rows.size() + side) + 4096);
  PngWriter writer;
  if (writer.png == nullptr || writer.info == nullptr ||
      !write_png(writer.png, writer.info, &png_bytes, rows.data(), row_bytes,
                 static_cast<png_uint_32>(side))) {
    return make_error(Errc::io, "cannot encode the QR code as PNG");
  }
  return png_bytes;
}

SecretString render_qr_svg(const QrMatrix& matrix, int scale) {
  const int modules = modules_per_side(matrix);
  const std::string size = std::to_string(modules);
  const std::string pixels = std::to_string(modules * scale);
  SecretString out;
  append(out,
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
             pixels + "\" height=\"" + pixels + "\" viewBox=\"0 0 " + size + " " + size +
             "\" shape-rendering=\"crispEdges\">\n<rect width=\"" + size + "\" height=\"" + size +
             "\" fill=\"#ffffff\"/>\n<path fill=\"#000000\" d=\"");
  // One closed rectangle per horizontal run of dark modules.
  for (int row = 0; row < modules; ++row) {
    for (int column = 0; column < modules;) {
      if (!dark_module(matrix, column, row)) {
        ++column;
        continue;
      }
      int run = 0;
      while (column + run < modules && dark_module(matrix, column + run, row)) ++run;
      append(out, "M");
      append_number(out, column);
      append(out, " ");
      append_number(out, row);
      append(out, "h");
      append_number(out, run);
      append(out, "v1h-");
      append_number(out, run);
      append(out, "z");
      column += run;
    }
  }
  append(out, "\"/>\n</svg>\n");
  return out;
}

}  // namespace sshotp::cli
