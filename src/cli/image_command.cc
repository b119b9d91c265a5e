// PLACEHOLDER: `piivault image` is not implemented yet.
#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace piivault::cli {

void RegisterImageCommand(CLI::App& app, CommandRunner* runner) {
  CLI::App* cmd = app.add_subcommand("image", "(not implemented yet)");
  cmd->callback([runner] {
    *runner = [] {
      return ReportError(absl::UnimplementedError("image is not implemented yet"));
    };
  });
}

}  // namespace piivault::cli
