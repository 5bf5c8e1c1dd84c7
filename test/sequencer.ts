// The order test files start in, within each group (unit and functional together): longest first.
// With a few workers a group ends when its last file does, so a long file that starts last runs
// alone at the end. Vitest orders
// by the durations in its cache (node_modules/.vite) and, with no cache (a fresh clone: CI), by
// file size; a small file of three VRRPv2 pairs then started last. test/durations.json has each
// file's seconds from a full run (node scripts/test-durations.cjs writes it); vitest's cached
// duration wins where there is one. Only the order changes, never what runs.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

function hints(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(new URL("durations.json", import.meta.url), "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files); // group order first: kept as vitest has it
    const seconds = hints();
    const root = this.ctx.config.root;
    const duration = (f: TestSpecification): number => {
      const file = relative(root, f.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${f.project.name}:${file}`)?.duration;
      return cached !== undefined ? cached / 1000 : (seconds[file] ?? Infinity); // unknown first, as vitest does
    };
    // Across the projects of one group (unit and functional share a pool): vitest puts one project
    // after the other, and the CPU-bound unit files then ran last, on their own, while the
    // namespace files' timers had left the CPU idle before (a full run: the unit files, 135 s of
    // work, from 268 s to 366 s).
    const key = (f: TestSpecification) => f.project.config.sequence.groupOrder;
    const out: TestSpecification[] = [];
    for (let i = 0; i < base.length;) {
      let j = i;
      while (j < base.length && key(base[j]!) === key(base[i]!)) j++;
      // stable: ties (and two unknown files) keep vitest's order
      out.push(...base.slice(i, j).sort((a, b) => duration(b) - duration(a) || 0));
      i = j;
    }
    return out;
  }
}
