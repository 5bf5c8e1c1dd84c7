// Every keepalived.conf keyword tsvrrpd knows, with what it does with it: the single source of
// truth for the parser's gate and for docs/keywords.md (generated: `node scripts/keywords-doc.mjs`,
// checked by test/config/keywords.test.ts against keepalived 2.2.7's VRRP keyword list).
// Rule (modelled on keepalived's install_keyword tables): a keyword that would make a mixed
// cluster disagree on who is master, or change what goes on the wire, is implemented or refused;
// anything else that is not implemented warns with file:line. Nothing is parsed and dropped.

export type KeywordStatus =
  /** Implemented with keepalived's meaning. */
  | "keepalived"
  /** Implemented with a documented difference (the note says which). */
  | "difference"
  /** Not supported: warning with file:line, ignored (the note says why that is safe). */
  | "unsupported"
  /** Not supported and not safe to ignore: error with file:line. */
  | "refused";

export interface KeywordInfo {
  readonly context: string;
  readonly keyword: string;
  readonly status: KeywordStatus;
  readonly note?: string;
  /** Accepted and deliberately without effect (the parser has no handler for it). */
  readonly noEffect?: true;
}

const HEAL_DEFAULT = "on by default (keepalived: off), so a split brain heals for clients without tuning; `false` turns it off";
const LOWER_PRIO_GAP = "at most one burst per second per instance (keepalived sends one per lower-priority advert)";

const K = (context: string, status: KeywordStatus, keywords: string, note?: string, noEffect = false): KeywordInfo[] =>
  keywords
    .split(/\s+/)
    .filter(Boolean)
    .map((keyword) => ({
      context,
      keyword,
      status,
      ...(note ? { note } : {}),
      ...(noEffect || note === NO_EFFECT || note === NO_MAIL || note === ALWAYS ? { noEffect: true as const } : {}),
    }));

const NO_EFFECT = "accepted with no effect: it tunes keepalived's own process, which tsvrrpd does not have";
const NO_MAIL = "accepted with no effect: tsvrrpd sends no email (use notify scripts)";
const ALWAYS = "adverts whose address list differs are always accepted and counted (keepalived >= 2.3.3)";
const ROUTES_NOTE =
  "keepalived's `ip route`/`ip rule` options (with nexthop, and the deprecated `or` read as nexthop) except metrics (mtu, window, ...), encap, realms, uidrange and ports, which are errors (track_group only in static ones, as keepalived); a tracked one deleted by hand is put back (keepalived: the instance goes to BACKUP)";
const PROCESS_NOTE =
  "as keepalived (netlink process connector); where the connector is unavailable /proc is scanned every 250 ms instead, so a start or exit is seen up to 250 ms later";
const FIREWALL =
  "as keepalived 2.2.7 (strict checks and messages; a non-owner master without accept mode drops traffic to and from its VIPs with keepalived's nftables table); differences: the rules are written by the nft CLI (/usr/sbin/nft), and a table name must be an nft identifier";
const NO_BFD = "BFD is not implemented yet (it comes later); track_bfd changes the election, so it is refused rather than ignored";

export const KEYWORDS: readonly KeywordInfo[] = [
  // --- top level ---------------------------------------------------------------------------------
  ...K("top", "keepalived", "global_defs vrrp_instance vrrp_script vrrp_sync_group"),
  ...K(
    "top",
    "unsupported",
    "static_ipaddress",
    "addresses outside VRRP are not managed; a line's `dev IF track_group G` is still followed (G's instances track IF)",
  ),
  ...K("top", "difference", "static_routes static_rules", ROUTES_NOTE),
  ...K("top", "unsupported", "virtual_server virtual_server_group", "LVS is keepalived's checker side, not VRRP"),
  ...K("top", "unsupported", "linkbeat_interfaces", "links are watched through netlink events"),
  // keepalived 2.2.7 core/global_parser.c install_keyword_root: settings of keepalived's own process.
  ...K(
    "top",
    "difference",
    "net_namespace",
    "as keepalived (the daemon enters /run/netns/NAME before opening any socket; -s NAME overrides it; the default pid file is /run/keepalived/NAME/keepalived.pid, the control socket derived from it and the namespace); differences: no mount namespace (keepalived bind-mounts /run/keepalived/NAME over its pid directory; tsvrrpd writes that path directly), the syslog ident stays, and track_process scans /proc instead of taking process events (the kernel's process connector serves the initial namespace only; keepalived opens it before setns)",
  ),
  ...K("top", "unsupported", "net_namespace_ipvs namespace_with_ipsets", "LVS and ipsets are not managed"),
  ...K("top", "difference", "instance use_pid_dir child_wait_time", NO_EFFECT),
  ...K("top", "difference", "linkbeat_use_polling", "links are always watched through netlink events", true),
  ...K("top", "keepalived", "track_group"),
  ...K(
    "top",
    "difference",
    "interface_up_down_delays",
    "as keepalived (a link change waits for the delay, dropped if the link flips back; limited below (down_timer_adverts - 1) adverts); the limit is not lowered again when a VRRPv3 master advertises a shorter interval",
  ),
  ...K(
    "top",
    "difference",
    "garp_group",
    "the named interfaces take the group's GARP/NA spacing instead of global_defs vrrp_garp_interval / vrrp_gna_interval; a group without an interval is removed with keepalived's warning",
  ),
  ...K("top", "difference", "vrrp_track_process", PROCESS_NOTE),
  ...K("top", "keepalived", "track_file vrrp_track_file"),
  ...K("track_group", "keepalived", "group"),
  ...K(
    "garp_group",
    "difference",
    "garp_interval gna_interval",
    "one spacing per interface, the larger of the two, between rounds of gratuitous ARP and unsolicited NA (keepalived spaces ARP and NA frames separately); every vrrp_garp_master_repeat round is sent, where keepalived 2.2.7 collapses the queued repeats of an address into one (vrrp_arp.c queue_garp: a per-address pending flag), measured: 2 ARPs for repeat 5; a burst asked for while rounds are still pending raises them to its own count instead of adding its rounds (keepalived's garp_gna_pending), and leaving MASTER cancels them",
  ),
  ...K("garp_group", "keepalived", "interface interfaces"),
  ...K("vrrp_track_process", "keepalived", "process param_match weight quorum quorum_max delay terminate_delay fork_delay full_command"),
  ...K("track_file", "keepalived", "file weight init_file"),
  ...K("vrrp_track_file", "keepalived", "file weight init_file"),

  // --- global_defs -------------------------------------------------------------------------------
  ...K(
    "global_defs",
    "keepalived",
    "router_id vrrp_version vrrp_check_unicast_src vrrp_garp_master_delay vrrp_garp_master_repeat vrrp_garp_master_refresh vrrp_garp_master_refresh_repeat vrrp_min_garp vrrp_down_timer_adverts vrrp_lower_prio_no_advert vrrp_startup_delay",
  ),
  ...K(
    "global_defs",
    "difference",
    "script_user enable_script_security",
    "stricter: notify scripts pass the same checks as check scripts, and a world-writable script is always refused",
  ),
  ...K("global_defs", "difference", "vrrp_skip_check_adv_addr", ALWAYS),
  ...K(
    "global_defs",
    "difference",
    "vrrp_garp_interval vrrp_gna_interval",
    "one spacing, the larger of the two, between rounds of gratuitous ARP and unsolicited NA (keepalived spaces them separately)",
  ),
  ...K("global_defs", "difference", "dynamic_interfaces", "always on: a missing interface is waited for", true),
  ...K(
    "global_defs",
    "difference",
    "vrrp_priority",
    "the nice value of the event loop's thread, which runs every instance (Linux nice is per thread); V8's worker thread keeps its own",
  ),
  ...K("global_defs", "keepalived", "vrrp_no_swap"),
  ...K(
    "global_defs",
    "difference",
    "vrrp_rt_priority",
    "SCHED_RR for the event loop's thread, which runs every instance; V8's worker thread stays a normal task",
  ),
  ...K(
    "global_defs",
    "difference",
    "vrrp_rlimit_rttime vrrp_rlimit_rtime",
    "half of it is RLIMIT_RTTIME's soft limit, as keepalived sets it, and running past it is logged (SIGXCPU); the hard limit that would kill the daemon is not lowered, because start-up and reload can compile and collect for longer than keepalived's default 10 ms without blocking",
  ),
  ...K(
    "global_defs",
    "difference",
    "max_auto_priority vrrp_cpu_affinity checker_priority checker_no_swap vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier random_seed",
    NO_EFFECT,
  ),
  ...K(
    "global_defs",
    "difference",
    "notification_email notification_email_from smtp_server smtp_connect_timeout smtp_alert_vrrp no_checker_emails checker_log_all_failures lvs_flush",
    NO_MAIL,
  ),
  ...K("global_defs", "difference", "http_listen", "tsvrrpd's own: ADDR:PORT for /metrics, /healthz and /status"),
  ...K("global_defs", "unsupported", "vrrp_process_name", "process management is left to the service manager"),
  ...K(
    "global_defs",
    "difference",
    "startup_script shutdown_script",
    "as keepalived: run once before VRRP starts / after its VIPs are removed at stop, not on reload; stricter: the script gate of notify scripts",
  ),
  ...K(
    "global_defs",
    "keepalived",
    "startup_script_timeout shutdown_script_timeout",
    "1..1000 s, default 10; then SIGTERM, SIGKILL 2 s later",
  ),
  ...K("global_defs", "difference", "vrrp_strict nftables nftables_priority nftables_ifindex nftables_counters", FIREWALL),
  ...K(
    "global_defs",
    "difference",
    "vrrp_iptables",
    `as Debian's keepalived 2.2.7 (built with nftables): warned, and read as \`nftables\`; ${FIREWALL}`,
  ),
  ...K(
    "global_defs",
    "unsupported",
    "vrrp_ipsets",
    "Debian's keepalived 2.2.7 (nftables, no libipset) does not know it either; use `nftables`",
  ),
  ...K("global_defs", "keepalived", "vmac_prefix"),
  ...K("global_defs", "keepalived", "vmac_addr_prefix", "names use_vmac_addr's macvlans PREFIX.VRID (default: vmac_prefix, else vrrp)"),
  ...K("global_defs", "unsupported", "lvs_sync_daemon", "LVS is keepalived's checker side, not VRRP"),
  ...K("global_defs", "difference", "min_auto_priority_delay", NO_EFFECT),
  ...K("global_defs", "difference", "vrrp_higher_prio_send_advert", HEAL_DEFAULT),
  ...K("global_defs", "difference", "vrrp_garp_lower_prio_repeat vrrp_garp_lower_prio_delay", LOWER_PRIO_GAP),
  ...K("global_defs", "keepalived", "vrrp_notify_priority_changes"),
  ...K(
    "global_defs",
    "difference",
    "notify_fifo notify_fifo_script vrrp_notify_fifo vrrp_notify_fifo_script",
    "as keepalived (same lines, in order, never blocking); difference: an existing path that is not a FIFO is refused (keepalived would write into the file)",
  ),
  ...K("global_defs", "keepalived", "fifo_write_vrrp_states_on_reload"),
  ...K("global_defs", "unsupported", "lvs_notify_fifo lvs_notify_fifo_script", "LVS is keepalived's checker side, not VRRP"),
  ...K(
    "global_defs",
    "unsupported",
    "enable_snmp_checker enable_dbus dbus_service_name",
    "no checker SNMP or D-Bus (use /metrics or tsvrrpd status)",
  ),
  ...K("global_defs", "keepalived", "snmp_socket enable_snmp_vrrp enable_snmp_keepalived enable_snmp_rfcv3 enable_traps"),
  ...K(
    "global_defs",
    "difference",
    "enable_snmp_rfc enable_snmp_rfcv2",
    "the RFC 2787 VRRP-MIB is not served (warned); enable_snmp_rfc still enables the VRRPv3-MIB",
  ),
  ...K("global_defs", "keepalived", "vrrp_mcast_group4 vrrp_mcast_group6"),
  ...K("global_defs", "keepalived", "vrrp_garp_extra_if"),
  ...K(
    "global_defs",
    "keepalived",
    "vrrp_vmac_garp_intvl",
    "keepalived's deprecated spelling of vrrp_garp_extra_if (warned, as keepalived)",
  ),

  // --- vrrp_instance -----------------------------------------------------------------------------
  ...K(
    "vrrp_instance",
    "keepalived",
    "state interface virtual_router_id priority version advert_int unicast_peer unicast_src_ip mcast_src_ip mcast_dst_ip unicast_fault_no_peer notify_deleted check_unicast_src dont_track_primary native_ipv6 track_interface track_script preempt nopreempt preempt_delay authentication notify_master notify_backup notify_fault notify_stop notify notify_master_rx_lower_pri garp_master_delay garp_master_repeat garp_master_refresh garp_master_refresh_repeat down_timer_adverts lower_prio_no_advert v3_checksum_as_v2",
  ),
  ...K(
    "vrrp_instance",
    "difference",
    "old_unicast_checksum",
    "with it, the new checksum form is still accepted (keepalived rejects it until the peer answers in the old form)",
  ),
  ...K("vrrp_instance", "difference", "skip_check_adv_addr", ALWAYS),
  ...K(
    "vrrp_instance",
    "difference",
    "virtual_ipaddress virtual_ipaddress_excluded",
    "one deleted by hand from a master is put back and the instance stays MASTER; keepalived 2.2.7 sends it to BACKUP (keepalived_netlink.c netlink_if_address_filter); a no_track one stays deleted in both",
  ),
  ...K(
    "vrrp_instance",
    "difference",
    "unicast_ttl",
    "the TTL / hop limit of unicast adverts, as keepalived; without unicast peers it is warned about as keepalived does, and multicast adverts keep TTL 255 (keepalived 2.2.7 resets it to 0, which its IPv4 multicast adverts then carry)",
  ),
  ...K(
    "vrrp_instance",
    "difference",
    "track_src_ip",
    "FAULT while the configured unicast_src_ip / mcast_src_ip is not on the interface, as keepalived's source means; keepalived 2.2.7 notices only the loss of the address it took as the interface's own (a removed secondary source leaves it MASTER)",
  ),
  ...K("vrrp_instance", "difference", "track_process", PROCESS_NOTE),
  ...K(
    "vrrp_instance",
    "difference",
    "track_file",
    "as keepalived; a write is seen 20 ms after the directory's last change event (keepalived: at close), and the file is opened without following a final symlink or blocking",
  ),
  ...K("vrrp_instance", "difference", "higher_prio_send_advert", HEAL_DEFAULT),
  ...K("vrrp_instance", "difference", "accept no_accept", FIREWALL),
  ...K("vrrp_instance", "difference", "garp_lower_prio_repeat garp_lower_prio_delay", LOWER_PRIO_GAP),
  ...K("vrrp_instance", "difference", "debug kernel_rx_buf_size", NO_EFFECT),
  ...K("vrrp_instance", "difference", "smtp_alert", NO_MAIL),
  ...K("vrrp_instance", "difference", "linkbeat_use_polling", "links are always watched through netlink events", true),
  ...K("vrrp_instance", "difference", "strict_mode", FIREWALL),
  ...K("vrrp_instance", "unsupported", "promote_secondaries lvs_sync_daemon_interface", "host settings tsvrrpd does not manage"),
  ...K("vrrp_instance", "difference", "virtual_routes virtual_rules", ROUTES_NOTE),
  ...K("vrrp_instance", "keepalived", "notify_priority_changes"),
  ...K(
    "vrrp_instance",
    "keepalived",
    "use_vmac_addr",
    "as keepalived 2.2.7 (a private-mode macvlan with the VRRP MAC on each other interface holding a VIP, and for VIPs of the other family on the instance's own; the VIPs live there; shared by instances with the same base and MAC; removed on stop)",
  ),
  ...K("vrrp_instance", "refused", "use_ipvlan", 'needs ipvlan, which this kernel lacks ("Unknown device type"); use use_vmac'),
  ...K(
    "vrrp_instance",
    "difference",
    "use_vmac vmac_xmit_base",
    "as keepalived 2.2.7 (private-mode macvlan vrrp.VRID or NAME with the VRRP MAC, its sysctls, VIPs, GARP/NA and adverts on it, removed on stop and a crashed run's at start); difference: the IPv4 advert source is the base interface's address as tsvrrpd's link cache knows it",
  ),
  ...K(
    "vrrp_instance",
    "refused",
    "vrf",
    'needs VRF devices, which this kernel lacks (`ip link add v0 type vrf table 10`: "Unknown device type"); ignoring it would put the VIPs and adverts in the main table',
  ),
  ...K("vrrp_instance", "refused", "track_bfd", NO_BFD),
  ...K(
    "vrrp_instance",
    "keepalived",
    "garp_extra_if",
    "as keepalived (one gratuitous ARP / NA per other VIP interface every N s while MASTER; without `all` only use_vmac_addr's macvlans)",
  ),
  ...K("vrrp_instance", "keepalived", "vmac_garp_intvl", "keepalived's deprecated spelling of garp_extra_if (warned, as keepalived)"),
  ...K("vrrp_instance > authentication", "keepalived", "auth_pass"),
  ...K(
    "vrrp_instance > authentication",
    "difference",
    "auth_type",
    "PASS and AH (IPsec-AH, IPv4 VRRPv2 only) as keepalived; AH adverts carry the sequence number's low 16 bits as IP id",
  ),

  // --- vrrp_script -------------------------------------------------------------------------------
  ...K("vrrp_script", "keepalived", "script interval timeout weight rise fall init_fail user"),

  // --- vrrp_sync_group ---------------------------------------------------------------------------
  ...K(
    "vrrp_sync_group",
    "keepalived",
    "group notify_master notify_backup notify_fault notify_stop notify sync_group_tracking_weight global_tracking",
  ),
  ...K("vrrp_sync_group", "difference", "smtp_alert", NO_MAIL),
  ...K("vrrp_sync_group", "keepalived", "notify_priority_changes"),
  ...K("vrrp_sync_group", "keepalived", "track_interface track_script track_file track_process"),
  ...K("vrrp_sync_group", "refused", "track_bfd", NO_BFD),
];

const INDEX = new Map(KEYWORDS.map((k) => [`${k.context}|${k.keyword}`, k]));

export function keywordInfo(context: string, keyword: string): KeywordInfo | undefined {
  return INDEX.get(`${context}|${keyword}`);
}

const STATUS_TEXT: Record<KeywordStatus, string> = {
  keepalived: "as keepalived",
  difference: "implemented, with a difference",
  unsupported: "not supported: warning, ignored",
  refused: "refused: error",
};

/** docs/keywords.md, generated from KEYWORDS (scripts/keywords-doc.mjs writes it; a test checks it). */
export function keywordsMarkdown(): string {
  const lines = [
    "# keepalived.conf keywords in tsvrrpd",
    "",
    "Generated from `src/config/keywords.ts` by `node scripts/keywords-doc.mjs`; a test fails when this file and the table disagree,",
    "and when a VRRP keyword of keepalived 2.2.7 (`test/fixtures/keepalived-2.2.7-keywords.json`, from its parser's install_keyword",
    "calls; the VRRP words of its keepalived.conf(5) were checked against the table too) is missing from the table.",
    "",
    "A keyword that would make a mixed keepalived/tsvrrpd cluster disagree on who is master, or change what goes on the wire, is",
    "implemented or refused (an error with file:line); anything else that is not implemented is a warning with file:line.",
    "Every deliberate difference from keepalived, the ones noted here included, is listed once in [compat.md](compat.md).",
    "",
  ];
  const contexts = [...new Set(KEYWORDS.map((k) => k.context))];
  for (const c of contexts) {
    lines.push(`## ${c === "top" ? "top level" : c}`, "", "| keyword | status | note |", "| --- | --- | --- |");
    for (const k of KEYWORDS.filter((x) => x.context === c).sort((a, b) => a.keyword.localeCompare(b.keyword))) {
      lines.push(`| \`${k.keyword}\` | ${STATUS_TEXT[k.status]} | ${k.note ?? ""} |`);
    }
    lines.push("");
  }
  const count = (s: KeywordStatus) => KEYWORDS.filter((k) => k.status === s).length;
  lines.push(
    `Totals: ${KEYWORDS.length} keywords; ${count("keepalived")} as keepalived, ${count("difference")} with a difference, ${count("unsupported")} warned, ${count("refused")} refused.`,
    "",
  );
  return lines.join("\n");
}
