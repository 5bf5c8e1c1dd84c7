// npm's postinstall for tsvrrpd, in a checkout and in an installed package alike.
// - The native addon (native/build/Release/tsvrrpd_native.node): the checkout builds it from
//   source; an installed package takes its prebuilt one for linux-<arch> (prebuilds/, N-API, any
//   Node of a supported line) when it loads here, else builds from source, saying what that needs.
"use strict";
const { spawnSync } = require("node:child_process");
const { copyFileSync, existsSync, mkdirSync } = require("node:fs");
const { dirname, join } = require("node:path");

const root = join(__dirname, "..");
const target = join(root, "native/build/Release/tsvrrpd_native.node");
const say = (s) => process.stderr.write(`tsvrrpd: ${s}\n`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  return r.status === 0;
}

function loads(file) {
  const r = spawnSync(process.execPath, ["-e", "require(process.argv[1])", file], { stdio: "ignore" });
  return r.status === 0;
}

function buildFromSource() {
  // npm hands its own node-gyp to lifecycle scripts (npm_config_node_gyp, derived from Node's
  // prefix; where that Node came without npm, the node-gyp beside the npm that runs us); outside
  // npm, the one on PATH.
  const npmGyp =
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js");
  const gyp = [process.env.npm_config_node_gyp, npmGyp].find((g) => g && existsSync(g));
  const ok = gyp ? run(process.execPath, [gyp, "rebuild", "--directory", "native"]) : run("node-gyp", ["rebuild", "--directory", "native"]);
  if (!ok || !loads(target)) {
    say(
      `building the native addon for ${process.platform}-${process.arch} (Node ${process.version}) failed. ` +
        "It needs python3, make and a C compiler (Debian: apt-get install python3 make gcc), then `npm rebuild tsvrrpd`.",
    );
    process.exit(1);
  }
}

const checkout = existsSync(join(root, "src/cli.ts"));
if (checkout) {
  buildFromSource();
} else {
  const prebuilt = join(root, "prebuilds", `${process.platform}-${process.arch}`, "tsvrrpd_native.node");
  if (existsSync(prebuilt)) {
    mkdirSync(join(root, "native/build/Release"), { recursive: true });
    copyFileSync(prebuilt, target);
    if (loads(target)) process.exit(0);
    say(
      `the prebuilt native addon for ${process.platform}-${process.arch} does not load in Node ${process.version}; building it from source`,
    );
  } else {
    say(`no prebuilt native addon for ${process.platform}-${process.arch}; building it from source`);
  }
  buildFromSource();
}
