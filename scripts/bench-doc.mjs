#!/usr/bin/env node
// Writes docs/benchmarks.md from bench/results/*.json (run `npx tsc -p tsconfig.bench.json` first).
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { benchmarksMarkdown } from "../dist-bench/bench/doc.js";

mkdirSync(new URL("../docs/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("../docs/benchmarks.md", import.meta.url),
  benchmarksMarkdown(fileURLToPath(new URL("../bench/results/", import.meta.url))),
);
console.log("docs/benchmarks.md written");
