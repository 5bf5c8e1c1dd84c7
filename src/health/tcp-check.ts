// TCP-port check: a connect that succeeds within the timeout is healthy. Port 0: always healthy.
import { connect } from "node:net";

export interface TcpCheckResult {
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

export function tcpCheck(host: string, port: number, timeoutMs: number): Promise<TcpCheckResult> {
  if (port === 0) return Promise.resolve({ ok: true, ms: 0 });
  const started = Date.now();
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean, error?: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(error ? { ok, ms: Date.now() - started, error } : { ok, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false, `no connection within ${timeoutMs} ms`), timeoutMs);
    sock.once("connect", () => done(true));
    sock.once("error", (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
  });
}
