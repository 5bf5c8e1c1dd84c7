// The part of the net-snmp package (no bundled types) that the AgentX subagent uses.
declare module "net-snmp" {
  export const ObjectType: Record<
    | "OctetString"
    | "Integer"
    | "Gauge"
    | "Counter"
    | "Counter64"
    | "TimeTicks"
    | "OID"
    | "NoSuchObject"
    | "NoSuchInstance"
    | "EndOfMibView",
    number
  >;
  export const MibProviderType: Record<"Scalar" | "Table", number>;
  export const MaxAccess: Record<"not-accessible" | "accessible-for-notify" | "read-only" | "read-write" | "read-create", number>;
  export const AgentXPdu: unknown;
  export function createSubagent(options: { description?: string; master?: string; masterPort?: number }): unknown;
}
