// Files the root daemon appends to at a path an operator chose (-g FILE), where another user may
// have planted something first (keepalived lib/utils.c fopen_safe, mode "a"): no symlink is
// followed (O_NOFOLLOW), the open never blocks (O_NONBLOCK: a planted FIFO), and the file is
// made root-only (fopen_safe's fchmod to 0666 & ~umask_val: "default rw-------"). Stricter than fopen_safe: instead of
// writing into a file someone else owns (or taking it over while they may hold it open), or into a
// hard link to another file, it refuses with a reason.
import { closeSync, constants, fchmodSync, fstatSync, openSync } from "node:fs";

export type SafeOpenCode = "NOT_A_FILE" | "FOREIGN_OWNER" | "HARD_LINKED";

export class SafeOpenError extends Error {
  constructor(
    readonly code: SafeOpenCode,
    message: string,
  ) {
    super(message);
  }
}

/** Opens (creating 0600 if missing) `path` for appending, or throws (SafeOpenError or the open's own error). */
export function openForAppend(path: string): number {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    0o600,
  );
  try {
    const st = fstatSync(fd);
    const me = process.geteuid?.() ?? 0;
    if (!st.isFile()) throw new SafeOpenError("NOT_A_FILE", `${path} is not a regular file`);
    if (st.uid !== me)
      throw new SafeOpenError(
        "FOREIGN_OWNER",
        `${path} is owned by uid ${st.uid}, not by this daemon (uid ${me}); another user may have planted it`,
      );
    if (st.nlink > 1) throw new SafeOpenError("HARD_LINKED", `${path} has ${st.nlink} hard links; it may be a link to another file`);
    if ((st.mode & 0o077) !== 0) fchmodSync(fd, st.mode & 0o7700);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
