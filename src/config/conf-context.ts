// The parser's context: diagnostics with file:line, value helpers, and the keyword table's gate.
import type { Statement } from "./conf-syntax.js";
import type { Diagnostic, DiagnosticCode, Location } from "./errors.js";
import { keywordInfo } from "./keywords.js";
import type { Family } from "../vrrp/address.js";

/** keepalived 2.2.7 vrrp_iprule.c alloc_rule: rules without a preference count down from RULE_START_PRIORITY (16384), per family. */
export class RulePriorities {
  private next = { 4: 16384, 6: 16384 };
  take(family: Family): number {
    return this.next[family]--;
  }
}

export class Ctx {
  readonly diags: Diagnostic[];
  /** Preferences for rules written without one, counted over the whole file (keepalived). */
  readonly rulePriorities = new RulePriorities();
  constructor(diags: Diagnostic[]) {
    this.diags = diags;
  }
  error(where: Location, code: DiagnosticCode, message: string): void {
    this.diags.push({ severity: "error", code, where, message });
  }
  warn(where: Location, code: DiagnosticCode, message: string): void {
    this.diags.push({ severity: "warning", code, where, message });
  }
  unknown(s: Statement, section: string): void {
    this.warn(s.where, "UNKNOWN_KEYWORD", `unknown keyword '${s.keyword}' in ${section}; ignored`);
  }
  /**
   * The keyword table's verdict (keywords.ts). True when the statement is dealt with here:
   * unknown (warning), unsupported (warning), refused (error) or accepted without effect.
   */
  gate(s: Statement, context: string, label = context): boolean {
    const k = keywordInfo(context, s.keyword);
    if (!k) {
      this.unknown(s, label);
      return true;
    }
    if (k.status === "unsupported") {
      this.warn(s.where, "UNSUPPORTED", `'${s.keyword}' is not supported by tsvrrpd: ${k.note}; ignored`);
      return true;
    }
    if (k.status === "refused") {
      this.error(s.where, "REFUSED", `'${s.keyword}' is not supported by tsvrrpd and cannot be ignored safely: ${k.note}`);
      return true;
    }
    return k.noEffect === true;
  }
  /** A table keyword with no handler: a bug in tsvrrpd, reported rather than dropped. */
  unhandled(s: Statement, context: string): void {
    this.warn(s.where, "UNHANDLED", `'${s.keyword}' in ${context} is listed as implemented but has no handler (tsvrrpd bug); ignored`);
  }
  arg(s: Statement, what: string): string | undefined {
    const v = s.args[0];
    if (v === undefined) this.error(s.where, "MISSING_VALUE", `'${s.keyword}' needs ${what}`);
    return v;
  }
  int(s: Statement, min: number, max: number, index = 0): number | undefined {
    const v = s.args[index];
    if (v === undefined || !/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.error(
        s.where,
        "BAD_VALUE",
        `'${s.keyword}' expects an integer ${min}..${max}, got ${v === undefined ? "nothing" : JSON.stringify(v)}`,
      );
      return undefined;
    }
    return Number(v);
  }
  /**
   * `weight N [reverse]` in a track_file or vrrp_track_process block (keepalived
   * track_file_weight_handler, vrrp_tprocess_weight_handler): -254..254; another word after the
   * number is warned about and ignored.
   */
  weight(s: Statement, label: string): { weight: number; reverse: boolean } | undefined {
    const weight = this.int(s, -254, 254);
    if (weight === undefined) return undefined;
    const next = s.args[1];
    if (next !== undefined && next !== "reverse")
      this.warn(s.where, "BAD_VALUE", `${label}: unknown weight option ${JSON.stringify(next)}; ignored`);
    return { weight, reverse: next === "reverse" };
  }
  /** keepalived check_true_false: bare = true; true/on/yes, false/off/no. */
  bool(s: Statement): boolean | undefined {
    const v = s.args[0];
    if (v === undefined || /^(true|on|yes)$/i.test(v)) return true;
    if (/^(false|off|no)$/i.test(v)) return false;
    this.error(s.where, "BAD_VALUE", `'${s.keyword}' expects true or false, got ${JSON.stringify(v)}`);
    return undefined;
  }
  num(s: Statement, min: number, max: number, index = 0): number | undefined {
    const v = s.args[index];
    if (v === undefined || !/^\d+(\.\d+)?$|^\.\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.error(
        s.where,
        "BAD_VALUE",
        `'${s.keyword}' expects a number ${min}..${max}, got ${v === undefined ? "nothing" : JSON.stringify(v)}`,
      );
      return undefined;
    }
    return Number(v);
  }
}
