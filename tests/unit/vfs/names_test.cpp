// Name rules of the mount: decrypted names are untrusted and must never escape their folder.
#include "anonfs/vfs/names.hpp"

#include <gtest/gtest.h>

#include "anonfs/vfs/iso_time.hpp"

namespace anonfs::vfs {
namespace {

TEST(SanitizeSegment, ReplacesForbiddenAndControlCharacters) {
  EXPECT_EQ(sanitize_segment("report.pdf"), "report.pdf");
  EXPECT_EQ(sanitize_segment("a<b>c:d\"e|f?g*h\\i"), "a_b_c_d_e_f_g_h_i");
  EXPECT_EQ(sanitize_segment(std::string("nul\0byte", 8)), "nul_byte");
  EXPECT_EQ(sanitize_segment("tab\there\x7f"), "tab_here_");
  EXPECT_EQ(sanitize_segment("\xc2\x85next-line"), "_next-line");  // C1 control, 2 bytes -> 1 '_'
}

TEST(SanitizeSegment, DotOnlyAndEmptySegmentsBecomeUnderscore) {
  EXPECT_EQ(sanitize_segment(""), "_");
  EXPECT_EQ(sanitize_segment("."), "_");
  EXPECT_EQ(sanitize_segment(".."), "_");
  EXPECT_EQ(sanitize_segment("..."), "_");
  EXPECT_EQ(sanitize_segment(".hidden"), ".hidden");
}

TEST(SanitizeSegment, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(sanitize_segment("Übersicht – 日本"), "Übersicht – 日本");
  EXPECT_EQ(sanitize_segment("bad\xff\xfe"), "bad__");
  EXPECT_EQ(sanitize_segment("overlong\xc0\xaf"), "overlong__");
  EXPECT_EQ(sanitize_segment("surrogate\xed\xa0\x80"), "surrogate___");
}

TEST(SanitizeSegment, TruncatesTo200CodePointsAnd220Bytes) {
  std::string ascii(300, 'a');
  EXPECT_EQ(sanitize_segment(ascii), std::string(200, 'a'));  // 200 code points
  std::string long_name;
  for (int i = 0; i < 300; ++i)
    long_name += "é";
  // 110 two-byte code points: within NAME_MAX (255 bytes) even with " (n)" or " [id]" added,
  // never a split sequence.
  EXPECT_EQ(sanitize_segment(long_name).size(), 220u);
  std::string emoji;
  for (int i = 0; i < 100; ++i)
    emoji += "\xf0\x9f\x98\x80";
  EXPECT_EQ(sanitize_segment(emoji).size(), 220u);  // 55 four-byte code points
  std::string ten_kb(10'000, 'x');
  EXPECT_LE(drop_folder_name(ten_kb, "abcdefghijklmnop").size(), 255u);
  EXPECT_LE(numbered_name(sanitize_segment(ten_kb + ".txt"), 100'000, false).size(), 255u);
}

TEST(SanitizeRelativePath, SplitsAndNeverEscapes) {
  EXPECT_EQ(sanitize_relative_path("a/b/c.txt"), (std::vector<std::string>{"a", "b", "c.txt"}));
  EXPECT_EQ(sanitize_relative_path("../../etc/passwd"),
            (std::vector<std::string>{"_", "_", "etc", "passwd"}));
  EXPECT_EQ(sanitize_relative_path("/abs//x/"), (std::vector<std::string>{"abs", "x"}));
  EXPECT_EQ(sanitize_relative_path("win\\dir\\f"), (std::vector<std::string>{"win", "dir", "f"}));
  EXPECT_EQ(sanitize_relative_path(""), (std::vector<std::string>{"_"}));
  EXPECT_EQ(sanitize_relative_path("///"), (std::vector<std::string>{"_"}));
  for (const auto& s : sanitize_relative_path(std::string("a\0/..\0/b", 9))) {
    EXPECT_EQ(s.find('\0'), std::string::npos);
    EXPECT_EQ(s.find('/'), std::string::npos);
    EXPECT_NE(s, "..");
  }
}

TEST(DropFolderName, TitleAndId) {
  EXPECT_EQ(drop_folder_name("Quarterly", "abc123"), "Quarterly [abc123]");
  EXPECT_EQ(drop_folder_name("", "abc123"), "[abc123]");
  EXPECT_EQ(drop_folder_name("a/b", "x"), "a_b [x]");
  EXPECT_EQ(drop_folder_name("..", "x"), "_ [x]");
}

TEST(NumberedName, SuffixBeforeExtension) {
  EXPECT_EQ(numbered_name("a.txt", 2, false), "a (2).txt");
  EXPECT_EQ(numbered_name("a.tar.gz", 3, false), "a.tar (3).gz");
  EXPECT_EQ(numbered_name(".profile", 2, false), ".profile (2)");
  EXPECT_EQ(numbered_name("dir.d", 2, true), "dir.d (2)");
}

TEST(SafeId, AcceptsOnlyServerIdAlphabet) {
  EXPECT_TRUE(is_safe_id("k3x9abcDEF_-0"));
  EXPECT_FALSE(is_safe_id(""));
  EXPECT_FALSE(is_safe_id("../x"));
  EXPECT_FALSE(is_safe_id("a b"));
  EXPECT_FALSE(is_safe_id(std::string(65, 'a')));
}

TEST(IsoTime, ParsesServerTimestamps) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("2026-11-23T12:00:00.123Z"), 1795435200);
  EXPECT_EQ(parse_iso8601("2026-11-23T13:00:00+01:00"), 1795435200);
  EXPECT_FALSE(parse_iso8601("2026-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_iso8601("yesterday").has_value());
  EXPECT_FALSE(parse_iso8601("2026-11-23T12:00:00Zjunk").has_value());
}

}  // namespace
}  // namespace anonfs::vfs
