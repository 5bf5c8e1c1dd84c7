// net_namespace NAME becomes the path /run/netns/NAME (keepalived core/namespaces.c set_namespaces).

/** Why NAME cannot name a namespace there, or undefined: no '/', no dot names, a file name's length. */
export function netnsNameProblem(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "an empty or dot name";
  if (name.includes("/") || name.includes("\0")) return "a '/' in it";
  if (name.length > 255) return "longer than a file name";
  return undefined;
}
