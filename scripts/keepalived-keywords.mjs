#!/usr/bin/env node
// Lists the VRRP-related keywords a keepalived source tree installs (install_keyword_root /
// install_keyword / install_sublevel in vrrp_parser.c, the global_defs keywords of
// global_parser.c, and the track_file parser), as JSON [{ context, keyword }].
// Usage: node scripts/keepalived-keywords.mjs KEEPALIVED_SRC > test/fixtures/keepalived-2.2.7-keywords.json
// (the checked-in list was made from `git archive v2.2.7` of acassen/keepalived).
import { readFileSync } from "node:fs";
import { join } from "node:path";

const src = process.argv[2];
if (!src) {
  console.error("usage: keepalived-keywords.mjs KEEPALIVED_SRC");
  process.exit(2);
}

function scan(file, rootFilter) {
  const text = readFileSync(join(src, file), "utf8");
  const out = [];
  let root;
  const stack = [];
  let last;
  for (const line of text.split("\n")) {
    let m;
    if ((m = /install_keyword_root\("([^"]+)"/.exec(line))) {
      root = m[1];
      stack.length = 0;
      last = undefined;
      if (!rootFilter || rootFilter(root)) out.push({ context: "top", keyword: root });
    } else if ((m = /install_keyword\("([^"]+)"/.exec(line))) {
      if (!root || (rootFilter && !rootFilter(root))) continue;
      out.push({ context: [root, ...stack].join(" > "), keyword: m[1] });
      last = m[1];
    } else if (/install_sublevel\(\)/.test(line)) {
      if (last) stack.push(last);
    } else if (/install_sublevel_end\(\)/.test(line)) {
      stack.pop();
    }
  }
  return out;
}

const vrrpRoots = (r) => !["virtual_server", "virtual_server_group"].includes(r);
const all = [
  ...scan("keepalived/vrrp/vrrp_parser.c", vrrpRoots),
  ...scan("keepalived/core/global_parser.c", (r) => r === "global_defs").filter(
    (k) =>
      k.context === "top" ||
      /vrrp|garp|gna|script|notify_fifo|router_id|dynamic_interfaces|lower_prio|higher_prio|enable_snmp|snmp|dbus|max_auto_priority|random_seed|no_checker|checker_log/.test(
        k.keyword,
      ),
  ),
];
try {
  all.push(...scan("keepalived/trackers/track_file.c"));
} catch {
  // older trees keep track_file in vrrp_parser.c
}
const seen = new Set();
const unique = all.filter((k) => {
  const key = `${k.context}|${k.keyword}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
});
process.stdout.write(JSON.stringify(unique, null, 1) + "\n");
