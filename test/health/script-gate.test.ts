// The one gate for check and notify scripts, and the notify queue's bounds, with real files.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pino from "pino";
import { prepareScript, scriptEnv } from "../../src/health/script-gate.js";
import { MAX_QUEUED, NotifyRunner } from "../../src/notify/notify.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-gate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policy = { enableScriptSecurity: false };

function script(name: string, body: string, mode = 0o755): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, mode);
  return p;
}

describe("script gate", () => {
  it("says whether a missing script is simply absent or a link to nothing", () => {
    expect(prepareScript(join(dir, "absent.sh"), {}, policy)).toEqual({
      ok: false,
      code: "SCRIPT_NOT_FOUND",
      message: `script ${join(dir, "absent.sh")} not found`,
    });
    const dangling = join(dir, "dangling.sh");
    symlinkSync(join(dir, "nothing-there.sh"), dangling);
    expect(prepareScript(dangling, {}, policy)).toEqual({
      ok: false,
      code: "SCRIPT_NOT_FOUND",
      message: `script ${dangling} is a dangling link`,
    });
  });

  it("executes the real file behind a link, and checks the link's directory and the target's", () => {
    const real = script("real.sh", "exit 0");
    const link = join(dir, "link.sh");
    symlinkSync(real, link);
    expect(prepareScript(`${link} a "b c"`, {}, policy)).toMatchObject({ ok: true, argv: [real, "a", "b c"] });

    const open = join(dir, "open");
    mkdirSync(open);
    chmodSync(open, 0o777); // anyone may replace what is in here
    const planted = join(open, "t.sh");
    writeFileSync(planted, "#!/bin/sh\nexit 0\n");
    chmodSync(planted, 0o755);
    const safeLink = join(dir, "to-open.sh");
    symlinkSync(planted, safeLink);
    const r = prepareScript(safeLink, {}, policy);
    expect(r).toMatchObject({ ok: false, code: "SCRIPT_UNSAFE" });
    expect(!r.ok && r.message).toContain(open);
  });

  it("refuses a world-writable script, an unknown user and a missing program, naming each", () => {
    const ww = script("ww.sh", "exit 0", 0o777);
    expect(prepareScript(ww, {}, policy)).toMatchObject({ ok: false, code: "SCRIPT_UNSAFE", message: expect.stringContaining(ww) });
    expect(prepareScript(script("ok.sh", "exit 0"), { user: "no-such-user-xyz" }, policy)).toMatchObject({
      ok: false,
      code: "NO_SUCH_USER",
      message: expect.stringContaining("no-such-user-xyz"),
    });
    expect(prepareScript("no-such-program-xyz", {}, policy)).toMatchObject({ ok: false, code: "SCRIPT_NOT_FOUND" });
  });

  it("resolves a bare name on PATH once, at load, to an absolute path", () => {
    const r = prepareScript("true", {}, policy);
    expect(r.ok && r.argv[0]).toMatch(/^\/.*\/true$/);
  });

  it("gives scripts the daemon's environment without loader, field-splitting or Node overrides", () => {
    const env = scriptEnv({ HOME: "/root", LD_PRELOAD: "/evil.so", LD_LIBRARY_PATH: "/x", IFS: "/", NODE_OPTIONS: "--require /evil.js" });
    expect(env).toEqual({ HOME: "/root", PATH: expect.stringContaining("/usr/bin") });
  });
});

describe("notify queue", () => {
  it("coalesces a flood of state changes: bounded, in order, and the last state is delivered", async () => {
    const out = join(dir, "states.log");
    const s = script("record.sh", `echo "$1" >> ${out}; sleep 0.05`);
    const runner = new NotifyRunner(pino({ level: "silent" }), policy);
    const notify = { command: s, where: { file: "k.conf", line: 1 } };
    for (let i = 0; i < 100; i++) runner.enqueue({ key: "VI_1", script: notify, extraArgs: [String(i)], fields: {} });
    await runner.idle();
    const seen = readFileSync(out, "utf8").trim().split("\n").map(Number);
    expect(seen.length).toBeLessThanOrEqual(MAX_QUEUED + 1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(99);
    expect(runner.coalesced).toBe(100 - seen.length);
  });
});
