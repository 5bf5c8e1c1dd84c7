// Configuration diagnostics: every message carries the file and line it came from.

export interface Location {
  readonly file: string;
  readonly line: number;
}

export type Severity = "error" | "warning";

/** Every code a configuration diagnostic can carry (tests and tools match on them). */
export type DiagnosticCode =
  | "AH_MASTER"
  | "AUTH_NO_PASSWORD"
  | "AUTH_NO_TYPE"
  | "AUTH_PASS_TRUNCATED"
  | "AUTH_PASS_WORDS"
  | "BAD_ADDRESS"
  | "CONF_UNREADABLE"
  | "DEPRECATED"
  | "DUPLICATE_TRACK_FILE"
  | "INCLUDE_UNREADABLE"
  | "BAD_PREFIX"
  | "BAD_VALUE"
  | "FIREWALL"
  | "STRICT_MODE"
  | "DUPLICATE_INSTANCE"
  | "DUPLICATE_SCRIPT"
  | "DUPLICATE_VRID"
  | "EXTRA_ARGUMENTS"
  | "INCLUDE_DEPTH"
  | "INCLUDE_EMPTY"
  | "INCLUDE_NO_MATCH"
  | "MISSING_INTERFACE"
  | "MISSING_NAME"
  | "MISSING_SCRIPT"
  | "MISSING_VALUE"
  | "MISSING_VRID"
  | "NOPREEMPT_MASTER"
  | "NOPREEMPT_OWNER"
  | "NO_INSTANCES"
  | "NO_SUCH_INTERFACE"
  | "PREEMPT_DELAY_MASTER"
  | "PREEMPT_DELAY_NOPREEMPT"
  | "PARTIAL"
  | "REFUSED"
  | "RELATIVE_PATH"
  | "SCRIPT_DISABLED"
  | "SCRIPT_USER"
  | "SYNC_GROUP"
  | "SYNC_GROUP_WEIGHT"
  | "TOO_MANY_VIPS"
  | "TRACK_GROUP"
  | "TTL_RANGE_EMPTY"
  | "UNBALANCED_BRACE"
  | "UNFINISHED_DEFINITION"
  | "UNHANDLED"
  | "UNKNOWN_KEYWORD"
  | "UNKNOWN_MEMBER"
  | "UNKNOWN_SCRIPT"
  | "UNKNOWN_TRACK_FILE"
  | "UNKNOWN_VIP_OPTION"
  | "UNSUPPORTED"
  | "UNSUPPORTED_AUTH"
  | "UNTERMINATED_QUOTE"
  | "V2_INTERVAL"
  | "V2_IPV6"
  | "V3_AUTH"
  | "V3_INTERVAL"
  | "VIP_FAMILY";

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly where: Location;
  readonly message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.where.file}:${d.where.line}: ${d.severity}: ${d.message}`;
}

/** Thrown when a configuration cannot be used at all (unreadable file, errors present). */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(
      diagnostics
        .filter((d) => d.severity === "error")
        .map(formatDiagnostic)
        .join("\n") || "invalid configuration",
    );
    this.name = "ConfigError";
  }
}
