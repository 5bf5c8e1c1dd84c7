// Log fields for anything thrown: its code when it carries one (typed errors, Node's errno
// errors), and its message. One place instead of a cast at every catch.

export interface ErrorFields {
  readonly code?: string;
  readonly err: string;
}

export function errorFields(e: unknown): ErrorFields {
  const err = e instanceof Error ? e.message : String(e);
  const code = typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
  return code === undefined ? { err } : { code, err };
}

/** The code of a thrown value (e.g. "ENOENT", "EPERM"), if it has one. */
export function errorCode(e: unknown): string | undefined {
  return errorFields(e).code;
}
