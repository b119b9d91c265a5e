// PLACEHOLDER: `piivault vault` is not implemented yet.
#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace piivault::cli {

void RegisterVaultCommand(CLI::App& app, CommandRunner* runner) {
  CLI::App* cmd = app.add_subcommand("vault", "(not implemented yet)");
  cmd->callback([runner] {
    *runner = [] {
      return ReportError(absl::UnimplementedError("vault is not implemented yet"));
    };
  });
}

}  // namespace piivault::cli
