// PLACEHOLDER: `piivault scan` is not implemented yet.
#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace piivault::cli {

void RegisterScanCommand(CLI::App& app, CommandRunner* runner) {
  CLI::App* cmd = app.add_subcommand("scan", "(not implemented yet)");
  cmd->callback([runner] {
    *runner = [] {
      return ReportError(absl::UnimplementedError("scan is not implemented yet"));
    };
  });
}

}  // namespace piivault::cli
