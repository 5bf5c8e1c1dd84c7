// The keyword table is the single source of truth: it covers keepalived 2.2.7's VRRP keywords,
// docs/keywords.md is generated from it, and the parser does what it says for every entry.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { KEYWORDS, keywordInfo, keywordsMarkdown, type KeywordInfo } from "../../src/config/keywords.js";

const upstream = JSON.parse(readFileSync(new URL("../fixtures/keepalived-2.2.7-keywords.json", import.meta.url), "utf8")) as {
  context: string;
  keyword: string;
}[];

/** A configuration using `k` in its context, with a throwaway argument. */
function using(k: KeywordInfo): string {
  const line = `${k.keyword} 1`;
  const inst = (body: string) => `vrrp_instance VI {\n interface eth0\n virtual_router_id 9\n${body}\n}\n`;
  switch (k.context) {
    case "top":
      return `${k.keyword} x {\n}\n`;
    case "global_defs":
      return `global_defs {\n ${line}\n}\n`;
    case "vrrp_instance":
      return inst(` ${line}`);
    case "vrrp_instance > authentication":
      return inst(` authentication {\n  ${line}\n }`);
    case "vrrp_script":
      return `vrrp_script s {\n script /bin/true\n ${line}\n}\n`;
    case "vrrp_sync_group":
      return `${inst("")}vrrp_sync_group G {\n group {\n  VI\n }\n ${line}\n}\n`;
    default:
      return `${k.context} x {\n ${line}\n}\n`;
  }
}

describe("keyword table", () => {
  it("covers every VRRP keyword keepalived 2.2.7 installs", () => {
    const missing = upstream.filter((u) => !keywordInfo(u.context, u.keyword)).map((u) => `${u.context}: ${u.keyword}`);
    expect(missing).toEqual([]);
    expect(upstream.length).toBeGreaterThan(150);
  });

  it("has one entry per keyword and context, and a note for every difference, warning and refusal", () => {
    const keys = KEYWORDS.map((k) => `${k.context}|${k.keyword}`);
    expect(keys.length).toBe(new Set(keys).size);
    expect(KEYWORDS.filter((k) => k.status !== "keepalived" && !k.note).map((k) => k.keyword)).toEqual([]);
  });

  it("docs/keywords.md is the table's current rendering (node scripts/keywords-doc.mjs)", () => {
    expect(readFileSync(new URL("../../docs/keywords.md", import.meta.url), "utf8")).toBe(keywordsMarkdown());
  });

  it("docs/compat.md's list of differences names every keyword with a difference, and the page every warned or refused one", () => {
    const compat = readFileSync(new URL("../../docs/compat.md", import.meta.url), "utf8");
    const start = compat.indexOf("\n## Every deliberate difference\n");
    expect(start).toBeGreaterThan(0);
    const end = compat.indexOf("\n## ", start + 1);
    const list = compat.slice(start, end < 0 ? undefined : end);
    const missing = (where: string, s: KeywordInfo["status"]) =>
      KEYWORDS.filter((k) => k.status === s && !where.includes(`\`${k.keyword}\``)).map((k) => `${k.context}: ${k.keyword}`);
    expect(missing(list, "difference")).toEqual([]);
    expect([...missing(compat, "unsupported"), ...missing(compat, "refused")]).toEqual([]);
  });

  it("the parser does what the table says for every keyword: handled, warned or refused, never dropped", () => {
    const wrong: string[] = [];
    for (const k of KEYWORDS) {
      const codes = parseKeepalivedConf(using(k), "k.conf")
        .diagnostics.filter((d) => d.where.line >= 1)
        .map((d) => d.code);
      const ok =
        !codes.includes("UNHANDLED") &&
        !codes.includes("UNKNOWN_KEYWORD") &&
        (k.status !== "refused" || codes.includes("REFUSED")) &&
        (k.status !== "unsupported" || codes.includes("UNSUPPORTED")) &&
        (k.status === "refused" || !codes.includes("REFUSED")) &&
        (k.status === "unsupported" || !codes.includes("UNSUPPORTED"));
      if (!ok) wrong.push(`${k.context}: ${k.keyword} (${k.status}) -> ${codes.join(",")}`);
    }
    expect(wrong).toEqual([]);
  });
});
