// keepalived.conf syntax: words, "quoted strings", { } blocks, # and ! comments, `include GLOB`.
// Produces a tree of statements with file and line, and knows nothing about keyword meanings.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { defaultConfigId, Templating } from "./conf-templating.js";
import type { Diagnostic, Location } from "./errors.js";
import { errorFields } from "../error-fields.js";

export interface Statement {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly block?: readonly Statement[];
  readonly where: Location;
}

interface Token {
  readonly text: string;
  readonly kind: "word" | "open" | "close" | "eol";
  readonly where: Location;
}

const MAX_INCLUDE_DEPTH = 8;

export interface ReadResult {
  readonly statements: Statement[];
  readonly files: string[];
  readonly diagnostics: Diagnostic[];
}

export interface ReadOptions {
  /** keepalived -i/--config-id: which `@ID` lines are read (default: the host name up to its first dot). */
  readonly configId?: string;
}

/** Reads a file (and its includes) into statements. Never throws for content problems. */
export function readConfTree(path: string, options: ReadOptions = {}): ReadResult {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  const tokens: Token[] = [];
  const t = new Templating(options.configId ?? defaultConfigId());
  loadFile(resolve(path), { file: path, line: 0 }, 0, tokens, files, diagnostics, t, true);
  finish(t, path, diagnostics);
  const statements = parseTokens(tokens, diagnostics);
  return { statements, files, diagnostics };
}

/** Parses text (tests, fuzzing); `include` resolves relative to the working directory. */
export function parseConfText(text: string, file = "<text>", options: ReadOptions = {}): ReadResult {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [file];
  const tokens: Token[] = [];
  const t = new Templating(options.configId ?? defaultConfigId());
  tokenize(text, file, 0, tokens, files, diagnostics, t);
  finish(t, file, diagnostics);
  return { statements: parseTokens(tokens, diagnostics), files, diagnostics };
}

function finish(t: Templating, file: string, diags: Diagnostic[]): void {
  const open = t.unfinished();
  if (open)
    diags.push({
      severity: "error",
      code: "UNFINISHED_DEFINITION",
      where: { file, line: 1 },
      message: `the multiline definition $${open} is still open (its last line ends with \\) at the end of the configuration`,
    });
}

function loadFile(
  path: string,
  from: Location,
  depth: number,
  out: Token[],
  files: string[],
  diags: Diagnostic[],
  t: Templating,
  main = false,
): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = errorFields(e);
    diags.push({
      severity: "error",
      code: main ? "CONF_UNREADABLE" : "INCLUDE_UNREADABLE",
      where: from,
      message: `cannot read ${path}: ${err.code ?? err.err}`,
    });
    return;
  }
  files.push(path);
  tokenize(text, path, depth, out, files, diags, t);
}

function tokenize(text: string, file: string, depth: number, out: Token[], files: string[], diags: Diagnostic[], t: Templating): void {
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const where = { file, line: ln + 1 };
    for (const line of t.line(decomment(lines[ln] as string), where, diags)) tokenizeLine(line, where, depth, out, files, diags, t);
  }
}

function tokenizeLine(
  line: string,
  where: Location,
  depth: number,
  out: Token[],
  files: string[],
  diags: Diagnostic[],
  t: Templating,
): void {
  const file = where.file;
  const words = splitLine(line, where, diags);
  if (words.length === 0) return;
  const kind = words[0] !== undefined ? INCLUDE_KINDS[words[0]] : undefined;
  if (kind !== undefined) {
    // keepalived 2.2.7 lib/parser.c check_include: the rest of the line is one glob() pattern.
    const pattern = line
      .trim()
      .slice((words[0] as string).length)
      .trim();
    if (!pattern) diags.push({ severity: "error", code: "INCLUDE_EMPTY", where, message: "include needs a file name or pattern" });
    else if (depth >= MAX_INCLUDE_DEPTH)
      diags.push({ severity: "error", code: "INCLUDE_DEPTH", where, message: `includes nested deeper than ${MAX_INCLUDE_DEPTH}` });
    else {
      const matches = includeMatches(isAbsolute(pattern) ? pattern : join(dirname(resolve(file)), pattern), pattern, kind, where, diags);
      for (const m of matches) loadFile(m, where, depth + 1, out, files, diags, t);
    }
    return;
  }
  for (const w of words) {
    out.push({ text: w, kind: w === "{" ? "open" : w === "}" ? "close" : "word", where });
  }
  out.push({ text: "", kind: "eol", where });
}

/**
 * keepalived's decomment(): `!` or `#` outside double quotes ends the line, even inside a word
 * (`auth_pass abc!def` is `abc`); `\!` and `\#` are literal characters.
 */
export function decomment(line: string): string {
  let out = "";
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '"') quote = !quote;
    else if (c === "\\" && !quote && (line[i + 1] === "#" || line[i + 1] === "!")) {
      out += line[++i];
      continue;
    } else if (!quote && (c === "!" || c === "#")) break;
    out += c;
  }
  return out;
}

/** Splits one decommented line into words; `{` and `}` are their own words; quotes group. */
function splitLine(line: string, where: Location, diags: Diagnostic[]): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "{" || c === "}") {
      words.push(c);
      i++;
      continue;
    }
    if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) {
        diags.push({ severity: "error", code: "UNTERMINATED_QUOTE", where, message: "unterminated quoted string" });
        words.push(line.slice(i + 1));
        break;
      }
      words.push(line.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !" \t{}".includes(line[j] as string)) j++;
    words.push(line.slice(i, j));
    i = j;
  }
  return words;
}

function parseTokens(tokens: Token[], diags: Diagnostic[]): Statement[] {
  let pos = 0;
  const parseBlock = (depth: number, opener?: Location): Statement[] => {
    const out: Statement[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos] as Token;
      if (t.kind === "eol") {
        pos++;
        continue;
      }
      if (t.kind === "close") {
        pos++;
        if (depth === 0) {
          // keepalived lib/parser.c: "Extra '}' found", warned and skipped.
          diags.push({
            severity: "warning",
            code: "UNBALANCED_BRACE",
            where: t.where,
            message: "Extra '}' found; ignored (as keepalived)",
          });
          continue;
        }
        return out;
      }
      if (t.kind === "open") {
        // An anonymous block: keep it (its contents still get diagnosed) under an empty keyword.
        pos++;
        out.push({ keyword: "", args: [], block: parseBlock(depth + 1, t.where), where: t.where });
        continue;
      }
      const keyword = t.text;
      const where = t.where;
      const args: string[] = [];
      pos++;
      let block: Statement[] | undefined;
      while (pos < tokens.length) {
        const u = tokens[pos] as Token;
        if (u.kind === "word") {
          args.push(u.text);
          pos++;
        } else if (u.kind === "open") {
          pos++;
          block = parseBlock(depth + 1, u.where);
          break;
        } else if (u.kind === "eol") {
          pos++;
          // keepalived allows the opening brace on the next line
          const next = tokens[pos];
          if (next && next.kind === "open") {
            pos++;
            block = parseBlock(depth + 1, next.where);
          }
          break;
        } else break; // close: handled by the loop above
      }
      out.push(block ? { keyword, args, block, where } : { keyword, args, where });
    }
    if (depth > 0)
      diags.push({ severity: "error", code: "UNBALANCED_BRACE", where: opener ?? { file: "?", line: 0 }, message: "'{' is never closed" });
    return out;
  };
  return parseBlock(0);
}

/** Minimal glob: `*`, `?` and `[...]` within path components. */
/**
 * keepalived 2.2.7 lib/parser.c include_t: `include` never fails; `includer` fails on an entry it
 * cannot read; `includem` also when a file named without wildcards is missing; `includew` also when
 * a wildcard matches nothing; `includeb` when any {a,b} alternative is missing; `includea` all.
 */
const R = 1,
  M = 2,
  W = 4,
  B = 8;
const INCLUDE_KINDS: Readonly<Record<string, number>> = {
  include: 0,
  includer: R,
  includem: R | M,
  includew: R | M | W,
  includeb: R | B,
  includea: R | M | W | B,
};

/**
 * The files an include line reads, in glob() order with GLOB_BRACE (open_and_check_glob): each
 * {a,b} alternative globbed in turn. What keepalived reports is a warning, or an error where the
 * include kind makes it one (file_config_error).
 */
function includeMatches(full: string, pattern: string, kind: number, where: Location, diags: Diagnostic[]): string[] {
  const report = (bit: number, message: string) =>
    diags.push({ severity: kind & bit ? "error" : "warning", code: "INCLUDE_NO_MATCH", where, message });
  const matches: string[] = [];
  let missing = 0;
  for (const alt of braceExpand(full)) {
    const m = expandGlob(alt);
    if (m.length === 0 && !/[*?[]/.test(alt)) missing++;
    matches.push(...m);
  }
  const braces = /\{[^}]*,[^}]*\}/.test(pattern);
  if (matches.length === 0) {
    if (missing > 0) report(braces ? B : M, `Config files missing '${pattern}'. (as keepalived)`);
    else report(W, `No config files matched '${pattern}'. (as keepalived)`);
    return [];
  }
  if (missing > 0) {
    report(B, `Some config files missing: "${pattern}". (as keepalived)`);
    if (kind & B) return [];
  }
  return matches;
}

/** glob()'s GLOB_BRACE: `a{b,c{d,e}}f` is abf, acdf, acef; braces without a comma are literal. */
export function braceExpand(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "{") {
      if (depth++ === 0) {
        open = i;
        commas.length = 0;
      }
    } else if (c === "," && depth === 1) commas.push(i);
    else if (c === "}" && depth > 0 && --depth === 0) {
      if (commas.length === 0) continue;
      const head = pattern.slice(0, open);
      const tail = pattern.slice(i + 1);
      const bounds = [open, ...commas, i];
      const out: string[] = [];
      for (let k = 0; k + 1 < bounds.length; k++)
        for (const e of braceExpand(head + pattern.slice(bounds[k]! + 1, bounds[k + 1]) + tail)) out.push(e);
      return out;
    }
  }
  return [pattern];
}

export function expandGlob(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) {
    try {
      return statSync(pattern).isFile() ? [pattern] : [];
    } catch {
      return [];
    }
  }
  const parts = pattern.split("/");
  let bases = [parts[0] === "" ? "/" : (parts[0] as string)];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(part)) {
        next.push(join(base, part));
        continue;
      }
      const re = globComponentRegExp(part);
      let entries: string[] = [];
      try {
        entries = readdirSync(base).sort();
      } catch {
        continue;
      }
      for (const e of entries) if (re.test(e) && !e.startsWith(".")) next.push(join(base, e));
    }
    bases = next;
  }
  return bases.filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/** One path component of a glob as a RegExp; a `[` without its `]` is a literal character. */
export function globComponentRegExp(part: string): RegExp {
  let re = "^";
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = part.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = part.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (body.startsWith("!")) body = "^" + body.slice(1);
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(re + "$");
}
