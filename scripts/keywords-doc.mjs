#!/usr/bin/env node
// Writes docs/keywords.md from the keyword table (run `npm run build` first).
import { mkdirSync, writeFileSync } from "node:fs";
import { keywordsMarkdown } from "../dist/config/keywords.js";

mkdirSync(new URL("../docs/", import.meta.url), { recursive: true });
writeFileSync(new URL("../docs/keywords.md", import.meta.url), keywordsMarkdown());
console.log("docs/keywords.md written");
