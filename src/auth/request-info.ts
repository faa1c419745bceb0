/** The little auth needs to know about an HTTP request; `http/` builds it, auth never sees the framework. */
export interface RequestInfo {
  readonly method: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Peer address of the TCP connection (IPv4-mapped IPv6 already unwrapped). */
  readonly remoteAddress: string;
  /** Local address and port the request arrived on. */
  readonly localAddress: string;
  readonly localPort: number;
  /** True when the connection itself is TLS. */
  readonly encrypted: boolean;
}

export function unwrapMappedIPv4(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
