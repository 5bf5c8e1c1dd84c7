// The control socket a daemon derives when --control does not name one (src/operator/control-path.ts),
// and how `tsvrrpd status` finds it: daemons keepalived would run side by side never share one.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli-args.js";
import {
  CONTROL_DIR,
  controlSocketsIn,
  ensureControlDir,
  DEFAULT_PID_FILE,
  defaultControlSocket,
  netnsId,
} from "../../src/operator/control-path.js";
import { parseStatusArgs } from "../../src/status.js";

describe("derived control socket", () => {
  it("differs by pid file and by network namespace, is stable, and fits sockaddr_un", () => {
    const a = defaultControlSocket("/run/a.pid", "4026531840");
    expect(defaultControlSocket("/run/a.pid", "4026531840")).toBe(a);
    expect(defaultControlSocket("/run/b.pid", "4026531840")).not.toBe(a);
    expect(defaultControlSocket("/run/a.pid", "4026532001")).not.toBe(a);
    // same base name in two directories: still two sockets
    expect(defaultControlSocket("/srv/x/a.pid", "4026531840")).not.toBe(defaultControlSocket("/srv/y/a.pid", "4026531840"));
    expect(a.startsWith(`${CONTROL_DIR}/a.pid.`) && a.endsWith(".net4026531840.sock")).toBe(true);
    const long = defaultControlSocket(`/tmp/${"x".repeat(200)}/${"y/".repeat(40)}${"z".repeat(120)}.pid`, "4026531840");
    expect(Buffer.byteLength(long)).toBeLessThan(108);
    expect(long.slice(CONTROL_DIR.length + 1)).not.toContain("/"); // a name in CONTROL_DIR, no path below it
  });

  it("a relative pid file is the same daemon as its absolute path", () => {
    expect(defaultControlSocket("k.pid", "1")).toBe(defaultControlSocket(join(process.cwd(), "k.pid"), "1"));
  });

  it("the daemon's default comes from -p and this namespace; --control overrides", () => {
    expect(netnsId()).toMatch(/^\d+$/);
    expect(parseArgs([]).control).toBe(defaultControlSocket(DEFAULT_PID_FILE, netnsId()));
    expect(parseArgs(["-p", "/run/a.pid"]).control).toBe(defaultControlSocket("/run/a.pid", netnsId()));
    expect(parseArgs(["--control", "/x/c.sock", "-p", "/run/a.pid"]).control).toBe("/x/c.sock");
  });

  it("status derives the same socket from -p, takes --control (and --socket), and discovers without either", () => {
    expect(parseStatusArgs(["-p", "/run/a.pid"])).toEqual({ json: false, control: defaultControlSocket("/run/a.pid"), discover: false });
    expect(parseStatusArgs(["--pid=/run/a.pid", "--json"])).toEqual({
      json: true,
      control: defaultControlSocket("/run/a.pid"),
      discover: false,
    });
    expect(parseStatusArgs(["--control", "/x.sock"])).toEqual({ json: false, control: "/x.sock", discover: false });
    expect(parseStatusArgs(["--socket=/x.sock"])).toEqual({ json: false, control: "/x.sock", discover: false });
    expect(parseStatusArgs([])).toEqual({ json: false, control: defaultControlSocket(DEFAULT_PID_FILE), discover: true });
  });

  it("lists the sockets of one namespace only", () => {
    const dir = mkdtempSync(join(tmpdir(), "ctl-"));
    try {
      const mine = [defaultControlSocket("/a.pid", "7"), defaultControlSocket("/b.pid", "7")].map((p) => p.replace(CONTROL_DIR, dir));
      const other = defaultControlSocket("/a.pid", "8").replace(CONTROL_DIR, dir);
      for (const p of [...mine, other]) writeFileSync(p, "");
      expect(controlSocketsIn("7", dir)).toEqual([...mine].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the socket directory is made 0700, and one a local user planted (not ours, or a link) is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "ctl-"));
    try {
      ensureControlDir(join(dir, "new"));
      expect(statSync(join(dir, "new")).mode & 0o777).toBe(0o700);
      mkdirSync(join(dir, "open"), { mode: 0o755 });
      chmodSync(join(dir, "open"), 0o777);
      ensureControlDir(join(dir, "open"));
      expect(statSync(join(dir, "open")).mode & 0o777).toBe(0o700);
      mkdirSync(join(dir, "planted"), { mode: 0o700 });
      chownSync(join(dir, "planted"), 65534, 65534);
      expect(() => ensureControlDir(join(dir, "planted"))).toThrow(/owned by uid 65534/);
      symlinkSync(join(dir, "new"), join(dir, "link"));
      expect(() => ensureControlDir(join(dir, "link"))).toThrow(/not a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
