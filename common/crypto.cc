// SPDX-License-Identifier: BSD-3-Clause
#include "common/crypto.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/file_checks.h"

namespace sshotp {
namespace {

constexpr std::uint8_t kBlobVersion = 1;
constexpr std::size_t kIvBytes = 12;
constexpr std::size_t kTagBytes = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Error crypto_error(const char* what) { return make_error(Errc::crypto, what); }

int as_int(std::size_t n) { return static_cast<int>(n); }

Status write_new_key(const std::string& path) {
  auto key = random_bytes(kKeyBytes);
  if (!key) return std::move(key).error();
  CreateResult created = create_new_file(path, key->data(), key->size(), 0600);
  // Someone else creating it first is fine: loading decides.
  if (created.already_exists) return Ok{};
  return created.status;
}

}  // namespace

Result<SecureBytes> random_bytes(std::size_t n) {
  SecureBytes out(n);
  if (RAND_priv_bytes(out.data(), as_int(n)) != 1) return crypto_error("RAND_priv_bytes failed");
  return out;
}

Result<SecureBytes> load_key_file(const std::string& path) {
  // Whoever can write the directory can swap the key file, as they could the store: the same
  // check as the store's directory (check_directory).
  if (auto st = check_directory(parent_directory(path)); !st) return std::move(st).error();
  auto data = read_checked_file(path, Exposure::private_only, kKeyBytes);
  if (!data) return std::move(data).error();
  if (data->size() != kKeyBytes) {
    return make_error(Errc::unavailable,
                      path + ": is not a key file (want exactly " + std::to_string(kKeyBytes) +
                          " bytes)");
  }
  return data;
}

Result<SecureBytes> load_or_create_key_file(const std::string& path) {
  // Before creating: a new key must not go where someone else could replace it.
  if (auto st = check_directory(parent_directory(path)); !st) return std::move(st).error();
  if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    if (auto st = write_new_key(path); !st) return std::move(st).error();
  }
  return load_key_file(path);
}

Result<SealedBlob> seal(const SecureBytes& key, const SecureBytes& plaintext,
                        std::string_view aad) {
  if (key.size() != kKeyBytes) return crypto_error("bad key length");
  auto iv = random_bytes(kIvBytes);
  if (!iv) return std::move(iv).error();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return crypto_error("EVP_CIPHER_CTX_new failed");

  SealedBlob blob(1 + kIvBytes + plaintext.size() + kTagBytes);
  blob[0] = kBlobVersion;
  std::memcpy(blob.data() + 1, iv->data(), kIvBytes);
  std::uint8_t* ct = blob.data() + 1 + kIvBytes;
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv->data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        as_int(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(), as_int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, as_int(kTagBytes),
                          ct + plaintext.size()) != 1) {
    return crypto_error("AES-GCM encryption failed");
  }
  return blob;
}

Result<SecureBytes> unseal(const SecureBytes& key, const SealedBlob& blob, std::string_view aad) {
  if (key.size() != kKeyBytes) return crypto_error("bad key length");
  if (blob.size() < 1 + kIvBytes + kTagBytes || blob[0] != kBlobVersion) {
    return crypto_error("sealed secret has an unknown format");
  }
  const std::size_t ct_len = blob.size() - 1 - kIvBytes - kTagBytes;
  const std::uint8_t* iv = blob.data() + 1;
  const std::uint8_t* ct = iv + kIvBytes;
  std::uint8_t tag[kTagBytes];
  std::memcpy(tag, ct + ct_len, kTagBytes);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return crypto_error("EVP_CIPHER_CTX_new failed");
  SecureBytes plain(ct_len + 1);  // +1: GCM Final writes nothing, but never hand OpenSSL size 0
  int len = 0;
  int final_len = 0;
  bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        as_int(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ct, as_int(ct_len)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, as_int(kTagBytes), tag) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &final_len) == 1;
  if (!ok) return crypto_error("sealed secret failed authentication (wrong key or altered row)");
  plain.resize(ct_len);
  return plain;
}

Result<SecureBytes> hmac_sha256(const SecureBytes& key, std::span<const std::uint8_t> data) {
  SecureBytes out(kMacBytes);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), as_int(key.size()), data.data(), data.size(), out.data(),
           &len) == nullptr ||
      len != kMacBytes) {
    return crypto_error("HMAC-SHA256 failed");
  }
  return out;
}

std::string secret_aad(std::string_view user) {
  return "pam_sshotp:v1:totp-secret:" + std::string(user);
}

}  // namespace sshotp
