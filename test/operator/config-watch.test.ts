// ConfigWatcher on kubelet-style volumes (no namespaces): a swap of the ConfigMap's or the
// included Secret's ..data reloads once; a swap to identical content does not; a file watched
// directly (its inode) would miss every one of these swaps.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigWatcher } from "../../src/operator/config-watch.js";
import { kubeletWrite } from "../../lab/kubelet-volume.js";
import { waitFor } from "../../lab/netns.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const conf = (secretDir: string, priority: number) =>
  `include ${secretDir}/auth.conf\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority ${priority}\n  authentication {\n    auth_type PASS\n    auth_pass $AUTH_PASS\n  }\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n`;

describe("ConfigWatcher", () => {
  it("reloads once per changed swap of the ConfigMap or the included Secret, never for an identical one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-watch-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cm = join(dir, "configmap");
    const secret = join(dir, "secret");
    kubeletWrite(secret, { "auth.conf": "$AUTH_PASS=one\n" });
    kubeletWrite(cm, { "keepalived.conf": conf(secret, 100) });
    let changes = 0;
    const w = new ConfigWatcher(join(cm, "keepalived.conf"), {
      log: pino({ level: "silent" }),
      onChange: () => changes++,
      debounceMs: 50,
      pollMs: 60_000, // the watch, not the poll, must see these
    });
    w.start();
    cleanups.push(() => w.stop());

    kubeletWrite(cm, { "keepalived.conf": conf(secret, 150) });
    await waitFor("the ConfigMap swap seen", () => changes === 1, 3000);
    kubeletWrite(secret, { "auth.conf": "$AUTH_PASS=two\n" });
    await waitFor("the Secret swap seen", () => changes === 2, 3000);
    // A second update of each: a watch on the file's old inode would be dead by now.
    kubeletWrite(cm, { "keepalived.conf": conf(secret, 200) });
    await waitFor("the second ConfigMap swap seen", () => changes === 3, 3000);
    kubeletWrite(secret, { "auth.conf": "$AUTH_PASS=three\n" });
    await waitFor("the second Secret swap seen", () => changes === 4, 3000);
    // kubelet resyncs and may rewrite the same content: no reload.
    kubeletWrite(cm, { "keepalived.conf": conf(secret, 200) });
    kubeletWrite(secret, { "auth.conf": "$AUTH_PASS=three\n" });
    await new Promise((r) => setTimeout(r, 500));
    expect(changes).toBe(4);
  });
});
