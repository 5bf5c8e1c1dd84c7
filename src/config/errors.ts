// Configuration diagnostics: every message carries the file and line it came from.

export interface Location {
  readonly file: string;
  readonly line: number;
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: string;
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
