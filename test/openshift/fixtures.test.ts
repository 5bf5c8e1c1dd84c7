// The OpenShift fixtures are the image generator's output, never hand edits: the script reruns the
// generator (a verbatim copy, test/fixtures/openshift/generator) and compares.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = new URL("../../scripts/openshift-fixtures.sh", import.meta.url).pathname;
const FIXTURES = new URL("../fixtures/openshift/", import.meta.url).pathname;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const run = (dir: string, ...args: string[]) =>
  spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, OPENSHIFT_FIXTURES: dir } });

describe("OpenShift fixtures", () => {
  it("are exactly what the image's generator makes from each <case>.env", () => {
    const r = run(FIXTURES, "--check");
    expect(r.stdout + r.stderr).toContain("match the image's generator");
    expect(r.status).toBe(0);
  });

  it("a hand edit is caught, and regenerating restores the generator's output", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-ocfix-"));
    dirs.push(dir);
    // One case is enough here (the generator takes ~0.1 s per file).
    cpSync(FIXTURES, dir, { recursive: true, filter: (src) => !/\/[^/]+\.(env|conf)$/.test(src) || /\/basic\.[^/]+$/.test(src) });
    const file = join(dir, "basic.192.0.2.11.keepalived.conf");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace(/^(\s+)priority \d+$/m, "$1priority 42"));
    const check = run(dir, "--check");
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/^-\s+priority 42$/m);
    expect(run(dir).status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(original);
  });
});
