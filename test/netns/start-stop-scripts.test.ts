// global_defs startup_script / shutdown_script (keepalived 2.2.7 core/main.c run_startup_script,
// start_keepalived, sigend, startup_shutdown_script_completed, handle_child_timeout), tsvrrpd and
// keepalived 2.2.7 in turn on the same file in the same namespace. The scripts write what they see
// to an events file: the startup script runs (and ends) before VRRP starts, so the VIP is absent
// throughout although a lone router masters within half a second; the shutdown script runs after
// VRRP has stopped and the VIP is gone, and the daemon exits once it has ended; a reload does not
// run the startup script again and makes the reloaded file's shutdown script the one that runs.
// With 1 s timeouts, scripts that sleep 40 s are killed with their children ("startup script
// timed out"), VRRP starts anyway and the daemon exits long before the sleep would have ended.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomInt } from "node:crypto";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs, type Kind, type Running } from "./daemons.js";

const newLab = twoRouterLabs("sss");
const VIP = "198.51.100.50";
const KINDS: Kind[] = ["tsvrrpd", "keepalived"];

function script(lab: Lab, name: string, body: string): string {
  const path = join(lab.dir, name);
  writeFileSync(path, `#!/bin/sh\nvip() { ip -o addr show dev eth0 | grep -q " ${VIP}/" && echo present || echo absent; }\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function conf(globals: string): string {
  return (
    `global_defs {\n  router_id a\n  vrrp_garp_master_delay 0\n${globals}}\n` +
    `vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 50\n  priority 100\n` +
    `  advert_int 0.1\n  version 3\n  virtual_ipaddress {\n    ${VIP}/24\n  }\n}\n`
  );
}

const holdsVip = (lab: Lab) => lab.addresses("a").includes(`${VIP}/24`);
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);

async function stop(r: Running): Promise<number> {
  const started = Date.now();
  if (r.child.exitCode === null && r.child.signalCode === null) {
    const exited = new Promise((res) => r.child.on("exit", res));
    r.child.kill("SIGTERM");
    await exited;
  }
  return Date.now() - started;
}

function sleepers(tag: string): string {
  return execFileSync("pgrep", ["-f", `sleep 40.${tag}`], { encoding: "utf8" }).trim();
}

function noSleepers(tag: string): boolean {
  try {
    return sleepers(tag) === "";
  } catch {
    return true; // pgrep exits 1 when nothing matches
  }
}

describe("startup_script and shutdown_script, tsvrrpd and keepalived 2.2.7 on the same file", () => {
  it("startup before VRRP starts, shutdown after the VIP is removed; a reload runs neither and swaps the shutdown script", async () => {
    const { lab, running } = newLab();
    const events = join(lab.dir, "events");
    const up = script(lab, "up.sh", `echo "startup-begin vip=$(vip) args=$*" >> "$1"\nsleep 1.5\necho "startup-end vip=$(vip)" >> "$1"`);
    const down = script(lab, "down.sh", `echo "shutdown vip=$(vip)" >> "$1"`);
    const down2 = script(lab, "down2.sh", `echo "reloaded-shutdown vip=$(vip)" >> "$1"`);
    const first = conf(`  startup_script "${up} ${events} x"\n  shutdown_script "${down} ${events}"\n`);
    const reloaded = conf(`  startup_script "${up} ${events} x"\n  shutdown_script "${down2} ${events}"\n`);
    const seen: Record<string, string[]> = {};
    for (const kind of KINDS) {
      writeFileSync(events, "");
      const r = startDaemon(lab, "a", kind, first, `-${kind}`);
      running.push(r);
      await waitFor(`${kind}: the VIP on a`, () => holdsVip(lab), 15_000);
      // The startup script had ended before VRRP started: its last line is already there.
      expect(lines(events)).toEqual(["startup-begin vip=absent args=" + `${events} x`, "startup-end vip=absent"]);
      // SIGHUP with the shutdown script changed: startup_script is not run again.
      writeFileSync(join(lab.dir, `a-${kind}.conf`), reloaded);
      r.child.kill("SIGHUP");
      await waitFor(
        `${kind}: the reload done`,
        () => (kind === "tsvrrpd" ? /configuration reloaded/ : /Reloading/).test(r.output()),
        10_000,
      );
      await new Promise((res) => setTimeout(res, kind === "keepalived" ? 1000 : 0)); // keepalived's reload has no end line
      expect(holdsVip(lab)).toBe(true);
      await stop(r);
      // The daemon exited only after its shutdown script, which ran once the VIP was gone.
      expect(holdsVip(lab)).toBe(false);
      seen[kind] = lines(events);
    }
    expect(seen.tsvrrpd).toEqual([`startup-begin vip=absent args=${events} x`, "startup-end vip=absent", "reloaded-shutdown vip=absent"]);
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  }, 60_000);

  it("a script that outlives its timeout is killed with its children, and the daemon goes on", async () => {
    const { lab, running } = newLab();
    const events = join(lab.dir, "events");
    const tag = String(randomInt(100_000, 999_999));
    const slow = (what: string) =>
      script(lab, `${what}.sh`, `echo "${what}-begin vip=$(vip)" >> "$1"\nsleep 40.${tag} &\nwait\necho "${what}-end" >> "$1"`);
    const body = conf(
      `  startup_script "${slow("startup")} ${events}"\n  startup_script_timeout 1\n` +
        `  shutdown_script "${slow("shutdown")} ${events}"\n  shutdown_script_timeout 1\n`,
    );
    try {
      for (const kind of KINDS) {
        writeFileSync(events, "");
        const started = Date.now();
        const r = startDaemon(lab, "a", kind, body, `-${kind}`);
        running.push(r);
        await waitFor(`${kind}: the VIP on a after the startup script was killed`, () => holdsVip(lab), 20_000);
        expect(Date.now() - started).toBeLessThan(20_000);
        expect(r.output()).toMatch(/startup script timed out/);
        await waitFor(`${kind}: the startup script's child killed too`, () => noSleepers(tag), 5000);
        const stopMs = await stop(r);
        expect(stopMs).toBeLessThan(20_000); // not the script's 40 s
        expect(r.output()).toMatch(/shutdown script timed out/);
        await waitFor(`${kind}: the shutdown script's child killed too`, () => noSleepers(tag), 5000);
        expect(lines(events)).toEqual(["startup-begin vip=absent", "shutdown-begin vip=absent"]);
      }
    } finally {
      // Whatever a failed run left: only this test's sleeps (the random tag), by pid.
      const left = noSleepers(tag) ? [] : sleepers(tag).split("\n");
      for (const pid of left)
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
    }
  }, 90_000);

  it("a stop while the startup script runs: VRRP never starts, the shutdown script still runs", async () => {
    const { lab, running } = newLab();
    const events = join(lab.dir, "events");
    const tag = String(randomInt(100_000, 999_999));
    const up = script(lab, "up.sh", `echo "startup-begin" >> "$1"\nsleep 40.${tag} &\nwait\necho "startup-end" >> "$1"`);
    const down = script(lab, "down.sh", `echo "shutdown vip=$(vip)" >> "$1"`);
    const body = conf(`  startup_script "${up} ${events}"\n  startup_script_timeout 30\n  shutdown_script "${down} ${events}"\n`);
    const seen: Record<string, string[]> = {};
    try {
      for (const kind of KINDS) {
        writeFileSync(events, "");
        const r = startDaemon(lab, "a", kind, body, `-${kind}`);
        running.push(r);
        await waitFor(`${kind}: the startup script running`, () => lines(events).includes("startup-begin"), 10_000);
        await new Promise((res) => setTimeout(res, 300));
        expect(await stop(r)).toBeLessThan(10_000);
        await new Promise((res) => setTimeout(res, 1000)); // VRRP would have mastered by now
        expect(holdsVip(lab)).toBe(false);
        seen[kind] = lines(events);
        // Difference: tsvrrpd ends the startup script's process group; keepalived's parent-death
        // SIGTERM reaches the script alone and leaves its children running.
        if (kind === "tsvrrpd") await waitFor("the startup script's child ended with it", () => noSleepers(tag), 5000);
      }
      expect(seen.tsvrrpd).toEqual(["startup-begin", "shutdown vip=absent"]);
      expect(seen.tsvrrpd).toEqual(seen.keepalived);
    } finally {
      const left = noSleepers(tag) ? [] : sleepers(tag).split("\n");
      for (const pid of left)
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
    }
  }, 60_000);

  // keepalived core/main.c sigend: once stopping, its signalfd takes SIGCHLD only, so a SIGHUP
  // while the shutdown script runs reloads nothing. tsvrrpd reloaded its stopped runtime there:
  // the tracked scripts started again (and sockets, FIFOs, routes were touched) on the way out.
  it("a SIGHUP while the shutdown script runs is ignored: no tracked script starts again", async () => {
    const { lab, running } = newLab();
    const events = join(lab.dir, "events");
    const check = script(lab, "check.sh", `echo "check" >> "$1"`);
    const down = script(lab, "down.sh", `echo "shutdown-begin" >> "$1"\nsleep 2\necho "shutdown-end" >> "$1"`);
    const body = conf(`  shutdown_script "${down} ${events}"\n`).replace(
      "vrrp_instance VI_1 {\n",
      `vrrp_script chk {\n  script "${check} ${events}"\n  interval 60\n}\nvrrp_instance VI_1 {\n  track_script {\n    chk\n  }\n`,
    );
    const seen: Record<string, string[]> = {};
    for (const kind of KINDS) {
      writeFileSync(events, "");
      const r = startDaemon(lab, "a", kind, body, `-${kind}`);
      running.push(r);
      await waitFor(`${kind}: the VIP on a`, () => holdsVip(lab), 15_000);
      await waitFor(`${kind}: the first check ran`, () => lines(events).includes("check"), 5000);
      writeFileSync(events, "");
      const exited = new Promise((res) => r.child.on("exit", res));
      r.child.kill("SIGTERM");
      await waitFor(`${kind}: the shutdown script running`, () => lines(events).includes("shutdown-begin"), 10_000);
      r.child.kill("SIGHUP");
      await exited;
      seen[kind] = lines(events);
      if (kind === "tsvrrpd") expect(r.output()).not.toMatch(/configuration reloaded/);
    }
    expect(seen.tsvrrpd).toEqual(["shutdown-begin", "shutdown-end"]);
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  }, 60_000);
});
