// track_file without root or namespaces: keepalived's number parsing, the effect of a number on an
// instance, init_file's safety, and the directory watch (a real inotify watch on a temp dir).
import { execFileSync } from "node:child_process";
import { existsSync, linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pino from "pino";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import type { TrackFileSpec } from "../../src/config/model.js";
import { FileTracking, initTrackFile, parseTrackFileNumber, readTrackFile } from "../../src/health/track-files.js";
import { waitFor } from "../../lab/netns.js";
import { trackFileEffect } from "../../src/vrrp/priority.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-trackfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spec = (name: string, init?: TrackFileSpec["init"]): TrackFileSpec => ({
  name,
  where: { file: "t.conf", line: 1 },
  path: join(dir, name),
  weight: 1,
  weightReverse: false,
  ...(init ? { init } : {}),
});

describe("track_file numbers (keepalived strtol(buf, NULL, 0))", () => {
  it.each([
    ["42\n", 42],
    ["  -7 trailing", -7],
    ["0x1f", 31],
    ["010", 8],
    ["08", 0],
    ["", 0],
    ["maintenance", 0],
    ["+5", 5],
  ])("%j reads %d", (text, value) => {
    expect(parseTrackFileNumber(text)).toEqual({ ok: true, value });
  });
  it("a number out of int32 range is ignored, not wrapped", () => {
    expect(parseTrackFileNumber("99999999999").ok).toBe(false);
  });
});

describe("a number's effect (track_file.c update_track_file_status)", () => {
  it("weight 0: non-zero is a FAULT, reverse: zero is", () => {
    expect(trackFileEffect(1, 0, false)).toEqual({ fault: true, add: 0 });
    expect(trackFileEffect(0, 0, false)).toEqual({ fault: false, add: 0 });
    expect(trackFileEffect(0, 0, true)).toEqual({ fault: true, add: 0 });
    expect(trackFileEffect(-3, 0, true)).toEqual({ fault: false, add: 0 });
  });
  it("weighted: number times weight, clamped to -254..253, -254 is a FAULT", () => {
    expect(trackFileEffect(3, -20, false)).toEqual({ fault: false, add: -60 });
    expect(trackFileEffect(3, -20, true)).toEqual({ fault: false, add: 60 });
    expect(trackFileEffect(1000, 1, false)).toEqual({ fault: false, add: 253 });
    expect(trackFileEffect(-1000, 1, false)).toEqual({ fault: true, add: 0 });
  });
});

describe("reading and initialising safely", () => {
  it("a FIFO does not block and reads 0; a final symlink is not followed", () => {
    execFileSync("mkfifo", [join(dir, "fifo")]);
    expect(readTrackFile(join(dir, "fifo"))).toEqual({ ok: true, value: 0 });
    writeFileSync(join(dir, "target"), "9\n");
    symlinkSync(join(dir, "target"), join(dir, "link"));
    expect(() => readTrackFile(join(dir, "link"))).toThrow(/ELOOP/);
    expect(readTrackFile(join(dir, "missing"))).toEqual({ ok: true, value: 0 });
  });
  it("init_file writes a missing file, keeps an existing one unless overwrite (not on reload)", () => {
    expect(initTrackFile(spec("i1", { value: 5, overwrite: false }), false)).toBe("written");
    expect(readFileSync(join(dir, "i1"), "utf8")).toBe("5\n");
    writeFileSync(join(dir, "i1"), "7\n");
    expect(initTrackFile(spec("i1", { value: 5, overwrite: false }), false)).toBe("kept");
    expect(initTrackFile(spec("i1", { value: 5, overwrite: true }), true)).toBe("kept");
    expect(initTrackFile(spec("i1", { value: -2, overwrite: true }), false)).toBe("written");
    expect(readFileSync(join(dir, "i1"), "utf8")).toBe("-2\n");
  });
  it("init_file never writes through a planted symlink or into a file with another hard link", () => {
    writeFileSync(join(dir, "precious"), "secret\n");
    symlinkSync(join(dir, "precious"), join(dir, "i2"));
    expect(() => initTrackFile(spec("i2", { value: 0, overwrite: true }), false)).toThrow(/ELOOP/);
    linkSync(join(dir, "precious"), join(dir, "i3"));
    expect(() => initTrackFile(spec("i3", { value: 0, overwrite: true }), false)).toThrow(/one link/);
    expect(readFileSync(join(dir, "precious"), "utf8")).toBe("secret\n");
  });
});

describe("the watch", () => {
  it("reports writes, renames into place and deletion (as 0), once each settles", async () => {
    const seen: [string, number][] = [];
    const w = spec("w");
    writeFileSync(w.path, "2\n");
    const ft = new FileTracking([w, spec("unused")], new Set(["w"]), pino({ level: "silent" }), (n, v) => seen.push([n, v]));
    ft.start();
    try {
      expect(ft.entries()).toEqual([["w", 2]]);
      writeFileSync(w.path, "3\n");
      await waitFor("the write", () => seen.at(-1)?.[1] === 3, 2000);
      writeFileSync(join(dir, "w.tmp"), "4\n");
      renameSync(join(dir, "w.tmp"), w.path);
      await waitFor("the rename", () => seen.at(-1)?.[1] === 4, 2000);
      rmSync(w.path);
      await waitFor("the deletion", () => seen.at(-1)?.[1] === 0, 2000);
      // A truncate followed by a write (the shell's `echo 5 > file`) is one change, not a 0 then a 5.
      writeFileSync(w.path, "");
      writeFileSync(w.path, "5\n");
      await waitFor("the rewrite", () => seen.at(-1)?.[1] === 5, 2000);
      expect(seen.map((s) => s[1])).toEqual([3, 4, 0, 5]);
      expect(existsSync(join(dir, "unused"))).toBe(false);
    } finally {
      ft.stop();
    }
  });
});

describe("keepalived.conf", () => {
  const base = (extra: string, group = "") =>
    `track_file f {\n  file /run/f\n  weight 7 reverse\n}\nvrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n${extra}\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n${group}`;
  it("an entry takes the file's weight unless it has its own", () => {
    const { config, diagnostics } = parseKeepalivedConf(base("  track_file {\n    f\n  }"));
    expect(diagnostics).toEqual([]);
    expect(config.trackFiles[0]).toMatchObject({ name: "f", path: "/run/f", weight: 7, weightReverse: true });
    expect(config.instances[0]!.trackFiles.map((t) => t.name)).toEqual(["f"]);
  });
  it("an unknown track_file is warned about and ignored, with file:line", () => {
    const { config, diagnostics } = parseKeepalivedConf(base("  track_file {\n    nope\n  }"), "k.conf");
    expect(diagnostics.map((d) => [d.code, d.where.line])).toEqual([["UNKNOWN_TRACK_FILE", 9]]);
    expect(config.instances[0]!.trackFiles).toEqual([]);
  });
  it("in a sync group without tracking weight: default weight becomes 0, another weight drops the entry", () => {
    const group = "vrrp_sync_group G {\n  group {\n    V\n  }\n}\n";
    const text = `track_file d {\n  file /run/d\n}\n` + base("  track_file {\n    d\n    f\n  }", group);
    const { config, diagnostics } = parseKeepalivedConf(text);
    expect(config.instances[0]!.trackFiles).toMatchObject([{ name: "d", weight: 0 }]);
    expect(diagnostics.filter((d) => d.code === "SYNC_GROUP_WEIGHT")).toHaveLength(2);
  });
  it("a track_file without a file is an error naming it", () => {
    const { diagnostics } = parseKeepalivedConf("track_file x {\n  weight 2\n}\n", "k.conf");
    expect(diagnostics.map((d) => d.message)).toEqual(["no file set for track_file x; it is not tracked"]);
  });
});
