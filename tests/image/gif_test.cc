// GIF container: scan and scrub of the shared test image and generated files.
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/hazards_testutil.h"
#include "image/image_internal.h"

namespace piivault::image_internal {
namespace {

using namespace ::piivault::image_internal::testing;  // NOLINT

// The test's own walk: the bytes of everything that renders (screen
// descriptor, colour tables, graphic control, image descriptors + LZW data,
// plain text, NETSCAPE loop) and the list of extension labels/ids seen.
struct GifView {
  std::string rendering;
  std::vector<std::string> extensions;
  bool ok = false;
};

GifView View(std::string_view gif) {
  GifView v;
  if (gif.size() < 13) return v;
  v.rendering.append(gif.substr(0, 13));
  size_t pos = 13;
  auto table = [&](uint8_t flags) {
    if (flags & 0x80) {
      size_t n = size_t{3} << ((flags & 7) + 1);
      v.rendering.append(gif.substr(pos, n));
      pos += n;
    }
  };
  auto sub_blocks = [&](std::string* into) {
    while (pos < gif.size()) {
      size_t n = static_cast<unsigned char>(gif[pos]);
      if (into) into->append(gif.substr(pos, n + 1));
      pos += n + 1;
      if (n == 0) return;
    }
  };
  table(static_cast<uint8_t>(gif[10]));
  while (pos < gif.size()) {
    uint8_t b = static_cast<uint8_t>(gif[pos]);
    if (b == 0x3B) {
      v.ok = pos + 1 == gif.size();
      return v;
    }
    if (b == 0x2C) {
      v.rendering.append(gif.substr(pos, 10));
      uint8_t flags = static_cast<uint8_t>(gif[pos + 9]);
      pos += 10;
      table(flags);
      v.rendering.push_back(gif[pos++]);
      sub_blocks(&v.rendering);
      continue;
    }
    uint8_t label = static_cast<uint8_t>(gif[pos + 1]);
    std::string name = label == 0xFF ? std::string(gif.substr(pos + 3, 11)) : std::to_string(label);
    v.extensions.push_back(name);
    bool renders = label == 0xF9 || label == 0x01 || name == "NETSCAPE2.0";
    if (renders) v.rendering.append(gif.substr(pos, 2));
    pos += 2;
    sub_blocks(renders ? &v.rendering : nullptr);
  }
  return v;
}

std::string MustScrub(std::string_view gif) {
  absl::StatusOr<std::string> out = ScrubGif(gif, {}, ParseLimits{});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

std::string CheckScrubbed(std::string_view in) {
  std::string out = MustScrub(in);
  GifView before = View(in);
  GifView after = View(out);
  EXPECT_TRUE(after.ok);
  EXPECT_EQ(after.rendering, before.rendering);
  for (const std::string& e : after.extensions) {
    EXPECT_TRUE(e == "249" || e == "1" || e == "NETSCAPE2.0" || e == "ANIMEXTS1.0" ||
                e == "ICCRGBG1012")
        << e;
  }
  RecordingSink rescan;
  EXPECT_TRUE(ScanGif(out, ParseLimits{}, rescan).ok());
  for (const auto& r : rescan.items) EXPECT_NE(r.item.location, "Comment");
  EXPECT_EQ(MustScrub(out), out);
  for (size_t step : {size_t{1}, size_t{5}, size_t{1000}}) {
    MemoryByteSource source(in, step);
    std::string streamed;
    AppendingByteSink sink(streamed);
    EXPECT_TRUE(ScrubGifStream(source, sink, {}, ParseLimits{}).ok());
    EXPECT_EQ(streamed, out) << "step " << step;
  }
  return out;
}

TEST(GifTest, EveryCommentOfTheMultiCommentAnimationIsFoundAndRemoved) {
  std::string gif = ReadTestImage("gif_comments_multi.gif");
  ASSERT_FALSE(gif.empty());
  RecordingSink sink;
  ASSERT_TRUE(ScanGif(gif, ParseLimits{}, sink).ok());
  int comments = 0;
  for (const auto& r : sink.items) comments += r.item.location == "Comment";
  EXPECT_EQ(comments, 5);  // exiftool reports only the first
  EXPECT_TRUE(sink.Has("Comment", "Comment", "Test comment 1"));
  std::string out = CheckScrubbed(gif);
  EXPECT_LT(out.size(), gif.size());
  bool loop = false;
  for (const auto& e : View(out).extensions) loop |= e == "NETSCAPE2.0";
  EXPECT_TRUE(loop);
}

std::string TinyGif(std::string_view middle, std::string_view after_trailer = "") {
  std::string gif = "GIF89a";
  gif += Bin("\x01\x00\x01\x00\x80\x00\x00");  // 1x1, global table of 2 colours
  gif += Bin("\x00\x00\x00\xff\xff\xff");
  gif += middle;
  gif += Bin("\x21\xf9\x04\x00\x00\x00\x00\x00");                     // graphic control
  gif += Bin("\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");  // image
  gif += "\x3b";
  gif += after_trailer;
  return gif;
}

std::string XmpAppExtension(std::string_view packet) {
  std::string ext = Bin("\x21\xff\x0b") + "XMP DataXMP";
  ext += packet;
  ext.push_back('\x01');
  for (int i = 0xFF; i >= 0; --i) ext.push_back(static_cast<char>(i));
  ext.push_back('\0');
  return ext;
}

TEST(GifTest, XmpIccPlainTextAndUnknownApplicationExtensions) {
  std::string xmp =
      "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
      "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description rdf:about='' "
      "xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator><rdf:Seq><rdf:li>Zhao Liu"
      "</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";
  std::string icc = Bin("\x21\xff\x0b") + "ICCRGBG1012" + SubBlocks("profile");
  std::string iptc = Bin("\x21\xff\x0b") + "MGK8BIM0000" + SubBlocks("8BIM....");
  std::string plain = Bin("\x21\x01") + SubBlocks(std::string(12, '\0') + "Hello");
  std::string comment = Bin("\x21\xfe") + SubBlocks("call 13800138000");
  std::string in = TinyGif(XmpAppExtension(xmp) + icc + iptc + plain + comment, "junk after");
  RecordingSink sink;
  ASSERT_TRUE(ScanGif(in, ParseLimits{}, sink).ok());
  EXPECT_TRUE(sink.Has("AppExt/XMP", "XMP"));
  EXPECT_TRUE(sink.AnyTextContains("Zhao Liu"));
  EXPECT_TRUE(sink.Has("AppExt/ICC"));
  EXPECT_TRUE(sink.Has("AppExt", "MGK8BIM0000"));
  EXPECT_TRUE(sink.Has("PlainText", "PlainText", "Hello"));
  EXPECT_TRUE(sink.Has("Comment", "Comment", "13800138000"));
  EXPECT_TRUE(sink.Has("trailer"));
  std::string out = CheckScrubbed(in);
  EXPECT_EQ(out, TinyGif(icc + plain));
}

TEST(GifTest, Gif87aWithExtensionsAndEmptyApplicationBlock) {
  std::string in = TinyGif(Bin("\x21\xff\x00") + Bin("\x21\x99") + SubBlocks("vendor"));
  in[4] = '7';
  std::string out = CheckScrubbed(in);
  std::string expect = TinyGif("");
  expect[4] = '7';
  EXPECT_EQ(out, expect);
}

}  // namespace
}  // namespace piivault::image_internal
