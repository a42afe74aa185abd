// Strict base64 / base64url codecs (RFC 4648 §4, §5).
#include "anonfs/crypto/base64.hpp"

#include <array>

#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using Table = std::array<std::int8_t, 256>;

constexpr Table make_table(const char* alphabet) {
  Table t{};
  for (auto& v : t)
    v = -1;
  for (int i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}

constexpr Table kStdTable = make_table(kStd);
constexpr Table kUrlTable = make_table(kUrl);

std::string encode(ByteView data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve(base64_encoded_size(data.size()));
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    out.push_back(alphabet[v >> 6 & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = data[i] << 16;
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = data[i] << 16 | data[i + 1] << 8;
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    out.push_back(alphabet[v >> 6 & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

[[noreturn]] void bad(const char* what) {
  throw CryptoError(CryptoErrc::kInvalidEncoding, what);
}

// Decodes into `out` (which must have room for the decoded size). Returns the decoded size.
template <typename Out>
void decode_into(std::string_view text, const Table& table, Padding padding, const char* name,
                 Out& out) {
  std::size_t pad = 0;
  while (pad < text.size() && pad < 3 && text[text.size() - 1 - pad] == '=')
    ++pad;
  const std::string_view body = text.substr(0, text.size() - pad);
  if (pad > 0) {
    if (padding == Padding::kForbidden) bad("base64: padding not allowed");
    if (text.size() % 4 != 0 || pad > 2) bad("base64: invalid padding");
  } else if (padding == Padding::kRequired && text.size() % 4 != 0) {
    bad("base64: missing padding");
  }
  if (body.size() % 4 == 1) bad("base64: impossible length");
  if (pad > 0 && (body.size() % 4) + pad != 4) bad("base64: invalid padding");
  (void)name;

  out.resize(body.size() / 4 * 3 + (body.size() % 4 == 0 ? 0 : body.size() % 4 - 1));
  std::size_t o = 0;
  std::size_t i = 0;
  auto val = [&](char c) {
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) bad("base64: invalid character");
    return static_cast<std::uint32_t>(v);
  };
  for (; i + 4 <= body.size(); i += 4) {
    const std::uint32_t v =
        val(body[i]) << 18 | val(body[i + 1]) << 12 | val(body[i + 2]) << 6 | val(body[i + 3]);
    out[o++] = static_cast<std::uint8_t>(v >> 16);
    out[o++] = static_cast<std::uint8_t>(v >> 8);
    out[o++] = static_cast<std::uint8_t>(v);
  }
  const std::size_t rest = body.size() - i;
  if (rest == 2) {
    const std::uint32_t v = val(body[i]) << 18 | val(body[i + 1]) << 12;
    if ((v & 0xffff) != 0) bad("base64: non-canonical trailing bits");
    out[o++] = static_cast<std::uint8_t>(v >> 16);
  } else if (rest == 3) {
    const std::uint32_t v = val(body[i]) << 18 | val(body[i + 1]) << 12 | val(body[i + 2]) << 6;
    if ((v & 0xff) != 0) bad("base64: non-canonical trailing bits");
    out[o++] = static_cast<std::uint8_t>(v >> 16);
    out[o++] = static_cast<std::uint8_t>(v >> 8);
  }
}

// Minimal resizable adaptor over SecretBytes so secrets never pass through a plain vector.
struct SecretSink {
  SecretBytes bytes;
  void resize(std::size_t n) { bytes = SecretBytes(n); }
  std::uint8_t& operator[](std::size_t i) { return bytes.data()[i]; }
};

}  // namespace

std::string base64_encode(ByteView data) {
  return encode(data, kStd, true);
}

Bytes base64_decode(std::string_view text, Padding padding) {
  Bytes out;
  decode_into(text, kStdTable, padding, "base64", out);
  return out;
}

std::string base64url_encode(ByteView data) {
  return encode(data, kUrl, false);
}

Bytes base64url_decode(std::string_view text, Padding padding) {
  Bytes out;
  decode_into(text, kUrlTable, padding, "base64url", out);
  return out;
}

SecretBytes base64url_decode_secret(std::string_view text, Padding padding) {
  SecretSink sink;
  decode_into(text, kUrlTable, padding, "base64url", sink);
  return std::move(sink.bytes);
}

Bytes base64url_decode_exact(std::string_view text, std::size_t expected_size) {
  Bytes out = base64url_decode(text);
  if (out.size() != expected_size) {
    throw CryptoError(CryptoErrc::kInvalidLength, "base64url: expected " +
                                                      std::to_string(expected_size) +
                                                      " bytes, got " + std::to_string(out.size()));
  }
  return out;
}

}  // namespace anonfs::crypto
