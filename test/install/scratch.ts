// What every install test starts from: the repository it packs, the version it expects to see
// installed, a scratch directory removed after the file, and cleanups run after each test (also
// when it fails), last registered first.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";

export const REPO = new URL("../..", import.meta.url).pathname;
export const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

export type Cleanup = () => Promise<void> | void;

/** A scratch directory `tsvrrpd-PREFIX-*` and the per-test cleanup list. Call once at a test file's top level. */
export function scratch(prefix: string): { work: string; cleanups: Cleanup[] } {
  const work = mkdtempSync(join(tmpdir(), `tsvrrpd-${prefix}-`));
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  return { work, cleanups };
}
