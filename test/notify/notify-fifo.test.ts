// NotifyFifos on real FIFOs in a temp dir: never blocks when nobody reads (lines are dropped and
// counted, whole lines only), keeps order, refuses planted files and symlinks, and runs the
// FIFO's script with the path as its last argument.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  openSync,
  readSync,
  closeSync,
  constants,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { GlobalSpec } from "../../src/config/model.js";
import { fifoLine, NotifyFifos } from "../../src/notify/notify-fifo.js";
import { waitFor } from "../../lab/netns.js";
import { lookupUser } from "../../src/health/users.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-fifo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const where = { file: "k.conf", line: 3 };
const global = (path: string, script?: string): GlobalSpec => ({
  enableScriptSecurity: false,
  notifyFifos: [{ keyword: "vrrp_notify_fifo", path, where, ...(script ? { script: { command: script, where } } : {}) }],
});

describe("notify FIFOs", () => {
  it("never block: with nobody reading, a full pipe drops whole lines and counts them; order is kept", () => {
    const path = join(dir, "full.fifo");
    const f = new NotifyFifos(pino({ level: "silent" }));
    f.open(global(path));
    expect(lstatSync(path).isFIFO()).toBe(true);
    // keepalived 2.2.7 lib/notify.c: mkfifo(0644) under its umask 0177, measured prw-------: no
    // other user may open it and take lines meant for the FIFO's script.
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    const t0 = performance.now();
    for (let n = 0; n < 20_000; n++) f.write(fifoLine("INSTANCE", `VI_${n}`, "MASTER", 100));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(f.dropped).toBeGreaterThan(0);
    expect(f.written + f.dropped).toBe(20_000);
    // A reader now gets every line that fit, whole and in order.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(1 << 20);
    const n = readSync(fd, buf);
    closeSync(fd);
    const lines = buf.subarray(0, n).toString().split("\n").filter(Boolean);
    expect(lines).toHaveLength(f.written);
    lines.forEach((l, i) => expect(l).toBe(`INSTANCE "VI_${i}" MASTER 100`));
    f.close();
    expect(existsSync(path), "a FIFO the daemon created is removed at close").toBe(false);
  });

  it("refuses a planted regular file or symlink instead of writing into it", () => {
    const file = join(dir, "planted");
    writeFileSync(file, "precious\n");
    const link = join(dir, "link.fifo");
    symlinkSync(file, link);
    for (const path of [file, link]) {
      const f = new NotifyFifos(pino({ level: "silent" }));
      f.open(global(path));
      f.write(fifoLine("GROUP", "G", "FAULT", 0));
      f.close();
    }
    expect(readFileSync(file, "utf8")).toBe("precious\n");
  });

  it("refuses an existing FIFO another user owns or every user can write, and uses one of its own", () => {
    const nobody = lookupUser("nobody")!;
    const plant = (name: string, mode: number, uid: number, gid: number): string => {
      const path = join(dir, name);
      expect(spawnSync("mkfifo", ["--", path]).status).toBe(0);
      chownSync(path, uid, gid);
      chmodSync(path, mode);
      return path;
    };
    const read = (path: string): string => {
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const buf = Buffer.alloc(4096);
      let n = 0;
      try {
        n = readSync(fd, buf);
      } catch {
        /* EAGAIN: nothing written */
      }
      closeSync(fd);
      return buf.subarray(0, n).toString();
    };
    const cases: { path: string; accepted: boolean; user?: string }[] = [
      { path: plant("nobodys.fifo", 0o666, nobody.uid, nobody.gid), accepted: false },
      { path: plant("nobodys-0600.fifo", 0o600, nobody.uid, nobody.gid), accepted: false },
      { path: plant("open-to-all.fifo", 0o666, 0, 0), accepted: false },
      { path: plant("mine.fifo", 0o644, 0, 0), accepted: true },
      // keepalived fifo_open also takes a FIFO owned by the FIFO's own user (notify_fifo PATH USER).
      { path: plant("the-fifo-users.fifo", 0o600, nobody.uid, nobody.gid), accepted: true, user: "nobody" },
      // Ours, but another group may write into it: lines injected into the FIFO's script.
      { path: plant("group-writable.fifo", 0o620, 0, nobody.gid), accepted: false },
      { path: plant("our-group-writable.fifo", 0o660, 0, 0), accepted: true },
    ];
    for (const c of cases) {
      const reader = openSync(c.path, constants.O_RDONLY | constants.O_NONBLOCK); // keeps the pipe open
      const f = new NotifyFifos(pino({ level: "silent" }));
      const g = global(c.path);
      f.open(c.user ? { ...g, notifyFifos: [{ ...g.notifyFifos![0]!, user: c.user }] } : g);
      f.write(fifoLine("INSTANCE", "VI_1", "MASTER", 100));
      f.close();
      const got = read(c.path);
      closeSync(reader);
      expect(got, c.path).toBe(c.accepted ? 'INSTANCE "VI_1" MASTER 100\n' : "");
      expect(lstatSync(c.path).isFIFO(), "an existing FIFO is left in place").toBe(true);
    }
  });

  it("runs the FIFO's script with the FIFO as its last argument, until the daemon closes it", async () => {
    const path = join(dir, "script.fifo");
    const out = join(dir, "script.out");
    const script = join(dir, "reader.sh");
    writeFileSync(script, `#!/bin/sh\nexec cat "$1" > ${out}\n`);
    chmodSync(script, 0o755);
    const f = new NotifyFifos(pino({ level: "silent" }));
    f.open(global(path, script));
    f.write(fifoLine("INSTANCE", "VI_1", "BACKUP", 100));
    f.write(fifoLine("INSTANCE", "VI_1", "MASTER", 100));
    await waitFor("the script's copy", () => existsSync(out) && readFileSync(out, "utf8").split("\n").length === 3, 5000);
    expect(readFileSync(out, "utf8")).toBe('INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\n');
    f.close();
  });
});
