// The harness's stability window (holdsWhileAdvertising in daemons.ts): a backup that takes over
// because the master really fell silent for a down interval (the machine stopped it) is the
// protocol and the window repeats; a VIP that moves while the master advertises stays a failure.
import { expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { holdsWhileAdvertising, startDaemon, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("win");
const VIP = "198.51.100.10";
const DOWN_MS = 300 + ((256 - 100) / 256) * 100;
const conf = (p: number) =>
  `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 31\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}/32\n  }\n}\n`;

async function pair() {
  const { lab, running } = newLab();
  running.push(startDaemon(lab, "a", "tsvrrpd", conf(200)));
  await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
  const b = startDaemon(lab, "b", "tsvrrpd", conf(100));
  running.push(b);
  await waitFor("b backup", () => b.output().includes("-> BACKUP"), 10_000);
  return { lab, b };
}

it("a master stopped for longer than a down interval: b's takeover is excused, a returns, the window repeats", async () => {
  const { lab, b } = await pair();
  setTimeout(() => {
    lab.killAll("a", "SIGSTOP");
    setTimeout(() => lab.killAll("a", "SIGCONT"), 800);
  }, 300);
  expect(await holdsWhileAdvertising(lab, "a", DOWN_MS, 1500, () => expect(lab.holders(VIP)).toEqual(["a"]))).toBe(true);
  expect(b.output()).toContain("-> MASTER"); // b did take over meanwhile
});

it("the VIP on b while a advertises is a failure, not excused", async () => {
  const { lab } = await pair();
  setTimeout(() => lab.exec("b", "ip", ["addr", "add", `${VIP}/32`, "dev", "eth0"]), 300);
  await expect(holdsWhileAdvertising(lab, "a", DOWN_MS, 1500, () => expect(lab.holders(VIP)).toEqual(["a"]))).rejects.toThrow();
});
