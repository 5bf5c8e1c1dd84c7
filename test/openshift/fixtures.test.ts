// The OpenShift fixtures are the image generator's output, never hand edits: the script reruns the
// generator (a verbatim copy, test/fixtures/openshift/generator) and compares.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * A hash of everything the check reads: the script, the fixtures directory (generator, <case>.env,
 * outputs) and the bash that runs it. The same inputs give the same verdict.
 */
function inputsHash(): string {
  const h = createHash("sha256");
  const add = (path: string) => h.update(path).update("\0").update(readFileSync(path)).update("\0");
  add(SCRIPT);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else add(p);
    }
  };
  walk(FIXTURES);
  h.update(spawnSync("bash", ["--version"], { encoding: "utf8", timeout: 10_000 }).stdout);
  return h.digest("hex");
}

// Inputs that already passed the check (the generator runs 3 times per case, seconds in all).
const CACHE = new URL("../../node_modules/.cache/tsvrrpd/openshift-fixtures-checked", import.meta.url).pathname;

describe("OpenShift fixtures", () => {
  it("are exactly what the image's generator makes from each <case>.env", () => {
    const hash = inputsHash();
    const passed = (() => {
      try {
        return readFileSync(CACHE, "utf8").trim();
      } catch {
        return "";
      }
    })();
    if (passed === hash) return; // checked before, and nothing it reads has changed since
    const r = run(FIXTURES, "--check");
    expect(r.stdout + r.stderr).toContain("match the image's generator");
    expect(r.status).toBe(0);
    mkdirSync(join(CACHE, ".."), { recursive: true });
    writeFileSync(CACHE, `${hash}\n`);
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
