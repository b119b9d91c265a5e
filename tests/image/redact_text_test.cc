// ScrubOptions::redact_text_in_place: free-text items (JPEG COM, PNG
// tEXt/zTXt/iTXt, GIF comments) are kept with detected values masked.
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/hazards_testutil.h"
#include "image/image_internal.h"
#include "image/scanner_testing.h"
#include "piivault/image.h"

namespace piivault::image_internal {
namespace {

using ::piivault::image_internal::testing::Bin;
using ::piivault::image_internal::testing::Deflate;
using ::piivault::image_internal::testing::PngChunk;
using ::piivault::image_internal::testing::PngChunks;
using ::piivault::image_internal::testing::PngConcat;
using ::piivault::image_internal::testing::PngEnd;
using ::piivault::image_internal::testing::PngHead;
using ::piivault::image_internal::testing::PngIdat;
using ::piivault::image_internal::testing::SubBlocks;
using ::piivault::image_testing::JpegSegment;
using ::piivault::image_testing::MakeJpeg;

constexpr std::string_view kPhoneText = "联系电话13812345678";
constexpr std::string_view kPhoneMasked = "联系电话***********";

const ImageScanner& Scanner() {
  static const ImageScanner* scanner = [] {
    absl::StatusOr<ImageScanner> s = ImageScanner::Create({});
    EXPECT_TRUE(s.ok()) << s.status();
    return new ImageScanner(std::move(*s));
  }();
  return *scanner;
}

ScrubOptions Redact() {
  ScrubOptions o;
  o.redact_text_in_place = true;
  return o;
}

// Scrubs with redaction and checks what every redacted scrub must satisfy:
// the stream path gives the same bytes, the output parses, a second scrub
// changes nothing.
std::string RedactScrub(std::string_view in) {
  absl::StatusOr<std::string> out = Scanner().Scrub(in, Redact());
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return "";
  std::istringstream is{std::string(in)};
  std::ostringstream os;
  EXPECT_TRUE(Scanner().ScrubStream(is, os, Redact()).ok());
  EXPECT_EQ(os.str(), *out);
  EXPECT_TRUE(Scanner().Scan(*out).ok());
  absl::StatusOr<std::string> again = Scanner().Scrub(*out, Redact());
  EXPECT_TRUE(again.ok()) << again.status();
  if (again.ok()) {
    EXPECT_EQ(*again, *out) << "not idempotent";
  }
  return *out;
}

// --- JPEG ---------------------------------------------------------------------

std::vector<std::string> JpegComments(std::string_view jpeg) {
  std::vector<std::string> out;
  size_t pos = 2;
  while (pos + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[pos]) == 0xFF) {
    const auto m = static_cast<unsigned char>(jpeg[pos + 1]);
    if (m == 0xDA || m == 0xD9) break;
    const size_t len = size_t{static_cast<unsigned char>(jpeg[pos + 2])} << 8 |
                       static_cast<unsigned char>(jpeg[pos + 3]);
    if (m == 0xFE) out.emplace_back(jpeg.substr(pos + 4, len - 2));
    pos += 2 + len;
  }
  return out;
}

TEST(RedactText, JpegCommentIsMaskedOneStarPerCharacter) {
  const std::string jpeg = MakeJpeg(JpegSegment(0xFE, kPhoneText) + JpegSegment(0xFE, "made with care"));
  const std::string out = RedactScrub(jpeg);
  EXPECT_THAT(JpegComments(out), ::testing::ElementsAre(std::string(kPhoneMasked), "made with care"));
  absl::StatusOr<std::string> render_in = JpegRenderBytes(jpeg);
  absl::StatusOr<std::string> render_out = JpegRenderBytes(out);
  ASSERT_TRUE(render_in.ok() && render_out.ok());
  EXPECT_EQ(*render_in, *render_out);
  // The scanner no longer finds the phone number.
  absl::StatusOr<ImageReport> report = Scanner().Scan(out);
  ASSERT_TRUE(report.ok());
  for (const ImageFinding& f : report->findings) EXPECT_NE(f.type, EntityType::kCnMobile);
}

TEST(RedactText, JpegCommentWithoutFindingsIsKeptByteForByte) {
  const std::string comment = Bin("Created with GIMP\0\x01");
  const std::string seg = JpegSegment(0xFE, comment);
  const std::string out = RedactScrub(MakeJpeg(seg));
  EXPECT_NE(out.find(seg), std::string::npos);
}

TEST(RedactText, DefaultOptionsAndDetectorlessScrubStillDropText) {
  const std::string jpeg = MakeJpeg(JpegSegment(0xFE, kPhoneText) + JpegSegment(0xFE, "harmless"));
  absl::StatusOr<std::string> plain = Scanner().Scrub(jpeg, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(JpegComments(*plain), ::testing::IsEmpty());
  // ScrubImage has no detector: the option is ignored, text dropped.
  absl::StatusOr<std::string> free_fn = ScrubImage(jpeg, Redact());
  ASSERT_TRUE(free_fn.ok());
  EXPECT_EQ(*free_fn, *plain);
}

// --- PNG ----------------------------------------------------------------------

TEST(RedactText, PngTextChunksAreMaskedOrKeptOrDropped) {
  const std::string itxt = Bin("Comment\0\0\0zh\0\0") + std::string(kPhoneText);
  const std::string ztxt = Bin("Description\0\0") + Deflate("call 13812345678 today");
  const std::string plain = Bin("Software\0GIMP 2.10");
  const std::string png = PngHead() + PngChunk("tEXt", Bin("Comment\0Tel 13812345678")) +
                          PngChunk("iTXt", itxt) + PngChunk("zTXt", ztxt) + PngChunk("tEXt", plain) +
                          PngChunk("tEXt", Bin("Author\0Nobody")) + PngIdat() + PngEnd();
  const std::string out = RedactScrub(png);
  std::vector<std::pair<std::string, std::string>> text;
  for (const auto& c : PngChunks(out)) {
    if (c.type == "tEXt" || c.type == "zTXt" || c.type == "iTXt") text.emplace_back(c.type, c.data);
  }
  EXPECT_THAT(text, ::testing::ElementsAre(
                        std::pair<std::string, std::string>("tEXt", Bin("Comment\0Tel ***********")),
                        std::pair<std::string, std::string>(
                            "iTXt", Bin("Comment\0\0\0zh\0\0") + std::string(kPhoneMasked)),
                        std::pair<std::string, std::string>("tEXt", Bin("Description\0call *********** today")),
                        std::pair<std::string, std::string>("tEXt", plain)));
  EXPECT_EQ(PngConcat(out, "IDAT"), PngConcat(png, "IDAT"));
  // Unchanged chunks keep their original bytes, CRC included.
  EXPECT_NE(out.find(PngChunk("tEXt", plain)), std::string::npos);

  absl::StatusOr<std::string> dropped = Scanner().Scrub(png, {});
  ASSERT_TRUE(dropped.ok());
  EXPECT_TRUE(PngConcat(*dropped, "tEXt").empty());
  EXPECT_TRUE(PngConcat(*dropped, "iTXt").empty());
}

TEST(RedactText, PngCompressedTextWithoutFindingsStaysCompressed) {
  const std::string ztxt = PngChunk("zTXt", Bin("Comment\0\0") + Deflate("nothing personal here"));
  const std::string png = PngHead() + ztxt + PngIdat() + PngEnd();
  const std::string out = RedactScrub(png);
  EXPECT_NE(out.find(ztxt), std::string::npos);
}

// --- GIF ----------------------------------------------------------------------

std::string TinyGif(std::string_view middle) {
  std::string gif = "GIF89a";
  gif += Bin("\x01\x00\x01\x00\x80\x00\x00");
  gif += Bin("\x00\x00\x00\xff\xff\xff");
  gif += middle;
  gif += Bin("\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
  gif += "\x3b";
  return gif;
}

// Comment payloads, walking the test GIF's blocks (header, table, extensions).
std::vector<std::string> GifComments(std::string_view gif, std::vector<size_t>* block_sizes = nullptr) {
  std::vector<std::string> out;
  size_t pos = 13 + 6;
  while (pos + 2 <= gif.size() && gif[pos] == '\x21') {
    const bool comment = static_cast<unsigned char>(gif[pos + 1]) == 0xFE;
    pos += 2;
    std::string data;
    while (pos < gif.size() && gif[pos] != '\0') {
      const size_t n = static_cast<unsigned char>(gif[pos]);
      if (comment && block_sizes != nullptr) block_sizes->push_back(n);
      data.append(gif.substr(pos + 1, n));
      pos += 1 + n;
    }
    ++pos;
    if (comment) out.push_back(data);
  }
  return out;
}

TEST(RedactText, GifCommentsAreMaskedAndResplit) {
  const std::string long_text = std::string(300, 'a') + " 13812345678 " + std::string(200, 'b');
  const std::string long_masked = std::string(300, 'a') + " *********** " + std::string(200, 'b');
  // The harmless comment is split unusually (3 + 2 bytes): kept as is.
  const std::string harmless = Bin("\x21\xfe\x03not\x02ok\x00");
  const std::string gif = TinyGif(Bin("\x21\xfe") + SubBlocks(kPhoneText) + harmless + Bin("\x21\xfe") +
                                  SubBlocks(long_text));
  const std::string out = RedactScrub(gif);
  std::vector<size_t> sizes;
  EXPECT_THAT(GifComments(out, &sizes),
              ::testing::ElementsAre(std::string(kPhoneMasked), "notok", long_masked));
  EXPECT_NE(out.find(harmless), std::string::npos);
  for (size_t n : sizes) EXPECT_LE(n, 255u);
  EXPECT_EQ(out.substr(out.size() - 16), gif.substr(gif.size() - 16));  // image block and trailer

  absl::StatusOr<std::string> dropped = Scanner().Scrub(gif, {});
  ASSERT_TRUE(dropped.ok());
  EXPECT_THAT(GifComments(*dropped), ::testing::IsEmpty());
}

// --- Property: any mix of values and filler masks to a fixpoint ----------------

TEST(RedactText, MaskingIsIdempotentAndKeepsCharacterCount) {
  const std::vector<std::string> values = {"13812345678", "11010519491231002X", "6222021234567890128",
                                           "zhang.san@example.com", "138 1234 5678"};
  const std::vector<std::string> fillers = {"联系电话", "备注：", " ", "客户", " abc ", "，"};
  uint32_t seed = 12345;
  auto next = [&](size_t n) {
    seed = seed * 1103515245u + 12345u;
    return static_cast<size_t>((seed >> 16) % n);
  };
  for (int round = 0; round < 40; ++round) {
    std::string text;
    for (int k = 0; k < 4; ++k) {
      text += fillers[next(fillers.size())];
      if (next(2) == 0) text += values[next(values.size())];
    }
    SCOPED_TRACE(text);
    const std::string out = RedactScrub(MakeJpeg(JpegSegment(0xFE, text)));
    std::vector<std::string> comments = JpegComments(out);
    ASSERT_EQ(comments.size(), 1u);
    auto chars = [](std::string_view s) {
      size_t n = 0;
      for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      return n;
    };
    EXPECT_EQ(chars(comments[0]), chars(text));
    EXPECT_TRUE(IsValidUtf8(comments[0]));
    for (const std::string& v : {std::string("13812345678"), std::string("11010519491231002X")}) {
      EXPECT_EQ(comments[0].find(v), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace piivault::image_internal
