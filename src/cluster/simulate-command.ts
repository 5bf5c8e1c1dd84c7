// `tsvrrpd simulate PATH... [--events "kill host1 @5s; heal @9s"] [--seed N] [--until 30s] [--json]`
// PATH as for check-cluster. Exit 0, or 2 on unreadable files, configuration errors or bad events.
import { asksHelp, CommandUsageError, usageLine } from "../cli-usage.js";
import { errorFields } from "../error-fields.js";
import { loadHosts } from "./command.js";
import { formatSimulation, parseEvents, simulate, type SimEvent } from "./simulate.js";

export const SIMULATE_USAGE = `usage: tsvrrpd simulate PATH... [--events "EVENT @TIME; ..."] [--seed N] [--until TIME] [--json]
Runs the files on a simulated LAN and prints the timeline. Exit 0, or 2 on unreadable files,
configuration errors, bad events or a usage error.
  PATH: keepalived.conf, a directory of *.conf, or FILE.env@NODE[,NODE...] (OpenShift)
  EVENT: kill HOST | stop HOST | start HOST | partition HOST[,HOST...] | heal | loss N%
         | check NAME fails|recovers on HOST | link IF down|up on HOST
  HOST: the file name without .conf, or the node address; TIME: 5s, 1500ms
`;

function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (!m) throw new Error(`${JSON.stringify(text)} is not a time (e.g. 30s, 1500ms)`);
  return Number(m[1]) * (m[2] === "ms" ? 1 : 1000);
}

export function simulateCommand(args: readonly string[]): number {
  if (asksHelp(args)) {
    process.stdout.write(SIMULATE_USAGE);
    return 0;
  }
  const paths: string[] = [];
  let events: SimEvent[] = [];
  let seed = 1;
  let until: number | undefined;
  let json = false;
  try {
    for (let i = 0; i < args.length; i++) {
      const eq = args[i]!.startsWith("--") ? args[i]!.indexOf("=") : -1;
      const a = eq > 0 ? args[i]!.slice(0, eq) : args[i]!;
      // The value: attached (--seed=3) or the next word, as the daemon's flags (cli-args.ts).
      const value = (): string => {
        const v = eq > 0 ? args[i]!.slice(eq + 1) : args[++i];
        if (v === undefined) throw new CommandUsageError(`Missing parameter for option ${a}`);
        return v;
      };
      if (a === "--json") json = true;
      else if (a === "--events") events = parseEvents(value());
      else if (a === "--seed") {
        const v = value();
        seed = Number(v);
        if (!/^\d+$/.test(v)) throw new CommandUsageError(`--seed takes an integer, got ${JSON.stringify(v)}`);
      } else if (a === "--until") until = duration(value());
      else if (a.startsWith("-")) throw new CommandUsageError(`Unknown option ${a}`);
      else paths.push(a);
    }
    if (paths.length === 0) throw new CommandUsageError("need at least one PATH");
  } catch (e) {
    process.stderr.write(usageLine("simulate", errorFields(e).err));
    return 2;
  }
  const { hosts, problems } = loadHosts(paths);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`tsvrrpd simulate: ${p.message}\n`);
    return 2;
  }
  const end = until ?? Math.max(10_000, (events.at(-1)?.at ?? 0) + 10_000);
  try {
    const result = simulate(hosts, events, seed, end);
    process.stdout.write(json ? JSON.stringify(result, null, 2) + "\n" : formatSimulation(result));
    return 0;
  } catch (e) {
    process.stderr.write(`tsvrrpd simulate: ${errorFields(e).err}\n`);
    return 2;
  }
}
