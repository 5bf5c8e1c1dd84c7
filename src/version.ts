// `tsvrrpd -v`: what `keepalived -v` tells (core/main.c print_version: version, build, the running
// kernel, the distribution, the options compiled in), for a Node program: the git commit it was
// built from, the Node and N-API versions it runs on, and which optional parts work on this host.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { errorFields } from "./error-fields.js";
import { createRequire } from "node:module";
import { machine, release, version as kernelVersion } from "node:os";
import { nativeHelper } from "./native/helper.js";

const ROOT = new URL("../", import.meta.url);

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** COMMIT beside package.json (written by the image, .deb and npm builds), else git in a checkout. */
export function gitCommit(): string {
  try {
    return readFileSync(new URL("COMMIT", ROOT), "utf8").trim();
  } catch {
    // not a built package
  }
  if (!existsSync(new URL(".git", ROOT))) return "unknown";
  const git = spawnSync("git", ["-C", ROOT.pathname, "rev-parse", "--short=12", "HEAD"], { encoding: "utf8", timeout: 5000 });
  return git.status === 0 ? git.stdout.trim() : "unknown";
}

function distro(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"));
    return m?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** One optional part: available, or not with why (so -v answers "why is my SNMP not served"). */
interface Part {
  name: string;
  available: boolean;
  why?: string;
}

function optionalParts(): Part[] {
  const parts: Part[] = [];
  let helper: ReturnType<typeof nativeHelper> | undefined;
  try {
    helper = nativeHelper();
    parts.push({ name: "NATIVE_HELPER", available: true });
  } catch (e) {
    parts.push({ name: "NATIVE_HELPER", available: false, why: errorFields(e).err });
  }
  const require = createRequire(import.meta.url);
  try {
    require.resolve("net-snmp");
    parts.push({ name: "SNMP", available: true });
  } catch {
    parts.push({ name: "SNMP", available: false, why: "module net-snmp not installed" });
  }
  let devLog = false;
  try {
    devLog = statSync("/dev/log").isSocket();
  } catch {
    // no syslog daemon here (a container)
  }
  parts.push(
    !helper
      ? { name: "SYSLOG", available: false, why: "needs the native helper" }
      : devLog
        ? { name: "SYSLOG", available: true }
        : { name: "SYSLOG", available: false, why: "no /dev/log socket" },
  );
  // The process connector (vrrp_track_process): subscribing is the only sure test (root, the
  // initial namespaces, CONFIG_PROC_EVENTS); the caller exits right after.
  let procEvents = false;
  try {
    procEvents = !!helper && helper.procEvents(() => undefined);
  } catch {
    procEvents = false;
  }
  parts.push(
    procEvents
      ? { name: "PROC_EVENTS", available: true }
      : { name: "PROC_EVENTS", available: false, why: "needs root in the initial namespaces and CONFIG_PROC_EVENTS" },
  );
  return parts;
}

export function versionText(): string {
  const parts = optionalParts();
  return [
    `tsvrrpd v${packageVersion()} (keepalived-compatible VRRP)`,
    "",
    "Copyright(C) 2026 The tsvrrpd authors, MIT License",
    "",
    `Git commit: ${gitCommit()}`,
    `Running on Node ${process.version} (N-API ${process.versions.napi ?? "?"}, V8 ${process.versions.v8})`,
    `Running on Linux ${release()} ${kernelVersion()} ${machine()}`,
    `Distro: ${distro()}`,
    "",
    "Config options:  VRRP VRRP_AUTH VRRPv3 IPV6 SNMP_VRRP SNMP_RFCV3 JSON SYSTEMD_NOTIFY OPENSHIFT",
    "",
    `Available here:  ${
      parts
        .filter((p) => p.available)
        .map((p) => p.name)
        .join(" ") || "(none)"
    }`,
    ...parts.filter((p) => !p.available).map((p) => `Not available:   ${p.name} (${p.why ?? "unknown"})`),
    "",
  ].join("\n");
}
