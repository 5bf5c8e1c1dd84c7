// One Node line for everything (issue 29): the pinned release (.node-version) is what the image and
// the .deb ship, what the suite runs on (scripts/setup.sh installs it when the host's Node is
// older), the newest of the supported LTS lines; and those lines are the same in package.json's
// engines, the matrix (npm run test:node-matrix) and the README.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), "utf8");
const pinned = read(".node-version").trim();
const major = Number(pinned.split(".")[0]);
const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
/** The majors engines names, each as "^M.m.p". */
const engineLines = [...engines.matchAll(/\^(\d+)\.\d+\.\d+/g)].map((m) => Number(m[1]));

describe("the Node line", () => {
  it("the suite runs on the pinned release (on the matrix's line under npm run test:node-matrix)", () => {
    // scripts/node-matrix.sh runs the unit tests on each supported line and says which.
    const line = process.env.TSVRRPD_NODE_LINE;
    if (line) expect(process.versions.node.split(".")[0]).toBe(line);
    else expect(process.version).toBe(`v${pinned}`);
  });

  it("engines names the LTS lines the matrix runs, the pinned one the newest, each joined by ||", () => {
    expect(engines).toMatch(/^\^\d+\.\d+\.\d+( \|\| \^\d+\.\d+\.\d+)*$/);
    expect(engineLines.every((l) => l % 2 === 0)).toBe(true); // even majors are the LTS lines
    expect(Math.max(...engineLines)).toBe(major);
    const matrix = /lines=\$\{NODE_LINES:-"([\d ]+)"\}/.exec(read("scripts/node-matrix.sh"))?.[1]?.split(" ").map(Number);
    expect(matrix).toEqual(engineLines);
    const readme = /Supported Node: the LTS lines ([\d, and]+) \(`engines`\)/.exec(read("README.md"))?.[1];
    expect(readme?.match(/\d+/g)?.map(Number)).toEqual(engineLines);
  });

  it("the image's default base is the official image of the pinned line", () => {
    expect(read("Dockerfile")).toMatch(new RegExp(`^ARG BASE=docker\\.io/library/node:${major}-bookworm-slim$`, "m"));
  });
});
