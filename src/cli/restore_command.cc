// PLACEHOLDER: `piivault restore` is not implemented yet.
#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace piivault::cli {

void RegisterRestoreCommand(CLI::App& app, CommandRunner* runner) {
  CLI::App* cmd = app.add_subcommand("restore", "(not implemented yet)");
  cmd->callback([runner] {
    *runner = [] {
      return ReportError(absl::UnimplementedError("restore is not implemented yet"));
    };
  });
}

}  // namespace piivault::cli
