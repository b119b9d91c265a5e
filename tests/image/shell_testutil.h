// Running the independent tools (exiftool, ImageMagick) the image tests
// compare against.
#ifndef PIIVAULT_TESTS_IMAGE_SHELL_TESTUTIL_H_
#define PIIVAULT_TESTS_IMAGE_SHELL_TESTUTIL_H_

#include <stdio.h>

#include <cstdio>
#include <string>

namespace piivault::image_test {

// Standard output of `cmd` run by the shell ("" if it could not start).
inline std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

inline bool HaveTool(const std::string& name) { return !Shell("command -v " + name + " 2>/dev/null").empty(); }

}  // namespace piivault::image_test

#endif  // PIIVAULT_TESTS_IMAGE_SHELL_TESTUTIL_H_
