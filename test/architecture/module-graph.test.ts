// src/ imports from where a thing is defined (no barrel re-exports) and has no import cycles
// (GUIDE: "Import from where a thing is defined, no barrels, no import cycles"). The graph is read with the
// TypeScript compiler's parser, not a regex: import and export-from declarations, `import x = require`,
// import() calls and `import("...")` types. Type-only imports count: a cycle of types still ties two
// modules into one concept that has to be read, changed and tested together, and it is how runtime
// cycles start (the next edit turns `import type` into a value import).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Every module specifier a file names, whether for values or for types only. */
function specifiers(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) out.push(e.text);
    } else if (ts.isImportTypeNode(node)) {
      const a = node.argument;
      if (ts.isLiteralTypeNode(a) && ts.isStringLiteral(a.literal)) out.push(a.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [a] = node.arguments;
      if (a !== undefined && ts.isStringLiteralLike(a)) out.push(a.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Each re-export in a file: `export ... from`, or `export { x }` of a name the file imported. */
function reExports(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imported = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && st.importClause) {
      const c = st.importClause;
      if (c.name) imported.add(c.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) imported.add(c.namedBindings.name.text);
      if (c.namedBindings && ts.isNamedImports(c.namedBindings)) for (const e of c.namedBindings.elements) imported.add(e.name.text);
    } else if (ts.isImportEqualsDeclaration(st)) imported.add(st.name.text);
  }
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) && st.moduleSpecifier) out.push(st.getText(sf));
    else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const e of st.exportClause.elements) if (imported.has((e.propertyName ?? e.name).text)) out.push(st.getText(sf));
    } else if (ts.isExportAssignment(st) && ts.isIdentifier(st.expression) && imported.has(st.expression.text)) {
      out.push(st.getText(sf));
    }
  }
  return [...new Set(out)];
}

/** src-relative path -> the src files it imports (relative specifiers only; ".js" names the ".ts" source). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const deps = specifiers(file, readFileSync(file, "utf8"))
      .filter((s) => s.startsWith("."))
      .map((s) => relative(SRC, resolve(dirname(file), s.replace(/\.js$/, ".ts"))));
    graph.set(relative(SRC, file), [...new Set(deps)].sort());
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one module (or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

describe("src/ module graph", () => {
  it("reads every form of import, type-only ones included", () => {
    const text = [
      `import a from "./a.js";`,
      `import type { B } from "./b.js";`,
      `import { type C } from "./c.js";`,
      `export * from "./d.js";`,
      `export type { E } from "./e.js";`,
      `import f = require("./f.js");`,
      `type G = import("./g.js").G;`,
      `const h = await import("./h.js");`,
      `import "./i.js";`,
    ].join("\n");
    expect(specifiers("x.ts", text)).toEqual(["./a.js", "./b.js", "./c.js", "./d.js", "./e.js", "./f.js", "./g.js", "./h.js", "./i.js"]);
  });

  it("tells a re-export from a module's own exports", () => {
    const text = [
      `import { a, type B } from "./a.js";`,
      `import * as ns from "./n.js";`,
      `export * from "./c.js";`,
      `export type * from "./d.js";`,
      `export { e } from "./e.js";`,
      `export type { B };`,
      `export { ns };`,
      `export default a;`,
      `const own = 1;`,
      `export { own };`,
      `export const also = a;`,
    ].join("\n");
    expect(reExports("x.ts", text)).toEqual([
      `export * from "./c.js";`,
      `export type * from "./d.js";`,
      `export { e } from "./e.js";`,
      `export type { B };`,
      `export { ns };`,
      `export default a;`,
    ]);
  });

  it("finds a cycle when there is one", () => {
    const g = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cycles(g)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  it("has no import cycles", () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it("has no barrels: nothing is exported again from a module that did not define it", () => {
    const found = sourceFiles(SRC).flatMap((f) => reExports(f, readFileSync(f, "utf8")).map((r) => `${relative(SRC, f)}: ${r}`));
    expect(found).toEqual([]);
  });
});
