// XMP property extraction and IPTC/IRB parsing.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "image/image_internal.h"
#include "scanner_testing.h"

namespace piivault::image_internal {
namespace {

using image_testing::RecordingSink;

constexpr char kPacket[] = R"(<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:aux="http://ns.adobe.com/exif/1.0/aux/"
    exif:GPSLatitude="39,54.3N" aux:SerialNumber='12345' photoshop:City="Bei&amp;jing">
   <dc:creator><rdf:Seq><rdf:li>张三 &lt;zs@example.com&gt;</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">电话&#x31;3812345678</rdf:li></rdf:Alt></dc:description>
   <!-- <dc:rights>commented out</dc:rights> -->
   <xmpMM:History><rdf:Seq><rdf:li rdf:parseType="Resource">
     <stEvt:softwareAgent>Tool</stEvt:softwareAgent></rdf:li></rdf:Seq></xmpMM:History>
   <dc:title><![CDATA[a <b> title]]></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>)";

TEST(Xmp, AttributeAndElementFormsWithEntities) {
  RecordingSink sink;
  ASSERT_TRUE(ParseXmpMetadata(kPacket, 1000, "APP1/XMP", ParseLimits{}, sink).ok());
  ASSERT_NE(sink.Find("exif:GPSLatitude"), nullptr);
  EXPECT_EQ(sink.Find("exif:GPSLatitude")->text, "39,54.3N");
  EXPECT_EQ(sink.Find("aux:SerialNumber")->text, "12345");
  EXPECT_EQ(sink.Find("photoshop:City")->text, "Bei&jing");
  EXPECT_EQ(sink.Find("dc:creator")->text, "张三 <zs@example.com>");
  EXPECT_EQ(sink.Find("dc:description")->text, "电话13812345678");
  EXPECT_EQ(sink.Find("stEvt:softwareAgent")->text, "Tool");
  EXPECT_EQ(sink.Find("dc:title")->text, "a <b> title");
  EXPECT_EQ(sink.Find("dc:rights"), nullptr);
  EXPECT_EQ(sink.Find("rdf:about"), nullptr);
  EXPECT_EQ(sink.Find("xmlns:dc"), nullptr);
  const auto* creator = sink.Find("dc:creator");
  EXPECT_EQ(creator->item.location, "APP1/XMP");
  std::string packet(kPacket);
  EXPECT_EQ(creator->item.offset, 1000 + packet.find("张三"));
}

TEST(Xmp, Utf16PacketsAreDecoded) {
  std::string utf8 = R"(<x:xmpmeta><rdf:RDF><rdf:Description dc:format="a"><dc:creator>Li</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>)";
  for (bool be : {true, false}) {
    std::string utf16 = be ? std::string("\xFE\xFF", 2) : std::string("\xFF\xFE", 2);
    for (char c : utf8) {
      if (be) utf16.push_back('\0');
      utf16.push_back(c);
      if (!be) utf16.push_back('\0');
    }
    RecordingSink sink;
    ASSERT_TRUE(ParseXmpMetadata(utf16, 0, "X", ParseLimits{}, sink).ok());
    ASSERT_NE(sink.Find("dc:creator"), nullptr);
    EXPECT_EQ(sink.Find("dc:creator")->text, "Li");
    EXPECT_EQ(sink.Find("dc:format")->text, "a");
  }
}

TEST(Xmp, MalformedInputTerminates) {
  const char* cases[] = {"<", "<a", "<a b='", "<a><b></a>", "&#xFFFFFFFFF;", "<!--", "<![CDATA[",
                         "<a>&", "</>", "<a b=c>"};
  for (const char* c : cases) {
    RecordingSink sink;
    EXPECT_TRUE(ParseXmpMetadata(c, 0, "X", ParseLimits{}, sink).ok()) << c;
  }
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  RecordingSink sink;
  EXPECT_TRUE(ParseXmpMetadata(deep, 0, "X", ParseLimits{}, sink).ok());
}

TEST(Text, Utf16AndLatin1Helpers) {
  EXPECT_EQ(DecodeUtf16(std::string("\x3D\xD8\x00\xDE", 4), false), "\xF0\x9F\x98\x80");  // surrogate pair
  EXPECT_EQ(DecodeUtf16(std::string("A\0B", 3), false), "A\xEF\xBF\xBD");                  // odd byte
  EXPECT_EQ(DecodeUtf16(std::string("\0A\0\0\0B", 6), true), "A");                         // stops at NUL
  EXPECT_EQ(DecodeLatin1("caf\xE9"), "caf\xC3\xA9");
}

std::string Iptc(uint8_t record, uint8_t dataset, std::string_view value) {
  std::string s("\x1C", 1);
  s.push_back(static_cast<char>(record));
  s.push_back(static_cast<char>(dataset));
  s.push_back(static_cast<char>(value.size() >> 8));
  s.push_back(static_cast<char>(value.size() & 0xFF));
  return s + std::string(value);
}

TEST(Iptc, RecordsAndExtendedLength) {
  std::string data = Iptc(1, 90, "\x1B%G") + Iptc(2, 80, "王五") + Iptc(2, 90, "Shanghai");
  // Extended length: 0x8004 then a 4-byte length.
  data += std::string("\x1C\x02\x78\x80\x04\x00\x00\x00\x05hello", 14);
  data += std::string(3, '\0');  // padding
  RecordingSink sink;
  ASSERT_TRUE(ParseIptcMetadata(data, 50, "APP13/IPTC", sink).ok());
  EXPECT_EQ(sink.Find("By-line")->text, "王五");
  EXPECT_EQ(sink.Find("City")->text, "Shanghai");
  EXPECT_EQ(sink.Find("Caption-Abstract")->text, "hello");
  EXPECT_FALSE(sink.Find("CodedCharacterSet")->is_text);
  EXPECT_EQ(sink.Find("By-line")->item.offset, 50u + 5 + 3 + 5);
}

TEST(Iptc, HazardsAreErrors) {
  RecordingSink sink;
  EXPECT_FALSE(ParseIptcMetadata(std::string("\x1C\x02\x50\x00\x10short", 10), 0, "", sink).ok());
  EXPECT_FALSE(ParseIptcMetadata(std::string("\x1C\x02\x50\x80\x00", 5), 0, "", sink).ok());
  EXPECT_FALSE(ParseIptcMetadata(std::string("\x1C\x02\x50\xFF\xFF\x00", 6), 0, "", sink).ok());
  EXPECT_FALSE(ParseIptcMetadata("garbage", 0, "", sink).ok());
}

std::string Irb(uint16_t id, std::string_view name, std::string_view data) {
  std::string s = "8BIM";
  s.push_back(static_cast<char>(id >> 8));
  s.push_back(static_cast<char>(id & 0xFF));
  s.push_back(static_cast<char>(name.size()));
  s += std::string(name);
  if ((1 + name.size()) & 1) s.push_back('\0');
  uint32_t n = static_cast<uint32_t>(data.size());
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  s += std::string(data);
  if (data.size() & 1) s.push_back('\0');
  return s;
}

TEST(PhotoshopIrb, ResourcesAndNestedIptc) {
  std::string irb = Irb(0x0404, "", Iptc(2, 80, "Author Name")) + Irb(0x040C, "ab", "THUMB") +
                    Irb(0x0425, "", std::string(16, 'd'));
  RecordingSink sink;
  ASSERT_TRUE(ParsePhotoshopIrb(irb, 0, "APP13/Photoshop", ParseLimits{}, sink).ok());
  EXPECT_EQ(sink.Find("By-line")->item.location, "APP13/Photoshop/IPTC");
  EXPECT_EQ(sink.Find("PhotoshopThumbnail")->item.sensitive_as, EntityType::kThumbnail);
  EXPECT_NE(sink.Find("Photoshop0x0425"), nullptr);
}

TEST(PhotoshopIrb, SizeOverflowIsAnError) {
  std::string irb = "8BIM";
  irb += std::string("\x04\x04\xFF", 3) + std::string(255, 'n') + std::string("\xFF\xFF\xFF\xF0", 4);
  RecordingSink sink;
  EXPECT_FALSE(ParsePhotoshopIrb(irb, 0, "", ParseLimits{}, sink).ok());
  EXPECT_FALSE(ParsePhotoshopIrb("8BIM\x04", 0, "", ParseLimits{}, sink).ok());
}

}  // namespace
}  // namespace piivault::image_internal
