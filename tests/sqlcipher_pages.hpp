// Decrypted page images of a vault file and its -wal, for tests that must see
// what the disk really holds (crypto-shredding). An independent reader: it
// uses Botan, not SQLCipher, so it sees every page and every WAL frame,
// including old ones SQLite itself would never read again.
//
// SQLCipher's page layout with linkvault's settings: 4096-byte pages,
// AES-256-CBC under the raw page key; each page ends with a reserved area
// whose first 16 bytes are that page's IV (48 bytes on SQLCipher 3 with its
// HMAC-SHA1, 80 on SQLCipher 4 with HMAC-SHA512); page 1 starts with the
// 16-byte file salt in the clear. A WAL is a 32-byte header, then frames of a
// 24-byte header (page number first, big-endian) and one page.
#pragma once

#include "linkvault/master_secret.hpp"

#include <botan/cipher_mode.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault::testing {

struct PageImage {
  std::string where;  // "file" or "wal"
  std::uint32_t page_number = 0;
  std::vector<std::uint8_t> plain;  // decrypted bytes before the reserved area
};

class SqlCipherPageReader {
 public:
  static constexpr std::size_t page_size = 4096;
  static constexpr std::size_t salt_size = 16;
  static constexpr std::size_t wal_header_size = 32;
  static constexpr std::size_t frame_header_size = 24;

  // `file_bytes` is the database file (its page 1 tells the reserve size).
  SqlCipherPageReader(SecretBytes page_key, const std::vector<std::uint8_t>& file_bytes)
      : key_(std::move(page_key)) {
    for (const std::size_t reserve : {std::size_t{48}, std::size_t{80}}) {
      if (file_bytes.size() < page_size) break;
      reserve_ = reserve;
      const auto page = decrypt(file_bytes.data(), 1);
      // A page-1 image decrypted right repeats SQLite's header fields:
      // page size 4096 (offset 16, big-endian) and the reserve (offset 20).
      if (page[16] == 0x10 && page[17] == 0x00 && page[20] == reserve) return;
    }
    reserve_ = 0;
  }

  // False if page 1 did not decrypt to a valid header with any known layout.
  bool understood() const noexcept { return reserve_ != 0; }

  std::vector<PageImage> file_pages(const std::vector<std::uint8_t>& bytes) const {
    std::vector<PageImage> pages;
    for (std::size_t offset = 0; offset + page_size <= bytes.size(); offset += page_size) {
      const auto number = static_cast<std::uint32_t>(offset / page_size + 1);
      pages.push_back({"file", number, decrypt(bytes.data() + offset, number)});
    }
    return pages;
  }

  std::vector<PageImage> wal_frames(const std::vector<std::uint8_t>& bytes) const {
    std::vector<PageImage> frames;
    for (std::size_t offset = wal_header_size;
         offset + frame_header_size + page_size <= bytes.size();
         offset += frame_header_size + page_size) {
      const std::uint8_t* header = bytes.data() + offset;
      const std::uint32_t number = (std::uint32_t{header[0]} << 24) |
                                   (std::uint32_t{header[1]} << 16) |
                                   (std::uint32_t{header[2]} << 8) | header[3];
      if (number == 0) continue;  // not a frame SQLite would write
      frames.push_back({"wal", number, decrypt(header + frame_header_size, number)});
    }
    return frames;
  }

 private:
  std::vector<std::uint8_t> decrypt(const std::uint8_t* page, std::uint32_t number) const {
    const std::size_t skip = number == 1 ? salt_size : 0;
    const std::size_t end = page_size - reserve_;
    std::vector<std::uint8_t> plain(page, page + end);
    auto cipher = Botan::Cipher_Mode::create_or_throw("AES-256/CBC/NoPadding", Botan::DECRYPTION);
    cipher->set_key(key_.data(), key_.size());
    cipher->start(page + end, 16);
    Botan::secure_vector<std::uint8_t> body(page + skip, page + end);
    cipher->finish(body);
    std::copy(body.begin(), body.end(), plain.begin() + static_cast<std::ptrdiff_t>(skip));
    return plain;
  }

  SecretBytes key_;
  std::size_t reserve_ = 0;
};

// Where `needle` occurs among the images ("file page 3", "wal page 7"...).
inline std::vector<std::string> places_holding(const std::vector<PageImage>& images,
                                               const std::vector<std::uint8_t>& needle) {
  std::vector<std::string> places;
  for (const auto& image : images) {
    if (std::search(image.plain.begin(), image.plain.end(), needle.begin(), needle.end()) !=
        image.plain.end()) {
      places.push_back(image.where + " page " + std::to_string(image.page_number));
    }
  }
  return places;
}

}  // namespace linkvault::testing
