// Behaviour of the detection engine: every type with valid, near-miss and
// look-alike cases (pii-formats.md §12 vectors and more), normalisation and
// offset mapping, MASKED findings, invalid UTF-8, filters and limits.
#include "piivault/detector.h"

#include <string>
#include <vector>

#include "detect/detector_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piivault {
namespace {

using ::testing::IsEmpty;

const Detector& D() {
  return test::BuiltinDetector();
}

std::vector<Finding> ScanOk(const Detector& d, std::string_view text) {
  absl::StatusOr<std::vector<Finding>> found = d.Scan(text);
  EXPECT_TRUE(found.ok()) << found.status();
  return found.ok() ? *std::move(found) : std::vector<Finding>{};
}
std::vector<Finding> ScanOk(std::string_view text) { return ScanOk(D(), text); }

std::string Describe(std::string_view text, const std::vector<Finding>& found) {
  std::string out;
  for (const Finding& f : found) {
    out += std::string(EntityTypeName(f.type)) + "[" + std::to_string(f.begin) + "," +
           std::to_string(f.end) + ")='" + std::string(text.substr(f.begin, f.end - f.begin)) +
           "' norm=" + f.normalized + " conf=" + std::to_string(f.confidence) + "; ";
  }
  return out.empty() ? "(nothing)" : out;
}

// Exactly one finding of `type` whose original bytes are `span` (found by
// substring search) and whose normalized value is `normalized`.
void ExpectFinding(std::string_view text, EntityType type, std::string_view span,
                   std::string_view normalized) {
  std::vector<Finding> found = ScanOk(text);
  size_t at = text.find(span);
  ASSERT_NE(at, std::string_view::npos) << "bad test: span not in text";
  bool ok = false;
  for (const Finding& f : found) {
    if (f.type == type && f.begin == at && f.end == at + span.size() && f.normalized == normalized) ok = true;
  }
  EXPECT_TRUE(ok) << "text: " << text << "\nwant " << EntityTypeName(type) << " '" << span << "' -> "
                  << normalized << "\ngot  " << Describe(text, found);
}

void ExpectType(std::string_view text, EntityType type) {
  std::vector<Finding> found = ScanOk(text);
  bool ok = false;
  for (const Finding& f : found) ok |= f.type == type;
  EXPECT_TRUE(ok) << "text: " << text << "\nwant " << EntityTypeName(type) << "\ngot  " << Describe(text, found);
}

void ExpectNoType(std::string_view text, EntityType type) {
  std::vector<Finding> found = ScanOk(text);
  for (const Finding& f : found) {
    EXPECT_NE(f.type, type) << "text: " << text << "\ngot  " << Describe(text, found);
  }
}

// ------------------------------------------------------------ identity
TEST(ResidentId, Section12Vectors) {
  for (const char* v : {"11010519491231002X", "320102199003074835", "510104200111307767",
                        "330106198510090023", "440305201002283456", "650102197906151210",
                        "81000019920731005X", "830000198802030027", "110118201506120030",
                        "911840198506120015", "93184019900101002X", "944392197811240032",
                        "951250199505050045", "93227619880808015X"}) {
    ExpectFinding(v, EntityType::kCnResidentId, v, v);
  }
  // 1880 birth: valid but soft-penalised; still reported with context.
  ExpectType("身份证号440524188001010014", EntityType::kCnResidentId);
  for (const char* v : {"320102199003074935", "320102199003074830", "320102199003074385",
                        "320102199002304838", "320102202302294832", "190102199003074830",
                        "320102210001014833", "202402151718001234", "93184019900101003X",
                        "919840199001010023", "931840199013010027", "810101199207310051"}) {
    ExpectNoType(v, EntityType::kCnResidentId);
  }
}

TEST(ResidentId, LegacyFifteenDigitsNeedContext) {
  ExpectFinding("身份证号：110105491231002", EntityType::kCnResidentId, "110105491231002", "110105491231002");
  ExpectNoType("110105491231002", EntityType::kCnResidentId);
}

TEST(ResidentId, LowerCaseXAndFullWidth) {
  ExpectFinding("身份证11010519491231002x。", EntityType::kCnResidentId, "11010519491231002x",
                "11010519491231002X");
  ExpectFinding("身份证：１１０１０５１９４９１２３１００２Ｘ", EntityType::kCnResidentId,
                "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X");
}

TEST(ResidentId, MultiplicationSignAsCheckCharacter) {
  // pii-formats.md §1.1: × typed for X in the last position.
  ExpectFinding("身份证号11010519491231002×，", EntityType::kCnResidentId, "11010519491231002×",
                "11010519491231002X");
  ExpectFinding("身份证：１１０１０５１９４９１２３１００２×", EntityType::kCnResidentId,
                "１１０１０５１９４９１２３１００２×", "11010519491231002X");
  // Not after a letter, not before another digit, not arithmetic.
  ExpectNoType("身份证号11010519491231002×1", EntityType::kCnResidentId);
  EXPECT_TRUE(ScanOk("3×4=12，2×5=10").empty());
}

TEST(ResidentId, BoundariesAndLookAlikes) {
  // Inside a longer digit run: not a finding.
  ExpectNoType("12011010519491231002X", EntityType::kCnResidentId);
  ExpectNoType("11010519491231002X5", EntityType::kCnResidentId);
  ExpectNoType("A11010519491231002X", EntityType::kCnResidentId);
  // Negative context sinks an otherwise valid-looking number.
  ExpectNoType("订单号：320102199003074835", EntityType::kCnResidentId);
  // Glued to Chinese: fine.
  ExpectFinding("证件号码320102199003074835已核实", EntityType::kCnResidentId, "320102199003074835",
                "320102199003074835");
}

// ------------------------------------------------------------ enterprise
TEST(Uscc, Section12Vectors) {
  for (const char* v : {"91110108MA01ABCD5T", "91440300MA5F0000X1", "92330106MA2CD3E42F",
                        "12100000400012342E", "51320102MJ000000XK", "93510104MA6C000095",
                        "Y1330100MA2A0000XN", "N2440300MA5G000009", "A1110000MA00M0007Q"}) {
    ExpectFinding(v, EntityType::kCnUscc, v, v);
  }
  for (const char* v : {"91110108MA011BCD5T", "91110108MA01ABCD5U", "91110108M0A1ABCD5T",
                        "91110108MAO1ABCD5T", "9111S108MA01ABCD5T", "91110108MA01ABCD5"}) {
    ExpectNoType(v, EntityType::kCnUscc);
  }
}

TEST(OrgCode, Section12VectorsWithContext) {
  for (const char* v : {"MA01ABCD-5", "40001234-2", "MA5F0000-X", "X0000001-9", "06000005-3", "D2345678-5"}) {
    std::string text = std::string("组织机构代码：") + v;
    std::string norm(v);
    norm.erase(norm.find('-'), 1);
    ExpectFinding(text, EntityType::kCnOrgCode, v, norm);
  }
  for (const char* v : {"MA01ABCD-6", "40001234-3", "MA5F0000-0", "X0000001-X", "06000005-8"}) {
    ExpectNoType(std::string("组织机构代码：") + v, EntityType::kCnOrgCode);
  }
}

TEST(BusinessRegNo, Section12VectorsWithContext) {
  for (const char* v : {"110108000123459", "440300001234568", "320100400000136", "330106600123455",
                        "100000000000151", "510104700000019"}) {
    ExpectFinding(std::string("工商注册号：") + v, EntityType::kCnBusinessRegNo, v, v);
  }
  for (const char* v : {"110101000123459", "110108000123450", "110108000124359"}) {
    ExpectNoType(std::string("工商注册号：") + v, EntityType::kCnBusinessRegNo);
  }
}

TEST(AccountPermit, Shapes) {
  ExpectFinding("开户许可证核准号：J2900123456789", EntityType::kCnAccountPermit, "J2900123456789",
                "J2900123456789");
  ExpectNoType("J290012345678", EntityType::kCnAccountPermit);
}

// ------------------------------------------------------------ bank cards
TEST(BankCard, Section12Vectors) {
  for (const char* v : {"6222025260181590832", "6217000166131860911", "6228483909960308244",
                        "6225886281948214", "6216619935181909371", "6259658657975439",
                        "6222622319487574911", "6210981862527601897"}) {
    ExpectFinding(v, EntityType::kBankCard, v, v);
  }
  for (const char* v : {"6222025260281590832", "6225886281948219", "6225882681948214",
                        "1708000000000000000", "2024021522001412345"}) {
    ExpectNoType(v, EntityType::kBankCard);
  }
}

TEST(BankCard, LuhnIsEvidenceNotAGate) {
  // Luhn fails, known BIN: reported only with card context.
  ExpectFinding("银行卡号：6222025260281590832", EntityType::kBankCard, "6222025260281590832",
                "6222025260281590832");
  ExpectNoType("6222025260281590832", EntityType::kBankCard);
  std::vector<Finding> f = ScanOk("卡号6222025260281590832");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].validated_by, "context");
  std::vector<Finding> g = ScanOk("卡号6222025260181590832");
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].validated_by, "luhn");
  EXPECT_GT(g[0].confidence, f[0].confidence);
}

TEST(BankCard, Groupings) {
  ExpectFinding("卡号 6222 0252 6018 1590 832 谢谢", EntityType::kBankCard, "6222 0252 6018 1590 832",
                "6222025260181590832");
  ExpectFinding("6225-8862-8194-8214", EntityType::kBankCard, "6225-8862-8194-8214", "6225886281948214");
  // Longer runs (payment trade numbers) are not cards.
  ExpectNoType("交易号622202526018159083212345678", EntityType::kBankCard);
  // Amount: ¥ and decimals.
  ExpectNoType("6225886281948214.00", EntityType::kBankCard);
}

// ------------------------------------------------------------ phones
TEST(Mobile, Section6Examples) {
  ExpectFinding("13800138000", EntityType::kCnMobile, "13800138000", "13800138000");
  ExpectFinding("+86 139 1234 5678", EntityType::kCnMobile, "+86 139 1234 5678", "13912345678");
  ExpectFinding("0086-150-1234-5678", EntityType::kCnMobile, "0086-150-1234-5678", "15012345678");
  ExpectFinding("8618612345678", EntityType::kCnMobile, "8618612345678", "18612345678");
  for (const char* v : {"19212345678", "19912345678", "16612345678", "17012345678", "14712345678",
                        "17400123456", "19012345678", "19712345678"}) {
    ExpectFinding(v, EntityType::kCnMobile, v, v);
  }
  for (const char* v : {"12012345678", "11012345678", "15412345678", "14212345678", "1381234567",
                        "138123456789", "23812345678", "16012345678", "17912345678"}) {
    ExpectNoType(v, EntityType::kCnMobile);
  }
}

TEST(Mobile, PeopleWriteItLikeThis) {
  ExpectFinding("手机号13812345678，", EntityType::kCnMobile, "13812345678", "13812345678");
  ExpectFinding("电话：138-1234-5678。", EntityType::kCnMobile, "138-1234-5678", "13812345678");
  ExpectFinding("打 138 1234 5678 找我", EntityType::kCnMobile, "138 1234 5678", "13812345678");
  ExpectFinding("手机：１３８－１２３４－５６７８", EntityType::kCnMobile, "１３８－１２３４－５６７８", "13812345678");
  // Ideographic spaces.
  ExpectFinding("手机：138\xE3\x80\x80" "1234\xE3\x80\x80" "5678", EntityType::kCnMobile,
                "138\xE3\x80\x80" "1234\xE3\x80\x80" "5678", "13812345678");
  // One line break inside (chat export).
  ExpectFinding("手机138123\n45678", EntityType::kCnMobile, "138123\n45678", "13812345678");
  ExpectFinding("手机138123\r\n45678", EntityType::kCnMobile, "138123\r\n45678", "13812345678");
  // Two numbers separated by a space are two findings.
  std::vector<Finding> two = ScanOk("13812345678 13912345678");
  ASSERT_EQ(two.size(), 2u) << Describe("13812345678 13912345678", two);
  EXPECT_EQ(two[0].normalized, "13812345678");
  EXPECT_EQ(two[1].normalized, "13912345678");
  EXPECT_EQ(two[1].begin, 12u);
  // Zero-width characters inside (evasion) are skipped but kept in the span.
  ExpectFinding("手机138\xE2\x80\x8B" "12345678", EntityType::kCnMobile, "138\xE2\x80\x8B" "12345678", "13812345678");
}

TEST(Mobile, AsciiDigitsAndNumeralsInOneRun) {
  // The numeral pass skips a plain ASCII stretch only when neither side can
  // continue into a numeral: these runs cross from one to the other.
  ExpectFinding("电话138 1234 五六七八", EntityType::kCnMobile, "138 1234 五六七八", "13812345678");
  ExpectFinding("电话一三八 1234 5678", EntityType::kCnMobile, "一三八 1234 5678", "13812345678");
  ExpectFinding("电话一三八幺二三四 5678", EntityType::kCnMobile, "一三八幺二三四 5678", "13812345678");
}

TEST(Mobile, ChineseNumerals) {
  ExpectFinding("我的手机是一三八 幺二三四 五六七八好的", EntityType::kCnMobile, "一三八 幺二三四 五六七八",
                "13812345678");
  ExpectFinding("号码幺三九两两三三四四五五", EntityType::kCnMobile, "幺三九两两三三四四五五", "13922334455");
  ExpectFinding("电话一八六零零幺幺二二三三", EntityType::kCnMobile, "一八六零零幺幺二二三三", "18600112233");
  ExpectFinding("手机一五〇一二三四五六七八", EntityType::kCnMobile, "一五〇一二三四五六七八", "15012345678");
  // Mixed with ASCII digits.
  ExpectFinding("手机138一二三四五六七八", EntityType::kCnMobile, "138一二三四五六七八", "13812345678");
  // A spoken ID number with its check character.
  ExpectFinding("身份证号码是一一零一零五一九四九一二三一零零二X", EntityType::kCnResidentId,
                "一一零一零五一九四九一二三一零零二X", "11010519491231002X");
  // Ordinary text with numerals is not a number.
  EXPECT_THAT(ScanOk("一二三四五六七个人都来了，三三两两地走"), IsEmpty());
  // Offsets stay on the original bytes when the run starts at any alignment.
  for (size_t pad = 0; pad < 40; ++pad) {
    std::string text = std::string(pad, 'x') + " 我的电话是一三八幺二三四五六七八。";
    std::string span = "一三八幺二三四五六七八";
    ExpectFinding(text, EntityType::kCnMobile, span, "13812345678");
  }
}

TEST(Mobile, LookAlikes) {
  ExpectNoType("13800138000.00", EntityType::kCnMobile);
  ExpectNoType("金额：13800138000元", EntityType::kCnMobile);
  ExpectNoType("1,380,013,800", EntityType::kCnMobile);
  ExpectNoType("运单号13812345678", EntityType::kCnMobile);
  ExpectNoType("SN13812345678", EntityType::kCnMobile);
  ExpectNoType("201381234567890", EntityType::kCnMobile);
  ExpectNoType("20240215171800", EntityType::kCnMobile);
  // A negative keyword that labels the next value does not sink this one.
  ExpectType("手机13812345678，订单号2024021517180012", EntityType::kCnMobile);
}

TEST(Landline, Shapes) {
  ExpectFinding("座机010-62345678", EntityType::kCnLandline, "010-62345678", "01062345678");
  ExpectFinding("(010)62345678", EntityType::kCnLandline, "(010)62345678", "01062345678");
  ExpectFinding("（0755）8612 3456", EntityType::kCnLandline, "（0755）8612 3456", "075586123456");
  ExpectFinding("0755 86123456", EntityType::kCnLandline, "0755 86123456", "075586123456");
  ExpectFinding("+86 10 6234 5678", EntityType::kCnLandline, "+86 10 6234 5678", "1062345678");
  ExpectFinding("电话010-62345678转8021。", EntityType::kCnLandline, "010-62345678转8021", "01062345678-8021");
  ExpectFinding("0755-86123456-801", EntityType::kCnLandline, "0755-86123456-801", "075586123456-801");
  ExpectFinding("电话0571-8888666 分机 12", EntityType::kCnLandline, "0571-8888666 分机 12", "05718888666-12");
  ExpectFinding("热线400-123-4567", EntityType::kCnLandline, "400-123-4567", "4001234567");
  ExpectFinding("800-820-8820", EntityType::kCnLandline, "800-820-8820", "8008208820");
  // Without an area code only next to a landline keyword (pii-formats.md §7).
  ExpectFinding("电话：62345678", EntityType::kCnLandline, "62345678", "62345678");
  ExpectFinding("办公电话 2345678转801", EntityType::kCnLandline, "2345678转801", "2345678-801");
  ExpectNoType("62345678", EntityType::kCnLandline);
  ExpectNoType("电话验证码62345678", EntityType::kCnLandline);
  ExpectNoType("电话费62345678元", EntityType::kCnLandline);
  ExpectNoType("010-1234567", EntityType::kCnLandline);
  ExpectNoType("026-62345678", EntityType::kCnLandline);
  ExpectNoType("0755-0612345", EntityType::kCnLandline);
}

// ------------------------------------------------------------ documents
TEST(Passport, Shapes) {
  ExpectFinding("EA1234567", EntityType::kCnPassport, "EA1234567", "EA1234567");
  ExpectFinding("护照号E12345678", EntityType::kCnPassport, "E12345678", "E12345678");
  ExpectFinding("护照号码：g12345678", EntityType::kCnPassport, "g12345678", "G12345678");
  ExpectNoType("E12345678", EntityType::kCnPassport);  // invoice/order codes look the same
  ExpectNoType("EI1234567", EntityType::kCnPassport);
  ExpectNoType("护照EA123456", EntityType::kCnPassport);
  ExpectNoType("运单号EA1234567", EntityType::kCnPassport);
}

TEST(Permits, Shapes) {
  ExpectFinding("回乡证H12345678", EntityType::kCnHkMacauPermit, "H12345678", "H12345678");
  ExpectFinding("回乡证：M1234567801", EntityType::kCnHkMacauPermit, "M1234567801", "M1234567801");
  ExpectFinding("港澳通行证 CA1234567", EntityType::kCnHkMacauPermit, "CA1234567", "CA1234567");
  ExpectNoType("H12345678", EntityType::kCnHkMacauPermit);
  ExpectFinding("台胞证号码：12345678", EntityType::kCnTaiwanPermit, "12345678", "12345678");
  ExpectNoType("12345678", EntityType::kCnTaiwanPermit);
}

TEST(Plate, Shapes) {
  ExpectFinding("车牌京A·12345", EntityType::kCnPlate, "京A·12345", "京A12345");
  ExpectFinding("粤B 3X7K9", EntityType::kCnPlate, "粤B 3X7K9", "粤B3X7K9");
  ExpectFinding("沪AD12345", EntityType::kCnPlate, "沪AD12345", "沪AD12345");
  ExpectFinding("苏E12345F", EntityType::kCnPlate, "苏E12345F", "苏E12345F");
  ExpectFinding("浙A1234学", EntityType::kCnPlate, "浙A1234学", "浙A1234学");
  ExpectFinding("车牌号京Ａ１２３４５", EntityType::kCnPlate, "京Ａ１２３４５", "京A12345");
  for (const char* v : {"京I12345", "京A1234O", "黔A12345", "京A1234", "京AZ12345", "京A123456"}) {
    ExpectNoType(v, EntityType::kCnPlate);
  }
}

// ------------------------------------------------------------ online
TEST(Email, NoChainsAndNoOverlongLocalParts) {
  // A part shared by two '@'s is not an address (the candidates would chain).
  ExpectNoType("a1@b2.cn@c3.com", EntityType::kEmail);
  // A trailing '@' with nothing after it does not spoil the address before it.
  ExpectFinding("邮箱x1@qq.com@ 客服", EntityType::kEmail, "x1@qq.com", "x1@qq.com");
  // More than 64 characters before the '@': not an address, and not its tail.
  ExpectNoType(std::string(65, 'a') + "@example.com", EntityType::kEmail);
  ExpectType(std::string(64, 'a') + "@example.com", EntityType::kEmail);
  // '%' may start a local part.
  ExpectFinding("|||%@x.co", EntityType::kEmail, "%@x.co", "%@x.co");
}

TEST(Email, Shapes) {
  ExpectFinding("邮箱zhang.san@example.com。", EntityType::kEmail, "zhang.san@example.com", "zhang.san@example.com");
  ExpectFinding("ＡＢＣ＠１６３．ｃｏｍ", EntityType::kEmail, "ＡＢＣ＠１６３．ｃｏｍ", "ABC@163.com");
  ExpectFinding("mail: Tom+x@Mail.Example.CN,", EntityType::kEmail, "Tom+x@Mail.Example.CN", "Tom+x@mail.example.cn");
  for (const char* v : {"git@github", "@mention", "a@b.c", "user@.com", "user..name@example.com", "a@-x.com"}) {
    ExpectNoType(v, EntityType::kEmail);
  }
}

TEST(Ip, Shapes) {
  ExpectFinding("登录IP：192.0.2.10", EntityType::kIpv4, "192.0.2.10", "192.0.2.10");
  ExpectFinding("203.0.113.254:8080", EntityType::kIpv4, "203.0.113.254", "203.0.113.254");
  for (const char* v : {"192.168.001.1", "256.1.1.1", "1.2.3.4.5", "v1.2.3.4", "版本 1.2.3.4", "1.2.3", "version 10.0.0.1"}) {
    ExpectNoType(v, EntityType::kIpv4);
  }
  ExpectFinding("2001:db8::1", EntityType::kIpv6, "2001:db8::1", "2001:db8::1");
  ExpectFinding("IPv6:2001:0DB8:85a3:0000:0000:8a2e:0370:7334", EntityType::kIpv6,
                "2001:0DB8:85a3:0000:0000:8a2e:0370:7334", "2001:0db8:85a3:0000:0000:8a2e:0370:7334");
  ExpectFinding("::ffff:192.0.2.1", EntityType::kIpv6, "::ffff:192.0.2.1", "::ffff:192.0.2.1");
  for (const char* v : {"12:30:45", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "10:32:15", "1::2::3"}) {
    ExpectNoType(v, EntityType::kIpv6);
  }
}

TEST(Mac, Shapes) {
  ExpectFinding("MAC 3c:22:fb:12:34:56", EntityType::kMacAddress, "3c:22:fb:12:34:56", "3C:22:FB:12:34:56");
  ExpectFinding("3C-22-FB-12-34-56", EntityType::kMacAddress, "3C-22-FB-12-34-56", "3C:22:FB:12:34:56");
  ExpectFinding("物理地址：3C22FB123456", EntityType::kMacAddress, "3C22FB123456", "3C:22:FB:12:34:56");
  ExpectNoType("3C22FB123456", EntityType::kMacAddress);
  ExpectNoType("00:00:00:00:00:00", EntityType::kMacAddress);
  ExpectNoType("3C:22-FB:12:34:56", EntityType::kMacAddress);
}

TEST(DeviceIds, Shapes) {
  for (const char* v : {"860000005559793", "861234007114716", "350000000497467", "359999005075296",
                        "010000001703428"}) {
    ExpectFinding(v, EntityType::kImei, v, v);
  }
  ExpectFinding("IMEI：86-123400-711471-6", EntityType::kImei, "86-123400-711471-6", "861234007114716");
  for (const char* v : {"860000005559794", "860000005959793", "860000005595793", "350000000497461", "86000000555979"}) {
    ExpectNoType(v, EntityType::kImei);
  }
  ExpectFinding("MEID:A10000AB12CD34C", EntityType::kMeid, "A10000AB12CD34C", "A10000AB12CD34C");
  ExpectFinding("a00000000000014", EntityType::kMeid, "a00000000000014", "A00000000000014");
  ExpectNoType("A10000AB12CD34D", EntityType::kMeid);
  ExpectFinding("IDFA：6D92078A-8246-4BA4-AE5B-76104861E7DC", EntityType::kDeviceId,
                "6D92078A-8246-4BA4-AE5B-76104861E7DC", "6D92078A-8246-4BA4-AE5B-76104861E7DC");
  ExpectNoType("6D92078A-8246-4BA4-AE5B-76104861E7DC", EntityType::kDeviceId);
  ExpectFinding("android_id=9774d56d682e549c", EntityType::kDeviceId, "9774d56d682e549c", "9774d56d682e549c");
}

TEST(Social, QqAndWechatNeedContext) {
  ExpectFinding("我的QQ是12345678", EntityType::kQq, "12345678", "12345678");
  ExpectFinding("加QQ2789456123", EntityType::kQq, "2789456123", "2789456123");
  ExpectNoType("12345678", EntityType::kQq);
  ExpectNoType("QQ群：12345678", EntityType::kQq);
  ExpectNoType("QQ：1234", EntityType::kQq);
  ExpectFinding("微信号：zhangsan_88", EntityType::kWechatId, "zhangsan_88", "zhangsan_88");
  ExpectFinding("加我vx：wxid_abc123def", EntityType::kWechatId, "wxid_abc123def", "wxid_abc123def");
  ExpectNoType("zhangsan_88", EntityType::kWechatId);
  // A phone number given as a WeChat ID is a phone number.
  ExpectType("微信13812345678", EntityType::kCnMobile);
}

// ------------------------------------------------------------ people and places
TEST(Names, KeywordAnchored) {
  ExpectFinding("姓名：张三，电话13812345678", EntityType::kPersonName, "张三", "张三");
  ExpectFinding("联系人: 欧阳娜娜", EntityType::kPersonName, "欧阳娜娜", "欧阳娜娜");
  ExpectFinding("收货人：王小明先生", EntityType::kPersonName, "王小明", "王小明");
  ExpectFinding("姓名：买买提·艾力", EntityType::kPersonName, "买买提·艾力", "买买提·艾力");
  ExpectNoType("姓名：不详", EntityType::kPersonName);
  ExpectNoType("客服：您好，请问有什么可以帮您", EntityType::kPersonName);
  ExpectNoType("王先生说高兴", EntityType::kPersonName);
}

TEST(Addresses, KeywordAnchored) {
  ExpectFinding("收货地址：浙江省杭州市西湖区文三路90号，电话13812345678", EntityType::kAddress,
                "浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区文三路90号");
  ExpectFinding("家庭住址: 北京市朝阳区建国路88号3号楼2单元301室\n", EntityType::kAddress,
                "北京市朝阳区建国路88号3号楼2单元301室", "北京市朝阳区建国路88号3号楼2单元301室");
  ExpectNoType("地址：不详", EntityType::kAddress);
  ExpectNoType("产地：浙江省杭州市", EntityType::kAddress);
}

TEST(DateOfBirth, ContextAnchored) {
  ExpectFinding("出生日期：1990-03-07", EntityType::kDateOfBirth, "1990-03-07", "1990-03-07");
  ExpectFinding("生日 1990/3/7", EntityType::kDateOfBirth, "1990/3/7", "1990-03-07");
  ExpectFinding("出生日期：1990年3月7日", EntityType::kDateOfBirth, "1990年3月7日", "1990-03-07");
  ExpectFinding("出生日期19900307", EntityType::kDateOfBirth, "19900307", "1990-03-07");
  ExpectNoType("下单时间 2024-02-15", EntityType::kDateOfBirth);
  ExpectNoType("1990-03-07", EntityType::kDateOfBirth);
  ExpectNoType("出生日期：1990-02-30", EntityType::kDateOfBirth);
}

// The date of a chat or call log line's header is when the message was sent,
// even right after a birth-date question.
TEST(DateOfBirth, NeverALogLinesTimestamp) {
  ExpectNoType("客服：请提供您的出生日期。\n[2024-02-15 17:18:30] 客户：好的", EntityType::kDateOfBirth);
  ExpectNoType("客服：您的出生日期？\n2024-02-15 17:18 客户：稍等", EntityType::kDateOfBirth);
  ExpectNoType("客服：您的出生日期？\n2024/2/5 9:05:00 客户：稍等", EntityType::kDateOfBirth);
  ExpectNoType("客服：出生日期？\n客户：[2024-02-15 17:18:30] 稍等", EntityType::kDateOfBirth);
  ExpectNoType("客服：出生日期？\n2024年2月15日 17:18 客户：稍等", EntityType::kDateOfBirth);
  // Not a line's header: a birth date with a time, a date with no time.
  ExpectFinding("出生日期：1990-03-07 08:30", EntityType::kDateOfBirth, "1990-03-07", "1990-03-07");
  ExpectFinding("出生日期：\n1990-03-07", EntityType::kDateOfBirth, "1990-03-07", "1990-03-07");
  ExpectFinding("出生日期：\n1990-03-07 出生", EntityType::kDateOfBirth, "1990-03-07", "1990-03-07");
}

TEST(Geo, Pairs) {
  ExpectFinding("位置 39.9042, 116.4074", EntityType::kGeoCoord, "39.9042, 116.4074", "39.9042,116.4074");
  ExpectFinding("116.407400,39.904200", EntityType::kGeoCoord, "116.407400,39.904200", "116.407400,39.904200");
  ExpectNoType("39.90, 116.40", EntityType::kGeoCoord);
  ExpectNoType("价格：39.9042, 116.4074", EntityType::kGeoCoord);
}

TEST(Names, LabelWithoutColon) {
  ExpectFinding("客户：我叫黄玉刚\n客户：嗯", EntityType::kPersonName, "黄玉刚", "黄玉刚");
  ExpectFinding("嗯 我姓名是陆志超\n", EntityType::kPersonName, "陆志超", "陆志超");
  ExpectFinding("联系人周雨红，电话190 2075 1351", EntityType::kPersonName, "周雨红", "周雨红");
  ExpectFinding("持卡人姓名 曹一国\n", EntityType::kPersonName, "曹一国", "曹一国");
  ExpectFinding("卡号6236683255757233554，持卡人赵燕欣，对吗？", EntityType::kPersonName, "赵燕欣", "赵燕欣");
  ExpectFinding("真实姓名欧阳娜娜", EntityType::kPersonName, "欧阳娜娜", "欧阳娜娜");
  ExpectFinding("我叫古丽娜尔·阿不都\n", EntityType::kPersonName, "古丽娜尔·阿不都", "古丽娜尔·阿不都");
  ExpectFinding("实名信息：史然宇，440309195003068405", EntityType::kPersonName, "史然宇", "史然宇");
  // Near misses: no known surname, a field label, too long to be a name.
  ExpectNoType("我叫你一声你敢答应吗", EntityType::kPersonName);
  ExpectNoType("联系人电话13812345678", EntityType::kPersonName);
  ExpectNoType("姓名不详", EntityType::kPersonName);
  ExpectNoType("我叫王明明天再来找你", EntityType::kPersonName);
  ExpectNoType("他叫张三", EntityType::kPersonName);
}

TEST(Addresses, LabelWithoutColon) {
  ExpectFinding("地址是湖北省武汉市武昌区东风路334号龙湖天街19栋2单元2205室 对\n", EntityType::kAddress,
                "湖北省武汉市武昌区东风路334号龙湖天街19栋2单元2205室",
                "湖北省武汉市武昌区东风路334号龙湖天街19栋2单元2205室");
  ExpectFinding("寄到江苏省南京市鼓楼区解放路451号幸福里小区22栋4单元603室\n", EntityType::kAddress,
                "江苏省南京市鼓楼区解放路451号幸福里小区22栋4单元603室",
                "江苏省南京市鼓楼区解放路451号幸福里小区22栋4单元603室");
  ExpectFinding("公司地址 湖北省武汉市武昌区滨江大道532号碧桂园8-5-3205\n", EntityType::kAddress,
                "湖北省武汉市武昌区滨江大道532号碧桂园8-5-3205", "湖北省武汉市武昌区滨江大道532号碧桂园8-5-3205");
  // A space inside an address is kept when an address level follows it.
  ExpectFinding("寄到北京市朝阳区 建国路88号\n", EntityType::kAddress, "北京市朝阳区 建国路88号",
                "北京市朝阳区 建国路88号");
  ExpectNoType("地址是对的", EntityType::kAddress);
  ExpectNoType("寄到哪里了", EntityType::kAddress);
  ExpectNoType("我想寄到外地去", EntityType::kAddress);
}

TEST(DateOfBirth, ChineseNumerals) {
  ExpectFinding("出生日期是一九八七年十二月二日\n", EntityType::kDateOfBirth, "一九八七年十二月二日", "1987-12-02");
  ExpectFinding("出生日期是一九六二年十月二十一日", EntityType::kDateOfBirth, "一九六二年十月二十一日", "1962-10-21");
  ExpectFinding("生于二〇〇四年四月三号", EntityType::kDateOfBirth, "二〇〇四年四月三号", "2004-04-03");
  ExpectFinding("出生年月：一九九零年十月", EntityType::kDateOfBirth, "一九九零年十月", "1990-10");
  ExpectNoType("一九八七年十二月二日", EntityType::kDateOfBirth);  // no birth keyword
  ExpectNoType("出生日期是一九八七年十三月二日", EntityType::kDateOfBirth);
  ExpectNoType("出生日期是一九八七年二月三十日", EntityType::kDateOfBirth);
  ExpectNoType("出生日期是九八七年十二月二日", EntityType::kDateOfBirth);  // three-digit year
  ExpectNoType("出生日期是一二九八七年十二月二日", EntityType::kDateOfBirth);  // five numerals
}

TEST(Geo, HemisphereWords) {
  ExpectFinding("系统记录的经纬度：北纬45.8117 东经117.8378\n", EntityType::kGeoCoord, "北纬45.8117 东经117.8378",
                "45.8117,117.8378");
  ExpectFinding("东经116.4074，北纬39.9042", EntityType::kGeoCoord, "东经116.4074，北纬39.9042", "116.4074,39.9042");
  ExpectFinding("北纬39°54'15\" 东经116°24'27\"", EntityType::kGeoCoord, "北纬39°54'15\" 东经116°24'27\"",
                "39.904167,116.407500");
  ExpectFinding("北纬39°54′ 东经116°24′", EntityType::kGeoCoord, "北纬39°54′ 东经116°24′", "39.900000,116.400000");
  ExpectNoType("北纬45.8117", EntityType::kGeoCoord);
  ExpectNoType("北纬39度 东经116度", EntityType::kGeoCoord);  // whole degrees
  ExpectNoType("北纬95.8117 东经117.8378", EntityType::kGeoCoord);  // out of range
  ExpectNoType("北纬45.8117 东经117.8378km", EntityType::kGeoCoord);
}

// ------------------------------------------------------------ masked
TEST(Masked, ReportedAsMaskedWithResemblance) {
  std::vector<Finding> f = ScanOk("手机138****5678");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, EntityType::kMasked);
  EXPECT_EQ(f[0].masked_as, EntityType::kCnMobile);
  EXPECT_EQ(f[0].normalized, "138****5678");
  std::vector<Finding> g = ScanOk("身份证110101********1234");
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].type, EntityType::kMasked);
  EXPECT_EQ(g[0].masked_as, EntityType::kCnResidentId);
  ExpectFinding("卡号6222 **** **** 1234", EntityType::kMasked, "6222 **** **** 1234", "6222********1234");
  ExpectFinding("110***********002X", EntityType::kMasked, "110***********002X", "110***********002X");
  // Full-width asterisks.
  ExpectFinding("138＊＊＊＊5678", EntityType::kMasked, "138＊＊＊＊5678", "138****5678");
  // Masked values never come back as the real type.
  ExpectNoType("138****5678", EntityType::kCnMobile);
  // Nor does what the mask left of a token value: a WeChat ID padded with
  // hyphens keeps its first two significant characters and everything
  // between them, "W---------3", itself a valid ID (found by the JSON
  // record fuzzer as a redaction that was not idempotent).
  ExpectFinding("wechat W---------3wechat", EntityType::kWechatId, "W---------3wechat", "W---------3wechat");
  ExpectNoType("wechat W---------3****at", EntityType::kWechatId);
  ExpectNoType("wechat at****W---------3", EntityType::kWechatId);
}

// ------------------------------------------------------------ robustness
TEST(Detector, InvalidUtf8IsScannedAsBytes) {
  std::string text = "\xFF\xFE手机\xE6\x89" "13812345678\xC0\xAF\xE4\xB8";
  std::vector<Finding> f = ScanOk(text);
  ASSERT_EQ(f.size(), 1u) << Describe(text, f);
  EXPECT_EQ(text.substr(f[0].begin, f[0].end - f[0].begin), "13812345678");
  // Truncated sequences at the very end, lone lead bytes, NULs.
  std::string nasty("\xEF\xBC", 2);
  EXPECT_THAT(ScanOk(nasty), IsEmpty());
  std::string nul("138\0" "12345678", 12);
  for (const Finding& x : ScanOk(nul)) EXPECT_LE(x.end, nul.size());
}

TEST(Detector, FindingsSortedAndDisjoint) {
  std::string text =
      "客户王先生 手机13812345678 身份证11010519491231002X，卡号6222025260181590832，"
      "邮箱a@example.com IP 192.0.2.1 MAC 3C:22:FB:12:34:56 IMEI 861234007114716 "
      "订单号20240215171800123 金额¥1234.50 版本v1.2.3 邮编100020";
  std::vector<Finding> f = ScanOk(text);
  EXPECT_GE(f.size(), 7u) << Describe(text, f);
  for (size_t i = 0; i < f.size(); ++i) {
    EXPECT_LT(f[i].begin, f[i].end);
    EXPECT_LE(f[i].end, text.size());
    EXPECT_GE(f[i].confidence, 0.5f);
    EXPECT_LE(f[i].confidence, 1.0f);
    if (i > 0) {
      EXPECT_LE(f[i - 1].end, f[i].begin);
    }
  }
}

TEST(Detector, LookAlikesAreNotFindings) {
  for (const char* text : {"订单号：20240215171800", "时间戳1708000000123", "交易单号2024021522001412345678901",
                           "金额：¥12,345.67元", "版本号 10.2.3.4", "邮编 100020", "快递单号SF1234567890123",
                           "发票号码12345678", "验证码 123456", "2024-02-15 17:18:00", "共计12345678件"}) {
    std::vector<Finding> f = ScanOk(text);
    EXPECT_THAT(f, IsEmpty()) << text << " -> " << Describe(text, f);
  }
}

TEST(Detector, TypeFilterAndThreshold) {
  absl::StatusOr<Detector> only_id = Detector::Create({.types = {EntityType::kCnResidentId}});
  ASSERT_TRUE(only_id.ok()) << only_id.status();
  std::vector<Finding> f = ScanOk(*only_id, "手机13812345678 身份证11010519491231002X");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, EntityType::kCnResidentId);

  absl::StatusOr<Detector> strict = Detector::Create({.min_confidence = 0.9f});
  ASSERT_TRUE(strict.ok());
  EXPECT_THAT(ScanOk(*strict, "13812345678"), IsEmpty());          // 0.7 without context
  EXPECT_EQ(ScanOk(*strict, "手机13812345678").size(), 1u);         // 0.95 with it
  absl::StatusOr<Detector> bad = Detector::Create({.min_confidence = 2.0f});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Detector, RejectsOversizedInputWithoutQuotingIt) {
  absl::StatusOr<Detector> d = Detector::Create({.max_input_bytes = 8});
  ASSERT_TRUE(d.ok());
  absl::StatusOr<std::vector<Finding>> found = d->Scan("13812345678");
  EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(found.status().message()).find("1381"), std::string::npos);
}

TEST(Detector, HugeRunsAreNotSplitIntoFindings) {
  // Segments are cut after a few thousand characters; the cut must not
  // create a boundary inside a digit run.
  for (size_t len : {2000u, 2047u, 2048u, 2049u, 4095u, 4096u, 4097u, 9000u}) {
    std::string run(len, '7');
    run += "13812345678";
    run += std::string(len, '7');
    EXPECT_THAT(ScanOk(run), IsEmpty()) << len;
    std::string spaced;
    for (size_t i = 0; i < len; ++i) spaced += "a ";
    spaced += "x13812345678";
    EXPECT_THAT(ScanOk(spaced), IsEmpty()) << len;
  }
  // The hard cut lands exactly before a valid-looking number.
  for (size_t len : {4095u, 4096u, 4097u}) {
    std::string text = std::string(len, '7') + "13812345678。" + std::string(len, 'a') + "13912345678a";
    EXPECT_THAT(ScanOk(text), IsEmpty()) << len;
  }
}

TEST(Detector, EmptyAndTinyInputs) {
  EXPECT_THAT(ScanOk(""), IsEmpty());
  EXPECT_THAT(ScanOk("1"), IsEmpty());
  EXPECT_THAT(ScanOk("："), IsEmpty());
  EXPECT_THAT(ScanOk("@"), IsEmpty());
  EXPECT_THAT(ScanOk("::"), IsEmpty());
}

}  // namespace
// Keywords on an earlier line (the previous turn of a chat without
// timestamps) can vouch for a value but not sink it.
TEST(Context, EarlierLineVouchesButDoesNotSink) {
  ExpectNoType("订单号：11010519491231002X", EntityType::kCnResidentId);
  ExpectFinding("客服：您的订单号是多少？\n客户：11010519491231002X", EntityType::kCnResidentId, "11010519491231002X",
                "11010519491231002X");
  ExpectFinding("客服：请问您的QQ号？\n客户：12345678", EntityType::kQq, "12345678", "12345678");
  ExpectNoType("客服：请问您的QQ号？\n客户：验证码12345678", EntityType::kQq);  // a negative on its own line
  // "qq" inside "@qq.com" vouches for nothing.
  ExpectNoType("客户：邮箱是 123@qq.com\n坐席：我的工号是 984017", EntityType::kQq);
}

// ScanCovering: where candidates overlap (an IMEI over the tail of an IPv6
// address), the winner's finding spans both; elsewhere it is Scan.
TEST(ScanCovering, WinnerSpansTheOverlappingCandidates) {
  const std::string text = "客户:18: ::4:0:5:1:1902-441111 30021，电话13812345678";
  absl::StatusOr<std::vector<Finding>> plain = test::BuiltinDetector().Scan(text);
  absl::StatusOr<std::vector<Finding>> covering = test::BuiltinDetector().ScanCovering(text);
  ASSERT_TRUE(plain.ok() && covering.ok());
  ASSERT_EQ(plain->size(), 2u);
  ASSERT_EQ(covering->size(), 2u);
  const Finding& imei = (*plain)[0];
  EXPECT_EQ(imei.type, EntityType::kImei);
  EXPECT_EQ(text.substr(imei.begin, imei.end - imei.begin), "1902-441111 30021");
  const Finding& cover = (*covering)[0];
  EXPECT_EQ(cover.type, EntityType::kImei);
  EXPECT_EQ(text.substr(cover.begin, cover.end - cover.begin), "::4:0:5:1:1902-441111 30021");
  EXPECT_TRUE(cover.normalized.empty());
  // A lone candidate is reported as by Scan.
  EXPECT_EQ((*covering)[1].begin, (*plain)[1].begin);
  EXPECT_EQ((*covering)[1].end, (*plain)[1].end);
  EXPECT_EQ((*covering)[1].normalized, "13812345678");
}

}  // namespace piivault
