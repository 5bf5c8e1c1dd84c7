// -g FILE against a local attacker (keepalived fopen_safe): a file another user planted at the
// path, a FIFO, a symlink or a hard link to another file is not written; the daemon's own file is
// appended to and never left writable by others. Real files owned by nobody, in a temp dir.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  linkSync,
  openSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/operator/log.js";
import { openForAppend, SafeOpenError } from "../../src/operator/safe-open.js";
import { lookupUser } from "../../src/health/users.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-safe-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(path: string): string {
  try {
    openForAppend(path);
    return "opened";
  } catch (e) {
    return e instanceof SafeOpenError ? e.code : String((e as NodeJS.ErrnoException).code);
  }
}

async function logOneLine(file: string): Promise<void> {
  const log = createLogger({ detail: false, file });
  log.info("(VI_1) Entering MASTER STATE");
  await new Promise((r) => setTimeout(r, 50));
}

describe("-g FILE (fopen_safe)", () => {
  it("refuses a file another user planted, a FIFO, a symlink and a hard link; writes nothing into them", async () => {
    const nobody = lookupUser("nobody")!;
    const planted = join(dir, "planted_vrrp.log");
    writeFileSync(planted, "attacker\n");
    chownSync(planted, nobody.uid, nobody.gid);
    chmodSync(planted, 0o666);
    const fifo = join(dir, "fifo_vrrp.log");
    expect(spawnSync("mkfifo", ["-m", "666", "--", fifo]).status).toBe(0);
    const precious = join(dir, "precious");
    writeFileSync(precious, "precious\n");
    const link = join(dir, "link_vrrp.log");
    symlinkSync(precious, link);
    const hard = join(dir, "hard_vrrp.log");
    linkSync(precious, hard);

    expect(codeOf(planted)).toBe("FOREIGN_OWNER");
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK); // else the open fails with ENXIO
    expect(codeOf(fifo)).toBe("NOT_A_FILE");
    closeSync(reader);
    expect(codeOf(link)).toBe("ELOOP");
    expect(codeOf(hard)).toBe("HARD_LINKED");
    // Through the logger as -g uses it (keepalived's name: FILE -> FILE_vrrp).
    for (const f of ["planted.log", "link.log", "hard.log"]) await logOneLine(join(dir, f));
    expect(readFileSync(planted, "utf8")).toBe("attacker\n");
    expect(statSync(planted).mode & 0o777, "a refused file is not touched").toBe(0o666);
    expect(readFileSync(precious, "utf8")).toBe("precious\n");
  });

  // keepalived lib/utils.c fopen_safe: fchmod to 0666 & ~umask_val, "default rw-------" (its
  // umask_val is 0177 unless -u says otherwise).
  it("creates its own file 0600, appends to it, and takes group and other access off an existing one", async () => {
    const mine = join(dir, "mine_vrrp.log");
    await logOneLine(join(dir, "mine.log"));
    expect(statSync(mine).mode & 0o777).toBe(0o600);
    writeFileSync(mine, "earlier\n", { flag: "a" });
    chmodSync(mine, 0o666);
    await logOneLine(join(dir, "mine.log"));
    const lines = readFileSync(mine, "utf8").trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe("earlier");
    expect(lines[2]).toContain("(VI_1) Entering MASTER STATE");
    expect(statSync(mine).mode & 0o777).toBe(0o600);
  });
});
