/** IPv4 addresses and CIDR blocks: parsing, containment and overlap, with reasons when input is wrong. */

export interface Cidr {
  readonly text: string;
  /** First address as an unsigned 32-bit number. */
  readonly first: number;
  readonly last: number;
  readonly prefixLength: number;
}

export function parseIpv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

/** Parses `a.b.c.d/n`; returns the reason as a string when the text is not a valid network address. */
export function parseCidr(text: string): Cidr | string {
  const [address, prefix, ...rest] = text.split("/");
  if (rest.length > 0 || prefix === undefined || !/^\d{1,2}$/.test(prefix)) {
    return "expected an IPv4 CIDR block like 10.0.0.0/16";
  }
  const prefixLength = Number(prefix);
  const base = parseIpv4(address);
  if (base === undefined || prefixLength > 32) return "expected an IPv4 CIDR block like 10.0.0.0/16";
  const size = 2 ** (32 - prefixLength);
  if (base % size !== 0) {
    const network = formatIpv4(base - (base % size));
    return `host bits are set; the network address is ${network}/${prefixLength}`;
  }
  return { text, first: base, last: base + size - 1, prefixLength };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function cidrContains(outer: Cidr, address: number): boolean {
  return address >= outer.first && address <= outer.last;
}
