// The npm package as a user installs it: `npm pack` (prepack builds dist/ and the prebuilt
// addons), then `npm install -g ./tsvrrpd-<version>.tgz --omit=dev` into a scratch prefix, on the
// pinned Node, on "a machine without build tools": a private mount namespace where make, the C
// compilers and python3 are /bin/false (the host's stay as they are).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, masterNextToKeepalived, pairConf, type Pair } from "./keepalived-pair.js";
import { REPO, scratch, version } from "./scratch.js";

const pinned = readFileSync(join(REPO, ".node-version"), "utf8").trim();
const { work, cleanups } = scratch("npm");
const PAIR: Pair = { prefix: "npm", vrid: 53, vip: "203.0.113.22" };
let tgz = "";
let nodeBin = "";

const BUILD_TOOLS = ["make", "gcc", "cc", "g++", "c++", "python3", "x86_64-linux-gnu-gcc-12", "x86_64-linux-gnu-g++-12"];

/** sh -c SCRIPT with the pinned Node first on PATH, without build tools unless `tools`. */
function sh(script: string, opts: { tools?: boolean; env?: Record<string, string> } = {}): SpawnSyncReturns<string> {
  const mask = opts.tools ? "" : BUILD_TOOLS.map((t) => `[ -e /usr/bin/${t} ] && mount --bind /bin/false /usr/bin/${t}; `).join("");
  return spawnSync("unshare", ["-m", "sh", "-c", `mount --make-rprivate /; ${mask}${script}`], {
    encoding: "utf8",
    timeout: 600_000,
    env: { ...process.env, ...opts.env, PATH: `${nodeBin}:${process.env.PATH}` },
  });
}

beforeAll(() => {
  const n = spawnSync("bash", [join(REPO, "scripts/node-runtime.sh"), "x64"], { encoding: "utf8", timeout: 300_000 });
  expect(n.status, n.stderr).toBe(0);
  nodeBin = join(n.stdout.trim(), "bin");
  const t0 = Date.now();
  const r = spawnSync("npm", ["pack", "--pack-destination", work], { cwd: REPO, encoding: "utf8", timeout: 600_000 });
  expect(r.status, r.stderr.slice(-4000)).toBe(0);
  tgz = join(work, r.stdout.trim().split("\n").pop() ?? "");
  expect(tgz).toBe(join(work, `tsvrrpd-${version}.tgz`));
  console.log(`npm pack: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}, 600_000);

describe("the npm package", () => {
  it("holds dist/, the native sources and addons prebuilt for linux-x64 and linux-arm64 (which loads in the arm64 Node under qemu), and no tests", () => {
    const files = spawnSync("tar", ["tzf", tgz], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    for (const f of [
      "package/dist/cli.js",
      "package/bin/tsvrrpd",
      "package/native/binding.gyp",
      "package/native/napi_util.h",
      "package/native/tsvrrpd_native.c",
      "package/prebuilds/linux-x64/tsvrrpd_native.node",
      "package/prebuilds/linux-arm64/tsvrrpd_native.node",
      "package/scripts/postinstall.cjs",
      "package/LICENSE",
      "package/COMMIT",
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => /^package\/(test|src|lab|bench|patches|dist\/lab|dist-lab|dist-bench)\/|\.map$|\.test\./.test(f))).toEqual(
      [],
    );
    const pkg = JSON.parse(spawnSync("tar", ["xzOf", tgz, "package/package.json"], { encoding: "utf8" }).stdout) as {
      scripts: Record<string, string>;
      engines: { node: string };
    };
    expect(pkg.scripts.postinstall).not.toContain("patch-package");
    expect(pkg.engines.node).toBe("^22.12.0 || ^24.0.0 || ^26.0.0");

    const dir = join(work, "arm64");
    mkdirSync(dir);
    spawnSync("tar", ["xzf", tgz, "-C", dir, "package/prebuilds/linux-arm64/tsvrrpd_native.node"]);
    const arm = spawnSync("bash", [join(REPO, "scripts/node-runtime.sh"), "arm64"], { encoding: "utf8", timeout: 300_000 });
    expect(arm.status, arm.stderr).toBe(0);
    const r = spawnSync(
      "qemu-aarch64-static",
      [
        "-L",
        "/usr/aarch64-linux-gnu",
        join(arm.stdout.trim(), "bin/node"),
        "-p",
        "process.arch + ' ' + Object.keys(require(process.argv[1])).length",
        join(dir, "package/prebuilds/linux-arm64/tsvrrpd_native.node"),
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^arm64 \d+$/);
  });

  it("without a prebuilt addon for the platform, builds it from source, or says which packages that needs", () => {
    const dir = join(work, "fallback");
    mkdirSync(dir);
    spawnSync("tar", ["xzf", tgz, "-C", dir]);
    rmSync(join(dir, "package/prebuilds/linux-x64"), { recursive: true });
    const gyp = join(spawnSync("npm", ["root", "-g"], { encoding: "utf8" }).stdout.trim(), "npm/node_modules/node-gyp/bin/node-gyp.js");
    const env = { npm_config_node_gyp: gyp, npm_config_nodedir: join(nodeBin, "..") };
    const none = sh(`cd ${dir}/package && node scripts/postinstall.cjs`, { env });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("tsvrrpd: no prebuilt native addon for linux-x64; building it from source");
    expect(none.stderr).toContain("It needs python3, make and a C compiler (Debian: apt-get install python3 make gcc)");
    const built = sh(`cd ${dir}/package && node scripts/postinstall.cjs`, { env, tools: true });
    expect(built.status, built.stderr.slice(-2000)).toBe(0);
    expect(existsSync(join(dir, "package/native/build/Release/tsvrrpd_native.node"))).toBe(true);
  });

  it("npm install -g --omit=dev without build tools gives a working tsvrrpd: -v, -t, and master next to keepalived", async () => {
    const prefix = join(work, "prefix");
    const inst = sh(`npm install -g --prefix ${prefix} --omit=dev --no-audit --no-fund ${tgz}`);
    expect(inst.status, inst.stderr.slice(-3000)).toBe(0);
    const bin = join(prefix, "bin/tsvrrpd");
    const v = sh(`${bin} -v`);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain(`Running on Node v${pinned} `);
    expect(v.stdout).toMatch(/^Available here: .*NATIVE_HELPER/m);
    const conf = join(work, "pair.conf");
    writeFileSync(conf, pairConf(PAIR, 200));
    const t = sh(`${bin} -t -f ${conf}`);
    expect(t.status, t.stderr).toBe(0);

    await masterNextToKeepalived(PAIR, cleanups, (lab) => {
      const ts = lab.spawn("b", bin, ["-n", "-l", "-G", "-f", conf, "-p", join(lab.dir, "ts.pid"), "--control", join(lab.dir, "ts.sock")], {
        env: { ...process.env, PATH: `${nodeBin}:${process.env.PATH}` },
      });
      return { output: collect(ts), stop: () => void ts.kill("SIGTERM") };
    });
  });
});
