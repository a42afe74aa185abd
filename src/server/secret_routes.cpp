#include "secret_routes.hpp"

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"
#include "presign.hpp"

namespace anonfs::server {

RouteHandler with_json_errors(RouteHandler handler) {
  return [h = std::move(handler)](Context& ctx) {
    try {
      h(ctx);
    } catch (const JsonError& e) {
      send_json(ctx, e.status(), e.body());
    }
  };
}

nlohmann::json json_body_or(Context& ctx, const JsonError& on_error) {
  try {
    return ctx.json_body(bad_request("invalid JSON"));
  } catch (const HttpError& e) {
    if (e.status() == 400) throw on_error;
    throw;
  }
}

std::string random_alnum(std::size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(n, 'A');
  for (auto& c : out)
    c = kAlphabet[crypto::random_uniform(static_cast<std::uint32_t>(kAlphabet.size()))];
  return out;
}

bool is_alnum_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

std::string random_uuid() {
  auto b = crypto::random_bytes(16);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  const auto hex = crypto::hex_encode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::optional<std::int64_t> offset_param(const Context& ctx) {
  if (!ctx.req.has_param("offset")) return 0;
  auto v = parse_decimal(ctx.req.get_param_value("offset"));
  if (!v || *v < 0 || *v > 1'000'000'000) return std::nullopt;
  return v;
}

bool is_base64_text(std::string_view s) noexcept {
  std::size_t pad = 0;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (c == '=') {
      ++pad;
    } else if (!ok || pad > 0) {
      return false;
    }
  }
  return pad <= 2;
}

}  // namespace anonfs::server
