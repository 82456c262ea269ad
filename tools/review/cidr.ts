import { parseCidr, parseIpv4 } from "../../constructs/model/cidr";

/** A CIDR block (or one address) as a range; `undefined` when the text is neither. */
function range(text: string): { first: number; last: number } | undefined {
  const address = parseIpv4(text);
  if (address !== undefined) return { first: address, last: address };
  const cidr = parseCidr(text);
  return typeof cidr === "string" ? undefined : cidr;
}

/** `inner` lies wholly inside `outer` (text that is no CIDR block is contained only in itself). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = range(outer);
  const i = range(inner);
  if (!o || !i) return outer === inner;
  return i.first >= o.first && i.last <= o.last;
}
