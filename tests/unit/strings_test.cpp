// Text from a server made safe for the terminal, and JSON text that cannot drive one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::util {
namespace {

const std::string k_rlo = "\xe2\x80\xae";  // U+202E RIGHT-TO-LEFT OVERRIDE
const std::string k_csi = "\xc2\x9b";      // U+009B, the one-character CSI

TEST(Sanitize, ReplacesControlsInvalidBytesAndBidiOverridesKeepingText) {
  EXPECT_EQ(sanitize_for_terminal("a\x1b[2Jb"), "a?[2Jb");
  EXPECT_EQ(sanitize_for_terminal("x" + k_csi + "31m"), "x?31m");
  EXPECT_EQ(sanitize_for_terminal("evil" + k_rlo + "gpj.exe"), "evil?gpj.exe");
  EXPECT_EQ(sanitize_for_terminal("a\xe2\x81\xa6"
                                  "b\xe2\x81\xa9"),
            "a?b?");                                          // isolates
  EXPECT_EQ(sanitize_for_terminal("\xff\xc0\x80z"), "???z");  // invalid, overlong
  EXPECT_EQ(sanitize_for_terminal("t\tu"), "t?u");
  EXPECT_EQ(sanitize_for_terminal("t\tu", true), "t\tu");
  // Letters of any script, box drawing and the bidi marks stay.
  const std::string kept =
      "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x94\x82 \xe2\x80\x8f \xe4\xb8\xad";
  EXPECT_EQ(sanitize_for_terminal(kept), kept);
}

TEST(Sanitize, TextKeepsItsLinesAndDropsCarriageReturnsBeforeThem) {
  EXPECT_EQ(sanitize_text_for_terminal("a\r\nb\x1b]0;t\x07\n\nc"), "a\nb?]0;t?\n\nc");
  EXPECT_EQ(sanitize_text_for_terminal("x\ry\n"), "x?y\n");
  EXPECT_EQ(sanitize_text_for_terminal(""), "");
}

TEST(Bidi, TheFormattingControlsAreKnown) {
  for (const std::uint32_t cp : {0x061Cu, 0x200Eu, 0x200Fu, 0x202Au, 0x202Eu, 0x2066u, 0x2069u}) {
    EXPECT_TRUE(is_bidi_control(cp)) << cp;
  }
  for (const std::uint32_t cp : {0x05D0u, 0x2029u, 0x202Fu, 0x2065u, 0x206Au, 0x41u}) {
    EXPECT_FALSE(is_bidi_control(cp)) << cp;
  }
}

TEST(Json, C1BidiAndLineSeparatorsAreEscapedAndTheValueSurvives) {
  const std::string name = "n" + k_csi + "1" + k_rlo +
                           "2\xe2\x80\xa8"
                           "3\xe4\xb8\xad";
  const nlohmann::json doc = {{"name", name}, {"esc", "\x1b"}};
  const auto text = json_text(doc);
  EXPECT_EQ(text.find(k_csi), std::string::npos) << text;
  EXPECT_EQ(text.find(k_rlo), std::string::npos) << text;
  EXPECT_NE(text.find("n\\u009b1\\u202e2\\u20283\xe4\xb8\xad"), std::string::npos) << text;
  EXPECT_NE(text.find("\\u001b"), std::string::npos) << text;
  EXPECT_EQ(nlohmann::json::parse(text)["name"], name);
}

TEST(Json, InvalidUtf8BecomesTheReplacementCharacterInsteadOfThrowing) {
  const nlohmann::json doc = {{"name", std::string("a\xff"
                                                   "b")}};
  const auto text = json_text(doc, 2);
  EXPECT_EQ(nlohmann::json::parse(text)["name"],
            "a\xef\xbf\xbd"
            "b");
}

}  // namespace
}  // namespace ec2dl::util
