// piivault: find, redact and vault personal data in Chinese text and image metadata.
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace piivault::cli {

int ReportError(const absl::Status& status) {
  std::fprintf(stderr, "piivault: %s\n", std::string(status.message()).c_str());
  return kExitError;
}

}  // namespace piivault::cli

int main(int argc, char** argv) {
  using namespace piivault::cli;
  CLI::App app{"piivault: find, redact and vault personal data in Chinese text and image metadata"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "piivault 0.1.0");
  CommandRunner runner;
  RegisterScanCommand(app, &runner);
  RegisterRedactCommand(app, &runner);
  RegisterRestoreCommand(app, &runner);
  RegisterVaultCommand(app, &runner);
  RegisterImageCommand(app, &runner);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "piivault: %s\n", e.what());
    return kExitUsage;
  }
  if (!runner) {
    std::fprintf(stderr, "piivault: no subcommand chosen (see --help)\n");
    return kExitUsage;
  }
  return runner();
}
