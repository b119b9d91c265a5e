// Shared pieces of the piivault command-line tool.
//
// Each subcommand lives in its own <name>_command.cc and exposes a Register
// function that adds it to the CLI11 app and returns the callback to run when
// it was chosen. Exit codes are the contract of every subcommand:
//   0  it ran (whether or not anything was found)
//   1  an I/O or input error (one line on stderr)
//   2  a usage error
#ifndef PIIVAULT_CLI_CLI_H_
#define PIIVAULT_CLI_CLI_H_

#include <functional>
#include <string_view>

#include "absl/status/status.h"

namespace CLI {
class App;
}

namespace piivault::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// What a subcommand runs once its flags are parsed; returns the exit code.
using CommandRunner = std::function<int()>;

// Prints "piivault: <message>" to stderr (one line) and returns the exit code
// that fits the status (kExitUsage for kInvalidArgument raised by flag checks
// is the caller's choice; this returns kExitError).
int ReportError(const absl::Status& status);

// Registration functions, one per subcommand file. Each adds its subcommand
// (and sub-subcommands) to `app` and sets `*runner` when it is selected.
void RegisterScanCommand(CLI::App& app, CommandRunner* runner);
void RegisterRedactCommand(CLI::App& app, CommandRunner* runner);
void RegisterRestoreCommand(CLI::App& app, CommandRunner* runner);
void RegisterVaultCommand(CLI::App& app, CommandRunner* runner);
void RegisterImageCommand(CLI::App& app, CommandRunner* runner);

}  // namespace piivault::cli

#endif  // PIIVAULT_CLI_CLI_H_
