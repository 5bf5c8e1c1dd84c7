// An AgentX subagent of net-snmp's snmpd (RFC 2741), through the net-snmp npm package's AgentX
// codec: it registers the KEEPALIVED-MIB VRRP regions and the VRRPv3-MIB and answers Get, GetNext
// and GetBulk from a sorted snapshot (vrrp-mib.ts), built afresh for each request. keepalived's
// default `snmp_socket` is a unix socket, as is snmpd's. A lost master is retried every RETRY_MS,
// as keepalived's agentx ping does.
import type { Socket } from "node:net";
import * as snmp from "net-snmp";
import type { Logger } from "../operator/log.js";
import { compareOids, type SnmpType, type Varbind } from "./vrrp-mib.js";
import { errorFields } from "../error-fields.js";

export const RETRY_MS = 5000;
/** Notifications kept while the master is not (yet) reachable. */
export const MAX_QUEUED = 64;
/** How long one built view answers requests (snmpwalk sends one request per object). */
export const SNAPSHOT_MS = 100;
/**
 * Largest AgentX PDU taken from the master (header included); a header announcing more drops the
 * session (reconnected after RETRY_MS), before any of it is buffered. snmpd's requests carry at
 * most one SNMP message's varbinds (64 KiB over UDP, about 4 times that as AgentX OIDs).
 */
export const MAX_PDU_BYTES = 1 << 20;
/** GetBulk: max-repetitions is capped here, and a response holds at most MAX_BULK_VARBINDS (RFC 3416 4.2.3 allows fewer). */
export const MAX_REPETITIONS = 100;
export const MAX_BULK_VARBINDS = 2048;
/** PDUs the master should not send (or that do not parse) are logged at most once per this many ms, with a count. */
export const UNEXPECTED_LOG_MS = 10_000;
/** keepalived's default snmp_socket (net-snmp's default AgentX socket). */
export const DEFAULT_AGENTX_SOCKET = "unix:/var/agentx/master";

type Target = { readonly path: string } | { readonly host: string; readonly port: number };

/** keepalived snmp_socket / -A: `unix:PATH`, `/PATH`, `tcp:HOST:PORT`, `HOST:PORT` or `udp:` (refused). */
export function agentxTarget(spec: string): Target | string {
  if (spec.startsWith("unix:")) return { path: spec.slice(5) };
  if (spec.startsWith("/")) return { path: spec };
  const m = /^(?:tcp:)?(\[[^\]]+\]|[^:]+):(\d+)$/.exec(spec);
  if (m) return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
  return `unsupported AgentX socket ${JSON.stringify(spec)} (use unix:PATH or tcp:HOST:PORT)`;
}

const TYPES: Record<SnmpType, number> = {
  OctetString: snmp.ObjectType.OctetString,
  Integer: snmp.ObjectType.Integer,
  Gauge: snmp.ObjectType.Gauge,
  Counter: snmp.ObjectType.Counter,
  Counter64: snmp.ObjectType.Counter64,
  TimeTicks: snmp.ObjectType.TimeTicks,
  OID: snmp.ObjectType.OID,
};

interface NetSnmpVarbind {
  oid: string;
  type: number;
  value: unknown;
}

function toNetSnmp(v: Varbind): NetSnmpVarbind {
  return { oid: v.oid.join("."), type: TYPES[v.type], value: v.value };
}

// The package's AgentX codec writes an OCTET STRING with writeString (UTF-8, and the character
// count as the length), which garbles binary values such as addresses: write the bytes as given.
interface SmartBuffer {
  writeUInt32BE(n: number): void;
  writeBuffer(b: Buffer): void;
  writeUInt8(n: number): void;
}
(snmp.AgentXPdu as { writeOctetString: (buffer: SmartBuffer, s: Buffer | string) => void }).writeOctetString = (buffer, s) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, "utf8");
  buffer.writeUInt32BE(b.length);
  buffer.writeBuffer(b);
  for (let i = 0; i < (4 - (b.length % 4)) % 4; i++) buffer.writeUInt8(0);
};

/** RFC 2741 6.1: the PDU types a master sends a subagent. */
const PDU = { Get: 5, GetNext: 6, GetBulk: 7, TestSet: 8, CommitSet: 9, UndoSet: 10, CleanupSet: 11, Response: 18 } as const;

const parseOid = (s: string): number[] => s.split(".").map(Number);

interface AgentxPdu {
  searchRangeList: { start: string; end: string | null }[];
  nonRepeaters?: number;
  maxRepetitions?: number;
  getResponsePduForRequest(): unknown;
}

interface Subagent {
  socket: Socket;
  response(pdu: unknown): void;
  testSet(pdu: unknown): void;
  commitSet(pdu: unknown): void;
  undoSet(pdu: unknown): void;
  cleanupSet(pdu: unknown): void;
  open(cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
  registerProvider(p: unknown, cb: (err: Error | null) => void): void;
  notify(oid: string, varbinds: NetSnmpVarbind[], cb: (err: Error | null) => void): void;
  sendResponse(pdu: unknown, varbinds: NetSnmpVarbind[]): void;
  getRequest(pdu: AgentxPdu): void;
  getNextRequest(pdu: AgentxPdu): void;
  getBulkRequest(pdu: AgentxPdu): void;
  on(event: string, fn: (...a: unknown[]) => void): void;
}

export class VrrpSubagent {
  private agent?: Subagent;
  private retry?: NodeJS.Timeout;
  private closed = false;
  private ready = false;
  private queued: [string, NetSnmpVarbind[]][] = [];
  private readyWaiters: (() => void)[] = [];
  private cached?: { at: number; all: Varbind[] };
  private unexpected = { count: 0, lastLog: -Infinity };
  /** Requests answered and notifications sent (status, tests). */
  answered = 0;
  notified = 0;

  constructor(
    private readonly target: Target,
    private readonly regions: readonly (readonly number[])[],
    private readonly snapshot: () => Varbind[],
    private readonly log: Logger,
  ) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  get connected(): boolean {
    return this.ready;
  }

  /**
   * Sends a notification through the master (snmpd turns it into traps/informs). Until the session
   * is registered they wait, in order, up to MAX_QUEUED (the oldest are dropped beyond that).
   */
  notify(oid: readonly number[], varbinds: readonly Varbind[]): void {
    if (!this.agent || !this.ready) {
      this.queued.push([oid.join("."), varbinds.map(toNetSnmp)]);
      if (this.queued.length > MAX_QUEUED) this.queued.shift();
      return;
    }
    this.send(oid.join("."), varbinds.map(toNetSnmp));
  }

  /** Resolves once registered, or after `ms` (start-up waits this long, as keepalived connects first). */
  whenReady(ms: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private send(oid: string, varbinds: NetSnmpVarbind[]): void {
    this.notified++;
    this.agent?.notify(oid, varbinds, (err) => {
      if (err) this.log.warn({ err: err.message }, "SNMP notification not accepted by the AgentX master");
    });
  }

  stop(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const a = this.agent;
    this.agent = undefined;
    this.ready = false;
    if (a) {
      try {
        // end(), not destroy(): the STOP notifications queued just before must still leave.
        a.socket.end();
      } catch {
        /* already closed */
      }
    }
  }

  private connect(): void {
    const target = this.target;
    // The package connects at creation with socket.connect(masterPort, master): a path as the
    // "port" makes Node connect to that unix socket (keepalived's default transport).
    const agent = snmp.createSubagent({
      description: "tsvrrpd VRRP (KEEPALIVED-MIB, VRRPv3-MIB)",
      ...("path" in target ? { masterPort: target.path as unknown as number } : { master: target.host, masterPort: target.port }),
    }) as Subagent;
    this.agent = agent;
    // The package parses one PDU per 'data' event; several PDUs in one read (three Register
    // responses, a response and a request) lost all but the first. Frame the stream here: the
    // AgentX header is 20 bytes, payload_length at offset 16 in the byte order flag 0x10 says.
    // Chunks are kept as a list until a whole PDU is in (no copy per chunk), and a PDU announced
    // above MAX_PDU_BYTES drops the session at its header: memory never follows the peer's claim.
    let chunks: Buffer[] = [];
    let buffered = 0;
    agent.socket.removeAllListeners("data");
    agent.socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      while (buffered >= 20) {
        if (chunks[0]!.length < 20) chunks = [Buffer.concat(chunks)];
        const head = chunks[0]!;
        const big = (head[2]! & 0x10) !== 0;
        const len = 20 + (big ? head.readUInt32BE(16) : head.readUInt32LE(16));
        if (len > MAX_PDU_BYTES) {
          chunks = [];
          buffered = 0;
          this.log.error(
            { bytes: len, limit: MAX_PDU_BYTES },
            `AgentX master announced a PDU of ${len} bytes, above the ${MAX_PDU_BYTES} limit; session dropped`,
          );
          return this.lost(agent, "oversized PDU");
        }
        if (buffered < len) break;
        const all = chunks.length === 1 ? head : Buffer.concat(chunks);
        const pdu = all.subarray(0, len);
        chunks = all.length > len ? [all.subarray(len)] : [];
        buffered -= len;
        this.dispatch(agent, pdu);
      }
    });
    agent.getRequest = (pdu) => this.answer(agent, pdu, "get");
    agent.getNextRequest = (pdu) => this.answer(agent, pdu, "next");
    agent.getBulkRequest = (pdu) => this.answer(agent, pdu, "bulk");
    agent.on("error", (e) => this.lost(agent, errorFields(e).err));
    agent.on("close", () => this.lost(agent, "connection closed"));
    agent.open((err) => {
      if (err) return this.lost(agent, err.message);
      let pending = this.regions.length;
      for (const region of this.regions) {
        const provider = {
          name: region.join("."),
          type: snmp.MibProviderType.Scalar,
          oid: region.join("."),
          scalarType: snmp.ObjectType.Integer,
          maxAccess: snmp.MaxAccess["read-only"],
        };
        agent.registerProvider(provider, (e) => {
          if (e)
            this.log.error(
              { region: region.join("."), err: e.message },
              "AgentX master refused a registration; that MIB region is not served",
            );
          if (--pending === 0) {
            this.ready = true;
            for (const [oid, vbs] of this.queued.splice(0)) this.send(oid, vbs);
            for (const w of this.readyWaiters.splice(0)) w();
            this.log.info({ master: "path" in target ? target.path : `${target.host}:${target.port}` }, "SNMP AgentX subagent registered");
          }
        });
      }
    });
  }

  /**
   * One PDU from the master, by type (the package's onMsg, which prints every failure with
   * console.error): requests are answered, responses matched, anything else counted and logged
   * at most once per UNEXPECTED_LOG_MS.
   */
  private dispatch(agent: Subagent, buf: Buffer): void {
    try {
      const pdu = (snmp.AgentXPdu as { createFromBuffer(b: Buffer): AgentxPdu & { pduType: number } }).createFromBuffer(buf);
      switch (pdu.pduType) {
        case PDU.Response:
          return agent.response(pdu);
        case PDU.Get:
          return this.answer(agent, pdu, "get");
        case PDU.GetNext:
          return this.answer(agent, pdu, "next");
        case PDU.GetBulk:
          return this.answer(agent, pdu, "bulk");
        case PDU.TestSet:
          return agent.testSet(pdu);
        case PDU.CommitSet:
          return agent.commitSet(pdu);
        case PDU.UndoSet:
          return agent.undoSet(pdu);
        case PDU.CleanupSet:
          return agent.cleanupSet(pdu);
        default:
          throw new Error(`unexpected PDU type ${pdu.pduType}`);
      }
    } catch (e) {
      this.unexpected.count++;
      const now = performance.now();
      if (now - this.unexpected.lastLog < UNEXPECTED_LOG_MS) return;
      this.unexpected.lastLog = now;
      this.log.warn(
        { ...errorFields(e), type: buf[1], unexpectedSoFar: this.unexpected.count },
        `AgentX PDU from the master not understood (${errorFields(e).err}); ignored (logged at most every ${UNEXPECTED_LOG_MS / 1000} s)`,
      );
    }
  }

  private lost(agent: Subagent, why: string): void {
    if (agent !== this.agent || this.closed) return;
    this.ready = false;
    this.agent = undefined;
    try {
      agent.socket.destroy();
    } catch {
      /* already closed */
    }
    this.log.warn({ why, retryMs: RETRY_MS }, `SNMP AgentX master not reachable (${why}); retrying in ${RETRY_MS / 1000} s`);
    this.retry = setTimeout(() => this.connect(), RETRY_MS);
    this.retry.unref();
  }

  private answer(agent: Subagent, pdu: AgentxPdu, kind: "get" | "next" | "bulk"): void {
    // A walk is one request per object: the view is built once per SNAPSHOT_MS, not per request.
    const now = performance.now();
    if (!this.cached || now - this.cached.at > SNAPSHOT_MS) this.cached = { at: now, all: this.snapshot() };
    const all = this.cached.all;
    /** Index of the first object at or after `oid` (the list is sorted). */
    const seek = (oid: readonly number[], after: boolean): number => {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const c = compareOids(all[mid]!.oid, oid);
        if (c < 0 || (after && c === 0)) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const within = (oid: readonly number[]) => this.regions.some((r) => r.every((x, i) => oid[i] === x));
    const next = (start: readonly number[], end: readonly number[] | undefined): NetSnmpVarbind => {
      const v = all[seek(start, true)];
      if (!v || (end && compareOids(v.oid, end) >= 0)) return { oid: start.join("."), type: snmp.ObjectType.EndOfMibView, value: null };
      return toNetSnmp(v);
    };
    const out: NetSnmpVarbind[] = [];
    const ranges = pdu.searchRangeList;
    if (kind === "get") {
      for (const r of ranges) {
        const oid = parseOid(r.start);
        const at = all[seek(oid, false)];
        const v = at && compareOids(at.oid, oid) === 0 ? at : undefined;
        out.push(
          v
            ? toNetSnmp(v)
            : { oid: r.start, type: within(oid) ? snmp.ObjectType.NoSuchInstance : snmp.ObjectType.NoSuchObject, value: null },
        );
      }
    } else if (kind === "next") {
      for (const r of ranges) out.push(next(parseOid(r.start), r.end ? parseOid(r.end) : undefined));
    } else {
      const nonRep = pdu.nonRepeaters ?? 0;
      for (let i = 0; i < nonRep && i < ranges.length; i++)
        out.push(next(parseOid(ranges[i]!.start), ranges[i]!.end ? parseOid(ranges[i]!.end!) : undefined));
      const reps = ranges.slice(nonRep).map((r) => ({ at: parseOid(r.start), end: r.end ? parseOid(r.end) : undefined, done: false }));
      const repetitions = Math.min(pdu.maxRepetitions ?? 1, MAX_REPETITIONS);
      for (let n = 0; n < repetitions && reps.some((r) => !r.done); n++) {
        for (const r of reps) {
          if (r.done || out.length >= MAX_BULK_VARBINDS) continue;
          const v = next(r.at, r.end);
          out.push(v);
          if (v.type === snmp.ObjectType.EndOfMibView) r.done = true;
          else r.at = parseOid(v.oid);
        }
      }
    }
    this.answered++;
    agent.sendResponse(pdu.getResponsePduForRequest(), out);
  }
}
