// A ConfigMap or Secret volume as kubelet lays it out and updates it (pkg/volume/util/
// atomic_writer.go): the files live in a timestamped directory, `..data` points at it, and each
// key is a symlink `NAME -> ..data/NAME`. An update writes a new timestamped directory, points
// `..data_tmp` at it, renames `..data_tmp` over `..data` (the atomic step) and removes the old one.
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

let seq = 0;

export function kubeletWrite(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  const ts = `..2026_12_07_03_00_${String(seq++).padStart(2, "0")}.${process.pid}`;
  mkdirSync(join(dir, ts), { mode: 0o755 });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ts, name), text, { mode: 0o644 });
  const data = join(dir, "..data");
  const old = existsSync(data) ? readlinkSync(data) : undefined;
  symlinkSync(ts, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), data);
  for (const name of Object.keys(files)) if (!existsSync(join(dir, name))) symlinkSync(join("..data", name), join(dir, name));
  if (old) rmSync(join(dir, old), { recursive: true, force: true });
}
