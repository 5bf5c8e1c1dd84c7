// The AgentX subagent against a hostile master: a fake master on a real unix socket, speaking
// RFC 2741 bytes. A header announcing 8 MiB drops the session at once (nothing of it is buffered),
// the next session registers and answers; GetBulk is capped; PDUs a master should not send are
// logged once per window, never through console.error.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { MAX_BULK_VARBINDS, MAX_PDU_BYTES, MAX_REPETITIONS, RETRY_MS, VrrpSubagent } from "../../src/snmp/agentx.js";
import type { Varbind } from "../../src/snmp/vrrp-mib.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-agentx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REGION = [1, 3, 6, 1, 4, 1, 99999, 1];
const OBJECTS: Varbind[] = Array.from({ length: 500 }, (_, i) => ({ oid: [...REGION, 1, i + 1], type: "Integer", value: i + 1 }));
const T = { Open: 1, Register: 3, Get: 5, GetBulk: 7, Ping: 13, Response: 18 };

function header(type: number, session: number, packet: number, payload: number): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt8(1, 0);
  h.writeUInt8(type, 1);
  h.writeUInt8(0x10, 2); // NETWORK_BYTE_ORDER
  h.writeUInt32BE(session, 4);
  h.writeUInt32BE(packet, 12);
  h.writeUInt32BE(payload, 16);
  return h;
}

function pdu(type: number, session: number, packet: number, payload: Buffer): Buffer {
  return Buffer.concat([header(type, session, packet, payload.length), payload]);
}

function oid(o: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * o.length);
  b.writeUInt8(o.length, 0);
  o.forEach((x, i) => b.writeUInt32BE(x, 4 + 4 * i));
  return b;
}

const range = (start: readonly number[]) => Buffer.concat([oid(start), oid([])]);
const response = (session: number, packet: number) => pdu(T.Response, session, packet, Buffer.alloc(8));

interface Got {
  type: number;
  packet: number;
  payload: Buffer;
}

/** The varbinds of a Response payload (after sysUpTime, error, index): [type, value] pairs. */
function varbinds(payload: Buffer): [number, number | null][] {
  const out: [number, number | null][] = [];
  let at = 8;
  while (at < payload.length) {
    const type = payload.readUInt16BE(at);
    at += 4;
    at += 4 + 4 * payload.readUInt8(at);
    if (type === 2 || type === 65 || type === 66 || type === 67) {
      out.push([type, payload.readUInt32BE(at)]);
      at += 4;
    } else if (type >= 128) out.push([type, null]);
    else throw new Error(`type ${type} not expected in this test`);
  }
  return out;
}

/** A fake master: per connection, frames PDUs and hands them to `session`. */
function fakeMaster(path: string, session: (n: number, s: Socket, received: Got[]) => void): { server: Server; current: () => Socket } {
  let n = 0;
  let last: Socket | undefined;
  const server = createServer((s) => {
    last = s;
    const received: Got[] = [];
    const me = ++n;
    let buf = Buffer.alloc(0);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 20 && buf.length >= 20 + buf.readUInt32BE(16)) {
        const len = 20 + buf.readUInt32BE(16);
        received.push({ type: buf[1]!, packet: buf.readUInt32BE(12), payload: buf.subarray(20, len) });
        buf = buf.subarray(len);
      }
      session(me, s, received);
    });
    s.on("error", () => {});
  });
  server.listen(path);
  return { server, current: () => last! };
}

describe("AgentX input limits", () => {
  it("drops a session announcing an 8 MiB PDU at its header, then serves the next session; GetBulk capped, junk logged once", async () => {
    const path = join(dir, "master");
    const lines: string[] = [];
    const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    const claimed = 8 << 20;
    let sent = 0;
    let firstClosed = false;
    const answers: Got[] = [];
    const SESSION = 7;
    const { server, current } = fakeMaster(path, (n, s, received) => {
      if (n === 1) {
        if (received.length !== 1 || sent > 0) return;
        // A Get announcing 8 MiB, then junk 64 KiB at a time for as long as the subagent reads.
        s.write(header(T.Get, SESSION, 1, claimed));
        const chunk = Buffer.alloc(64 * 1024, 0xab);
        const pump = (): void => {
          while (!s.destroyed && sent < claimed) {
            sent += chunk.length;
            if (!s.write(chunk)) return void s.once("drain", pump);
          }
        };
        s.on("close", () => (firstClosed = true));
        pump();
        return;
      }
      for (const g of received.splice(0)) {
        if (g.type === T.Open || g.type === T.Register) s.write(response(SESSION, g.packet));
        else if (g.type === T.Response) answers.push(g);
      }
    });
    const agent = new VrrpSubagent({ path }, [REGION], () => OBJECTS, log);
    try {
      agent.start();
      await waitFor("the first session dropped", () => firstClosed, 5000);
      expect(sent, "bytes the master got to send before the drop").toBeLessThan(claimed / 2);
      expect(lines.join("")).toContain(`above the ${MAX_PDU_BYTES} limit; session dropped`);

      await waitFor("a second session registered", () => agent.connected, RETRY_MS + 5000);
      const conn = current();
      // 50 PDUs a master never sends and a response to nothing: one log line, no console.error.
      for (let i = 0; i < 50; i++) conn.write(pdu(T.Ping, SESSION, 100 + i, Buffer.alloc(0)));
      conn.write(response(SESSION, 9999));
      conn.write(pdu(T.Get, SESSION, 200, range(OBJECTS[41]!.oid)));
      const bulk = Buffer.alloc(4);
      bulk.writeUInt16BE(0, 0);
      bulk.writeUInt16BE(65535, 2);
      conn.write(pdu(T.GetBulk, SESSION, 201, Buffer.concat([bulk, range(REGION)])));
      // 30 repeaters of 100 each would be 3,000 varbinds: the response stops at MAX_BULK_VARBINDS.
      const ranges = Array.from({ length: 30 }, () => range(REGION));
      conn.write(pdu(T.GetBulk, SESSION, 202, Buffer.concat([bulk, ...ranges])));
      await waitFor("the Get and both GetBulks answered", () => answers.length >= 3, 5000);
      const get = answers.find((a) => a.packet === 200)!;
      expect(varbinds(get.payload)).toEqual([[2, 42]]);
      const bulkAnswer = varbinds(answers.find((a) => a.packet === 201)!.payload);
      expect(bulkAnswer).toHaveLength(MAX_REPETITIONS);
      expect(bulkAnswer[0]).toEqual([2, 1]);
      const wide = varbinds(answers.find((a) => a.packet === 202)!.payload);
      expect(wide).toHaveLength(MAX_BULK_VARBINDS);
      expect(wide.slice(0, 30), "the first repetition: each repeater's first object").toEqual(Array(30).fill([2, 1]));
      const junkLines = lines.filter((l) => l.includes("not understood"));
      expect(junkLines, "log lines for 51 unexpected PDUs").toHaveLength(1);
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      agent.stop();
      consoleError.mockRestore();
      await new Promise((r) => server.close(r));
    }
  }, 30_000);
});
