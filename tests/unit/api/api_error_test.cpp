// Tests of the anon.li error-body parser and ApiError formatting.
#include "anonfs/api/api_error.hpp"

#include <gtest/gtest.h>

namespace anonfs::api {
namespace {

TEST(ErrorBody, BareStringError) {
  const ErrorBody b = parse_error_body(R"({"error":"This drop is not available."})");
  EXPECT_EQ(b.message, "This drop is not available.");
  EXPECT_TRUE(b.code.empty());
  EXPECT_FALSE(b.retry_after);
}

TEST(ErrorBody, EnvelopeObjectError) {
  const ErrorBody b = parse_error_body(
      R"({"error":{"message":"Invalid input","code":"VALIDATION_ERROR",)"
      R"("details":[{"field":"title","message":"too long"}]},"meta":{"request_id":"req_0123"}})");
  EXPECT_EQ(b.message, "Invalid input");
  EXPECT_EQ(b.code, "VALIDATION_ERROR");
  ASSERT_TRUE(b.details.is_array());
  EXPECT_EQ(b.details[0]["field"], "title");
  EXPECT_EQ(b.request_id, "req_0123");
}

TEST(ErrorBody, PlanLimitDetails) {
  const ErrorBody b =
      parse_error_body(R"({"error":{"message":"Upgrade","code":"PAYMENT_REQUIRED",)"
                       R"("details":{"upgrade":{"scope":"drop","currentTier":"free"}}}})");
  EXPECT_EQ(b.code, "PAYMENT_REQUIRED");
  EXPECT_EQ(b.details["upgrade"]["currentTier"], "free");
}

TEST(ErrorBody, PerRouteRateLimitBody) {
  const ErrorBody b = parse_error_body(
      R"({"error":"Too many requests","message":"Rate limit exceeded","retryAfter":42})");
  EXPECT_EQ(b.message, "Too many requests: Rate limit exceeded");
  ASSERT_TRUE(b.retry_after);
  EXPECT_EQ(b.retry_after->count(), 42);
}

TEST(ErrorBody, PlainTextAndGarbage) {
  EXPECT_EQ(parse_error_body("This file is not available.\n").message,
            "This file is not available.");
  EXPECT_EQ(parse_error_body("").message, "");
  EXPECT_EQ(parse_error_body("line1\r\nline2\x01").message, "line1  line2 ");
  EXPECT_EQ(parse_error_body(R"({"other":1})").message, R"({"other":1})");
  EXPECT_EQ(parse_error_body(R"({"error":{"message":5}})").message, R"({"error":{"message":5}})");
  const std::string huge(10000, 'x');
  EXPECT_LE(parse_error_body(huge).message.size(), 520u);
}

TEST(ApiError, WhatNamesMethodUrlStatusAndMessage) {
  ErrorInfo info;
  info.kind = ErrorKind::kHttpStatus;
  info.status = 404;
  info.method = "GET";
  info.url = "https://anon.li/api/v1/drop/x";
  info.detail = "Not found";
  info.server.code = "NOT_FOUND";
  const ApiError e(info);
  EXPECT_STREQ(e.what(), "GET https://anon.li/api/v1/drop/x: HTTP 404 NOT_FOUND: Not found");
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(e.code(), "NOT_FOUND");
}

}  // namespace
}  // namespace anonfs::api
