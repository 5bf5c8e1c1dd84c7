// What ships is what `npm run build` compiles into dist/ (the npm package, the image and the .deb all
// copy dist/): src/ only. The test and bench harness (lab/: namespaces, crafted packets, captures, the
// demo) is compiled apart, into dist-lab/ by tsconfig.lab.json. The program is the one tsc builds from
// tsconfig.json: its root files and every module they import.
import { relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function program(config: string): { outDir: string | undefined; emitted: string[] } {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    resolve(ROOT, config),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!parsed) throw new Error(`${config}: not read`);
  const p = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = p
    .getSourceFiles()
    .filter((sf) => !sf.isDeclarationFile && !p.isSourceFileFromExternalLibrary(sf))
    .map((sf) => relative(ROOT, sf.fileName))
    .sort();
  return { outDir: parsed.options.outDir && relative(ROOT, parsed.options.outDir), emitted };
}

describe("what the build ships", () => {
  it("dist/ is compiled from src/ alone: no lab, bench or test module", () => {
    const { outDir, emitted } = program("tsconfig.json");
    expect(outDir).toBe("dist");
    expect(emitted).toContain("src/cli.ts");
    expect(emitted.filter((f) => !f.startsWith("src/") || /(^|\/)(lab|bench|test)\//.test(f.slice("src/".length)))).toEqual([]);
  });

  it("the lab harness compiles apart, into dist-lab/", () => {
    const { outDir, emitted } = program("tsconfig.lab.json");
    expect(outDir).toBe("dist-lab");
    expect(emitted).toEqual(expect.arrayContaining(["lab/netns.ts", "lab/inject.ts", "lab/demo.ts"]));
  });
});
