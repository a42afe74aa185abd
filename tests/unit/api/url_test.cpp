// Tests of URL checks (fragment, scheme, control characters) and redaction.
#include "anonfs/api/url.hpp"

#include <gtest/gtest.h>

#include "anonfs/api/api_error.hpp"

namespace anonfs::api {
namespace {

ErrorKind refusal(const std::string& url) {
  try {
    check_url(url);
  } catch (const ApiError& e) {
    return e.kind();
  }
  return ErrorKind::kNetwork;  // "not refused"
}

TEST(Url, AcceptsHttpAndHttps) {
  EXPECT_NO_THROW(check_url("https://anon.li/api/v1/drop"));
  EXPECT_NO_THROW(check_url("HTTP://127.0.0.1:8080/x?a=b&c=d"));
  EXPECT_NO_THROW(check_url("https://user:pw@host/path"));
}

TEST(Url, RefusesFragments) {
  EXPECT_EQ(refusal("https://anon.li/d/abc#AAECAwQ"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("https://anon.li/d/abc#"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("https://anon.li/d/abc?x=1#k"), ErrorKind::kInvalidRequest);
}

TEST(Url, RefusalNeverContainsTheFragmentOrQuery) {
  try {
    check_url("https://anon.li/d/abc?sig=SECRETSIG#SECRETKEY");
    FAIL() << "not refused";
  } catch (const ApiError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("SECRET"), std::string::npos) << what;
    EXPECT_EQ(e.url(), "https://anon.li/d/abc");
  }
}

TEST(Url, RefusesOtherSchemesAndBadText) {
  EXPECT_EQ(refusal("ftp://host/file"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("file:///etc/passwd"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("host/path"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("https://host/a b"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("https://host/a\r\nX-Injected: 1"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("https:///path"), ErrorKind::kInvalidRequest);
  EXPECT_EQ(refusal("https://user@/path"), ErrorKind::kInvalidRequest);
}

TEST(Url, RedactStripsQueryFragmentAndUserinfo) {
  EXPECT_EQ(redact_url("https://r2.example/bucket/obj?X-Amz-Signature=abc&X-Amz-Credential=k"),
            "https://r2.example/bucket/obj");
  EXPECT_EQ(redact_url("https://anon.li/d/abc#key"), "https://anon.li/d/abc");
  EXPECT_EQ(redact_url("https://user:secret@host:8443/p?q"), "https://host:8443/p");
  EXPECT_EQ(redact_url("https://host?q=1"), "https://host");
  EXPECT_EQ(redact_url("https://u:p@host"), "https://host");
  EXPECT_EQ(redact_url(""), "");
}

}  // namespace
}  // namespace anonfs::api
