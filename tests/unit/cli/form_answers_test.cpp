// cli::clean_answers: the respondent-side validation and cleaning of §10.3 / §9.1.
#include "form_answers.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace anonfs::cli {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({"version": 1, "title": "T", "fields": [
  {"id": "name", "type": "short_text", "label": "Name", "required": true, "maxLength": 5},
  {"id": "mail", "type": "email", "label": "Mail"},
  {"id": "n", "type": "number", "label": "N", "min": 1, "max": 10},
  {"id": "color", "type": "single_select", "label": "C", "options": ["red", "blue"]},
  {"id": "why", "type": "short_text", "label": "Why",
   "visibleWhen": {"fieldId": "color", "op": "equals", "value": "red"}, "required": true},
  {"id": "multi", "type": "multi_select", "label": "M", "options": ["a", "b"]},
  {"id": "rank", "type": "ranking", "label": "R", "options": ["x", "y"]},
  {"id": "stars", "type": "rating", "label": "S", "max": 3},
  {"id": "scale", "type": "linear_scale", "label": "L", "min": 0, "max": 4},
  {"id": "day", "type": "date", "label": "D", "min": "2026-01-01"},
  {"id": "addr", "type": "address", "label": "A", "parts": {"state": {"required": true}}},
  {"id": "docs", "type": "file", "label": "F", "maxFiles": 1, "acceptedMimeTypes": ["image/*"]}
]})");

json clean(const json& answers, const std::vector<PlannedFile>& files = {}) {
  return clean_answers(kSchema, answers, files);
}

TEST(FormAnswers, CleansTrimsAndOmitsHiddenAndEmpty) {
  const json out = clean({{"name", "  Al "},
                          {"mail", ""},
                          {"color", "blue"},
                          {"why", "x"},
                          {"multi", json::array()},
                          {"rank", {"y", "x"}},
                          {"stars", 3},
                          {"scale", 0},
                          {"day", "2026-02-28"}});
  EXPECT_EQ(out, json({{"name", "Al"},
                       {"color", "blue"},
                       {"rank", {"y", "x"}},
                       {"stars", 3},
                       {"scale", 0},
                       {"day", "2026-02-28"}}));
}

TEST(FormAnswers, VisibleRequiredFieldMustBeAnswered) {
  EXPECT_THROW(clean({{"name", "Al"}, {"color", "red"}}), std::invalid_argument);
  EXPECT_EQ(clean({{"name", "Al"}, {"color", "red"}, {"why", "because"}}).at("why"), "because");
}

TEST(FormAnswers, RejectsValuesThatBreakTheFieldRules) {
  const auto bad = [](json extra) {
    json a = {{"name", "Al"}};
    a.update(extra);
    EXPECT_THROW(clean(a), std::invalid_argument) << extra.dump();
  };
  bad({{"name", "toolong"}});
  bad({{"mail", "not-an-address"}});
  bad({{"n", 11}});
  bad({{"n", "5"}});
  bad({{"color", "green"}});
  bad({{"multi", {"a", "a"}}});
  bad({{"rank", {"x"}}});
  bad({{"stars", 4}});
  bad({{"scale", 2.5}});
  bad({{"day", "2026-02-30"}});
  bad({{"day", "2025-12-31"}});
  bad({{"addr", {{"line1", "a"}, {"city", "b"}, {"country", "c"}}}});  // state required here
  bad({{"addr", {{"line1", "a"}, {"city", "b"}, {"country", "c"}, {"state", "s"}, {"x", "y"}}}});
  bad({{"unknown", 1}});
  bad({{"docs", {"abc"}}});
  EXPECT_THROW(clean(json::object()), std::invalid_argument);  // name is required
}

TEST(FormAnswers, AddressKeepsEnabledNonBlankParts) {
  const json out = clean({{"name", "Al"},
                          {"addr",
                           {{"line1", " Main 1 "},
                            {"line2", " "},
                            {"city", "Berlin"},
                            {"state", "BE"},
                            {"country", "DE"}}}});
  EXPECT_EQ(out.at("addr"),
            json({{"line1", "Main 1"}, {"city", "Berlin"}, {"state", "BE"}, {"country", "DE"}}));
}

TEST(FormAnswers, ChecksAttachmentsAgainstTheFileField) {
  EXPECT_NO_THROW(clean({{"name", "Al"}}, {{"docs", "image/png", 10}}));
  EXPECT_THROW(clean({{"name", "Al"}}, {{"docs", "application/pdf", 10}}), std::invalid_argument);
  EXPECT_THROW(clean({{"name", "Al"}}, {{"docs", "image/png", 10}, {"docs", "image/png", 10}}),
               std::invalid_argument);
  EXPECT_THROW(clean({{"name", "Al"}}, {{"name", "image/png", 10}}), std::invalid_argument);
}

}  // namespace
}  // namespace anonfs::cli
