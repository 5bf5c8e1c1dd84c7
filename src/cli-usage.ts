// What every subcommand does with its arguments before anything else: `--help` (or `-h`) prints
// its usage and nothing else happens, wherever it stands; a wrong argument is one line naming it
// and where the usage is, never the whole usage text.

/** True when a subcommand is asked for its usage: it prints that and acts on nothing. */
export function asksHelp(args: readonly string[]): boolean {
  return args.some((a) => a === "--help" || a === "-h");
}

/** A wrong argument to a subcommand, phrased as keepalived's parse_cmdline does ("Unknown option --x"). */
export class CommandUsageError extends Error {
  readonly code = "USAGE";
}

/** The one line printed for a usage error: "tsvrrpd status: Unknown option --x (tsvrrpd status --help)". */
export function usageLine(command: string, message: string): string {
  return `tsvrrpd ${command}: ${message} (see tsvrrpd ${command} --help)\n`;
}
