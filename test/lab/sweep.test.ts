// A run killed before its clean-up leaves namespaces behind; the next run removes them, and only
// those of dead owners.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Lab, sweepStaleLabs } from "../../lab/netns.js";

const netns = () => spawnSync("ip", ["netns", "list"], { encoding: "utf8", timeout: 10_000 }).stdout;

describe("stale lab sweep", () => {
  it("removes the namespaces of a lab whose process died, and keeps a live one's", async () => {
    const dist = new URL("../../dist-lab/lab/netns.js", import.meta.url).pathname;
    const dead = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { Lab } from "${dist}"; const l = new Lab("swp"); l.create([{ name: "a", v4: "192.0.2.11/24" }]); console.log(l.tag);`,
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(dead.status, dead.stderr).toBe(0);
    const tag = dead.stdout.trim();
    expect(netns()).toContain(`${tag}-a`);
    const live = new Lab("swl");
    try {
      live.create([{ name: "a", v4: "192.0.2.11/24" }]);
      const swept = sweepStaleLabs();
      expect(swept).toEqual(expect.arrayContaining([`${tag}-a`, `${tag}-lan`]));
      expect(netns()).not.toContain(`${tag}-`);
      expect(netns()).toContain(`${live.tag}-a`);
    } finally {
      await live.destroy();
    }
  });
});
