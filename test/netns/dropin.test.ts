// Swapping the binary under an existing keepalived installation (issue: drop-in operations):
//  - Debian's own keepalived.service (Type=notify): its exact ExecStart with $DAEMON_ARGS expanded
//    as systemd expands an unquoted variable, the binary replaced; systemd's side of the notify
//    protocol is a datagram socket here. READY=1 after start, RELOADING=1 then READY=1 on SIGHUP,
//    STOPPING=1 on SIGTERM, and flags from a packaged unit never make it exit.
//  - syslog: keepalived and tsvrrpd run the same file and the same events with /dev/log pointing
//    at a receiver (in a private mount namespace, so the host is untouched); the state and
//    script lines are the same words under the same ident and facility.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { BIN, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("dri");
const VIP = "198.51.100.71";
const UNIT = "/lib/systemd/system/keepalived.service";

/** A unix datagram receiver (python3: Node has no unix datagram sockets); each datagram one line. */
function receiver(path: string): { child: ChildProcess; lines(): string[] } {
  const child = spawn("python3", [
    "-u",
    "-c",
    "import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint('bound',flush=True)\nwhile True:\n  d=s.recv(65536)\n  print(d.decode(errors='replace').replace('\\n',' '),flush=True)\n",
    path,
  ]);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  return { child, lines: () => out.split("\n").filter((l) => l && l !== "bound") };
}
const receivers: ChildProcess[] = [];
afterEach(() => {
  for (const r of receivers.splice(0)) r.kill("SIGKILL");
});

/** systemd's expansion of `$VAR` unquoted in ExecStart: split on whitespace (systemd.service(5)). */
function execStart(unit: string, env: Record<string, string>): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)![1]!;
  return line.split(/\s+/).flatMap((w) => (/^\$[A-Z_]+$/.test(w) ? (env[w.slice(1)] ?? "").split(/\s+/).filter(Boolean) : [w]));
}

function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const l of text.split("\n")) {
    const m = /^([A-Z_]+)=(?:"(.*)"|(.*))$/.exec(l.trim());
    if (m) env[m[1]!] = m[2] ?? m[3] ?? "";
  }
  return env;
}

const conf = (dir: string) =>
  `vrrp_script chk {\n  script ${dir}/chk.sh\n  interval 1\n}\n` +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 71\n  priority 100\n  version 3\n  advert_int 0.1\n` +
  `  track_script {\n    chk\n  }\n  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;

describe("drop-in operations", () => {
  it.skipIf(!existsSync(UNIT))("runs under Debian's keepalived.service: its ExecStart and DAEMON_ARGS, Type=notify", async () => {
    const { lab, running } = newLab();
    const dir = lab.dir;
    writeFileSync(join(dir, "chk.sh"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, "chk.sh"), 0o755);
    writeFileSync(join(dir, "k.conf"), conf(dir));
    // What an operator's /etc/default/keepalived may hold, including flags with no meaning here.
    writeFileSync(
      join(dir, "default"),
      `# Options to pass to keepalived\nDAEMON_ARGS="-f ${dir}/k.conf -p ${dir}/k.pid -r ${dir}/v.pid -D -S 1 -R -V -X -a -m --no-mem-check --control=${dir}/c.sock -G -l -g${dir}/k.log"\n`,
    );
    const unit = readFileSync(UNIT, "utf8");
    expect(unit).toMatch(/^Type=notify$/m);
    const env = envFile(readFileSync(join(dir, "default"), "utf8"));
    const argv = execStart(unit, env);
    expect(argv.slice(0, 2)).toEqual(["/usr/sbin/keepalived", "--dont-fork"]);
    const notify = receiver(join(dir, "notify.sock"));
    receivers.push(notify.child);
    await waitFor("notify socket bound", () => existsSync(join(dir, "notify.sock")), 5000);
    const d = lab.spawn("a", BIN, argv.slice(1), { env: { ...process.env, NOTIFY_SOCKET: join(dir, "notify.sock") } });
    let out = "";
    d.stderr?.on("data", (b: Buffer) => (out += b.toString()));
    running.push({ kind: "tsvrrpd", router: "a", child: d, output: () => out });
    await waitFor("READY=1", () => notify.lines().includes("READY=1"), 10_000);
    await waitFor("master", () => lab.holders(VIP).join() === "a", 10_000);
    d.kill("SIGHUP");
    await waitFor("RELOADING=1 then READY=1", () => notify.lines().join(",") === "READY=1,RELOADING=1,READY=1", 10_000);
    d.kill("SIGTERM");
    await waitFor("exit", () => d.exitCode !== null, 10_000);
    expect(d.exitCode).toBe(0);
    expect(notify.lines()).toEqual(["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"]);
    expect(lab.holders(VIP)).toEqual([]);
    // -l: keepalived's console lines on stderr; -g: its file lines in FILE_vrrp (make_file_name).
    expect(out).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: \(VI_1\) Entering MASTER STATE$/m);
    expect(out).toMatch(/: option -R: tsvrrpd has no child process to respawn; not applicable, ignored/);
    expect(readFileSync(join(dir, "k_vrrp.log"), "utf8")).toMatch(
      /^\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{9} \d{4}: \(VI_1\) Entering MASTER STATE$/m,
    );
  });

  it("logs to syslog what keepalived logs, in its words, under its ident and facility (-S 3)", async () => {
    const seen: Record<Kind, string[]> = { keepalived: [], tsvrrpd: [] };
    for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
      const { lab, running } = newLab();
      const dir = lab.dir;
      writeFileSync(join(dir, "chk.sh"), `#!/bin/sh\n[ ! -e ${dir}/fail ]\n`);
      chmodSync(join(dir, "chk.sh"), 0o755);
      writeFileSync(join(dir, "k.conf"), conf(dir));
      const log = receiver(join(dir, "log.sock"));
      receivers.push(log.child);
      await waitFor("log socket bound", () => existsSync(join(dir, "log.sock")), 5000);
      // A private mount namespace whose /dev has the usual devices and log -> the receiver.
      writeFileSync(
        join(dir, "devlog.sh"),
        `set -e\nmkdir -p ${dir}/dev\nfor f in null zero random urandom full; do touch ${dir}/dev/$f; mount --bind /dev/$f ${dir}/dev/$f; done\n` +
          `ln -s ${dir}/log.sock ${dir}/dev/log\nmount --rbind ${dir}/dev /dev\nexec "$@"\n`,
      );
      const args =
        kind === "tsvrrpd"
          ? [BIN, "-n", "-S", "3", "-f", `${dir}/k.conf`, "-p", `${dir}/k.pid`, "--control", `${dir}/c.sock`]
          : ["keepalived", "-n", "-S", "3", "-f", `${dir}/k.conf`, "-p", `${dir}/k.pid`, "-r", `${dir}/v.pid`];
      const d = lab.spawn("a", "unshare", ["-m", "--propagation", "private", "sh", `${dir}/devlog.sh`, ...args]);
      let out = "";
      d.stderr?.on("data", (b: Buffer) => (out += b.toString()));
      running.push({ kind, router: "a", child: d, output: () => out + log.lines().join("\n") });
      const lines = () => log.lines();
      await waitFor(`${kind}: master`, () => lab.holders(VIP).join() === "a", 15_000);
      writeFileSync(join(dir, "fail"), "");
      await waitFor(`${kind}: FAULT`, () => lines().some((l) => l.includes("Entering FAULT STATE")), 10_000);
      rmSync(join(dir, "fail"));
      await waitFor(`${kind}: master again`, () => lines().filter((l) => l.includes("Entering MASTER STATE")).length === 2, 15_000);
      d.kill("SIGTERM");
      await waitFor(`${kind} stopped`, () => d.exitCode !== null || d.signalCode !== null, 10_000);
      // keepalived's parent logs as Keepalived, its VRRP child (and tsvrrpd) as Keepalived_vrrp.
      for (const l of lines())
        expect(l, "facility local3 with ident and pid").toMatch(/^<15[0-9]>\w{3} [ \d]\d \d\d:\d\d:\d\d Keepalived(_vrrp)?\[\d+\]: /);
      seen[kind] = lines()
        .filter((l) => / Keepalived_vrrp\[\d+\]: /.test(l))
        .map((l) => l.replace(/^<\d+>.{15} Keepalived_vrrp\[\d+\]: /, ""))
        .filter((l) => /Entering|VRRP_Script/.test(l));
    }
    // From the first MASTER on, the same lines in the same order.
    const fromMaster = (l: string[]) => l.slice(l.findIndex((x) => x.includes("Entering MASTER STATE")));
    expect(fromMaster(seen.tsvrrpd)).toEqual(fromMaster(seen.keepalived));
    expect(fromMaster(seen.tsvrrpd)).toEqual([
      "(VI_1) Entering MASTER STATE",
      "VRRP_Script(chk) failed (exited with status 1)",
      "(VI_1) Entering FAULT STATE",
      "VRRP_Script(chk) succeeded",
      "(VI_1) Entering BACKUP STATE",
      "(VI_1) Entering MASTER STATE",
    ]);
  });

  it("forked (no -n), it keeps logging: the detached daemon writes its -g file", async () => {
    const { lab } = newLab();
    const dir = lab.dir;
    writeFileSync(join(dir, "chk.sh"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, "chk.sh"), 0o755);
    writeFileSync(join(dir, "k.conf"), conf(dir));
    const pid = join(dir, "k.pid");
    lab.exec("a", BIN, ["-f", join(dir, "k.conf"), "-p", pid, "--control", join(dir, "c.sock"), "-G", `-g${dir}/k.log`]);
    try {
      await waitFor(
        "the forked daemon's log file",
        () => existsSync(join(dir, "k_vrrp.log")) && readFileSync(join(dir, "k_vrrp.log"), "utf8").includes("(VI_1) Entering MASTER STATE"),
        10_000,
      );
    } finally {
      // The detached daemon is not a child of the test: stop it through its pid file.
      if (existsSync(pid)) process.kill(Number(readFileSync(pid, "utf8").trim()), "SIGTERM");
      await waitFor("VIP released", () => lab.holders(VIP).length === 0, 10_000);
    }
  });
});
