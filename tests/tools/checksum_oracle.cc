// Command-line oracle for scripts/stdnum_differential.py: reads lines
// "<kind> <value>" on stdin and prints one result per line on stdout, so the
// C++ checksum arithmetic (src/detect/checksum.h) can be compared against an
// independent implementation (python3-stdnum) over many random candidates.
//
// Kinds and results:
//   ric_check  <17 chars>  -> ResidentIdCheckChar   ('-' when it returns '\0')
//   ric_valid  <value>     -> ResidentIdChecksumValid (1 / 0)
//   uscc_check <17 chars>  -> UsccCheckChar         ('-' for '\0')
//   uscc_valid <value>     -> UsccChecksumValid
//   org_check  <8 chars>   -> OrgCodeCheckChar      ('-' for '\0')
//   org_valid  <value>     -> OrgCodeChecksumValid
//   mod1110    <value>     -> Iso7064Mod11_10Valid
//   luhn       <value>     -> LuhnValid
//   imei       <value>     -> ImeiValid
//   meid_check <14 chars>  -> MeidHexCheckChar      ('-' for '\0')
//   meid_valid <value>     -> MeidHexValid
// An unknown kind or a line without a space prints "?" and makes the exit
// status 1. Values are test data, never personal data.
#include <iostream>
#include <string>
#include <string_view>

#include "detect/checksum.h"

namespace {

char CheckOrDash(char c) { return c == '\0' ? '-' : c; }

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  std::string out;
  int status = 0;
  while (std::getline(std::cin, line)) {
    const size_t space = line.find(' ');
    if (space == std::string::npos) {
      out += "?\n";
      status = 1;
      continue;
    }
    const std::string_view kind = std::string_view(line).substr(0, space);
    const std::string_view value = std::string_view(line).substr(space + 1);
    using namespace piivault::internal;
    char result = '?';
    if (kind == "ric_check") {
      result = CheckOrDash(ResidentIdCheckChar(value));
    } else if (kind == "ric_valid") {
      result = ResidentIdChecksumValid(value) ? '1' : '0';
    } else if (kind == "uscc_check") {
      result = CheckOrDash(UsccCheckChar(value));
    } else if (kind == "uscc_valid") {
      result = UsccChecksumValid(value) ? '1' : '0';
    } else if (kind == "org_check") {
      result = CheckOrDash(OrgCodeCheckChar(value));
    } else if (kind == "org_valid") {
      result = OrgCodeChecksumValid(value) ? '1' : '0';
    } else if (kind == "mod1110") {
      result = Iso7064Mod11_10Valid(value) ? '1' : '0';
    } else if (kind == "luhn") {
      result = LuhnValid(value) ? '1' : '0';
    } else if (kind == "imei") {
      result = ImeiValid(value) ? '1' : '0';
    } else if (kind == "meid_check") {
      result = CheckOrDash(MeidHexCheckChar(value));
    } else if (kind == "meid_valid") {
      result = MeidHexValid(value) ? '1' : '0';
    } else {
      status = 1;
    }
    out += result;
    out += '\n';
  }
  std::cout << out;
  std::cout.flush();
  return std::cout ? status : 1;
}
