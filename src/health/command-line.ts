// Splits a keepalived script line into argv the way keepalived does: words separated by blanks,
// "double" and 'single' quotes group, backslash escapes the next character. No shell is involved.

export class CommandLineError extends Error {
  readonly code = "BAD_COMMAND_LINE";
  constructor(
    readonly line: string,
    reason: string,
  ) {
    super(`cannot split command ${JSON.stringify(line)}: ${reason}`);
    this.name = "CommandLineError";
  }
}

export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new CommandLineError(line, `unterminated ${quote} quote`);
  if (inWord) out.push(cur);
  if (out.length === 0) throw new CommandLineError(line, "empty command");
  return out;
}
