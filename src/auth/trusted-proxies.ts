import { isIP } from "node:net";
import { parseForwarded } from "./environment.js";

/**
 * Which hops may speak for the client: a list of addresses and CIDR ranges (option `trustedProxies`). Only a
 * request arriving from a trusted hop has its `Forwarded` / `X-Forwarded-*` headers believed; the client is the
 * right-most address in the chain that is not itself a trusted proxy.
 */

interface Range {
  readonly family: 4 | 6;
  readonly bits: bigint;
  readonly prefix: number;
}

function toBigInt(address: string): { family: 4 | 6; value: bigint } | null {
  const family = isIP(address);
  if (family === 4) {
    const parts = address.split(".").map(Number);
    return { family: 4, value: parts.reduce((acc, part) => (acc << 8n) + BigInt(part), 0n) };
  }
  if (family === 6) {
    let text = address.toLowerCase();
    // an embedded IPv4 tail (::ffff:10.0.0.1)
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
      const value = toBigInt(v4[1] as string)!.value;
      text = `${text.slice(0, -(v4[1] as string).length)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
    }
    const [head = "", tail = ""] = text.split("::");
    const headParts = head ? head.split(":") : [];
    const tailParts = text.includes("::") ? (tail ? tail.split(":") : []) : [];
    const missing = 8 - headParts.length - tailParts.length;
    const groups = [...headParts, ...Array<string>(Math.max(0, missing)).fill("0"), ...tailParts];
    return { family: 6, value: groups.reduce((acc, group) => (acc << 16n) + BigInt(parseInt(group || "0", 16)), 0n) };
  }
  return null;
}

function parseRange(entry: string): Range | null {
  const [address = "", bits] = entry.trim().split("/");
  const parsed = toBigInt(address);
  if (!parsed) return null;
  const width = parsed.family === 4 ? 32 : 128;
  const prefix = bits === undefined ? width : Number(bits);
  return { family: parsed.family, bits: parsed.value >> BigInt(width - prefix), prefix };
}

/** An IPv4-mapped IPv6 address as plain IPv4, so both spellings of one client are the same key. */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? (mapped[1] as string) : trimmed.toLowerCase();
}

/** The address of a `Forwarded: for=` node: `"[2001:db8::1]:4711"`, `192.0.2.43:47011` or `192.0.2.43`. */
function forwardedNode(value: string): string {
  const text = value.replace(/^"|"$/g, "");
  const bracketed = /^\[([^\]]+)\]/.exec(text);
  if (bracketed) return bracketed[1] as string;
  return text.split(":").length === 2 ? (text.split(":")[0] as string) : text;
}

export class TrustedProxies {
  private readonly ranges: readonly Range[];

  constructor(entries: readonly string[]) {
    this.ranges = entries.map(parseRange).filter((range): range is Range => range !== null);
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  isTrusted(address: string): boolean {
    const parsed = toBigInt(normaliseAddress(address));
    if (!parsed) return false;
    const width = parsed.family === 4 ? 32 : 128;
    return this.ranges.some(
      (range) => range.family === parsed.family && parsed.value >> BigInt(width - range.prefix) === range.bits,
    );
  }

  /** The hops a request passed, client first: from `Forwarded: for=` or `X-Forwarded-For`, then the peer. */
  private chain(peer: string, headers: Readonly<Record<string, string | undefined>>): string[] {
    const hops: string[] = [];
    const forwarded = headers["forwarded"];
    if (forwarded) {
      for (const element of forwarded.split(",")) {
        const value = parseForwarded(element)["for"];
        if (value) hops.push(normaliseAddress(forwardedNode(value)));
      }
    } else {
      const xff = headers["x-forwarded-for"];
      if (xff) hops.push(...xff.split(",").map(normaliseAddress).filter(Boolean));
    }
    hops.push(normaliseAddress(peer));
    return hops;
  }

  /** The client's address: the peer, unless the peer is trusted; then the right-most untrusted hop. */
  clientAddress(peer: string, headers: Readonly<Record<string, string | undefined>>): string {
    const normalisedPeer = normaliseAddress(peer);
    if (!this.isTrusted(normalisedPeer)) return normalisedPeer;
    const hops = this.chain(normalisedPeer, headers);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (!this.isTrusted(hop)) return hop;
    }
    return hops[0] ?? normalisedPeer;
  }
}
