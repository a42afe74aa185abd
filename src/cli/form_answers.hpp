// Client-side validation and cleaning of a respondent's answers against a form schema, as the web
// client does before sealing (protocol §10.3, §9.1): hidden fields (visibleWhen false) and empty
// answers are omitted, strings trimmed, values checked per field type, required fields enforced.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace anonfs::cli {

// One attachment the respondent wants to upload (checked against the `file` field's rules).
struct PlannedFile {
  std::string field_id;
  std::string mime_type;
  std::uint64_t size = 0;
};

// Returns the cleaned answers (file fields excluded: their values are the uploaded file ids,
// added by the submit flow). Throws std::invalid_argument naming the field and the rule.
nlohmann::json clean_answers(const nlohmann::json& schema, const nlohmann::json& answers,
                             const std::vector<PlannedFile>& files);

}  // namespace anonfs::cli
