// podman for the install tests: Debian's podman 4.3 runs containers here with runc and without
// default ulimits (crun fails on this host's hybrid cgroups; the default ulimits exceed the hard
// limits), so every call gets a containers.conf saying so.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const confDir = mkdtempSync(join(tmpdir(), "tsvrrpd-podman-"));
writeFileSync(join(confDir, "containers.conf"), '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
export const podmanEnv = { ...process.env, CONTAINERS_CONF: join(confDir, "containers.conf") };

export function podman(args: string[], timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync("podman", args, { env: podmanEnv, encoding: "utf8", timeout });
}

/** `podman run` options for a container in a lab router's network namespace, with only the capabilities VRRP needs. */
export function inLabNamespace(ns: string): string[] {
  return ["--network", `ns:/run/netns/${ns}`, "--cap-drop", "ALL", "--cap-add", "NET_ADMIN,NET_RAW"];
}

export function podmanSpawn(args: string[]): ChildProcess {
  return spawn("podman", args, { env: podmanEnv, stdio: ["ignore", "pipe", "pipe"] });
}

/** Bytes a registry transfers (the gzip-compressed layers) and the biggest layers, largest first. */
export function compressedSize(image: string): { total: number; layers: number[] } {
  const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-oci-"));
  try {
    const r = podman(["save", "-q", "--format", "oci-dir", "-o", join(dir, "oci"), image], 300_000);
    if (r.status !== 0) throw new Error(`podman save: ${r.stderr}`);
    const blobs = join(dir, "oci/blobs/sha256");
    const layers = readdirSync(blobs)
      .map((b) => statSync(join(blobs, b)).size)
      .sort((a, b) => b - a);
    return { total: layers.reduce((a, b) => a + b, 0), layers };
  } finally {
    spawnSync("rm", ["-rf", dir]);
  }
}
