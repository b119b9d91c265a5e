// PLACEHOLDER: `piivault redact` is not implemented yet.
#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace piivault::cli {

void RegisterRedactCommand(CLI::App& app, CommandRunner* runner) {
  CLI::App* cmd = app.add_subcommand("redact", "(not implemented yet)");
  cmd->callback([runner] {
    *runner = [] {
      return ReportError(absl::UnimplementedError("redact is not implemented yet"));
    };
  });
}

}  // namespace piivault::cli
