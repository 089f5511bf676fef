/**
 * Which client a request comes from, for the wrong-number limit (guessLimiter.ts), with the
 * `trust proxy` semantics of Express and nginx's realip module:
 *
 *   chain = [the socket's peer, then the X-Forwarded-For entries from right to left]
 *
 * Every proxy appends the address it saw to the right of X-Forwarded-For; whatever stands to the
 * left of what our own proxies wrote was written by the client and proves nothing. So:
 *
 *   - no proxy trusted (the default): the client is the socket's peer; the header is ignored;
 *   - `hops: n` (Express `trust proxy = n`): the first n entries of the chain are our proxies and
 *     the client is chain[n], the address the last trusted hop saw (the furthest entry when the
 *     chain is shorter);
 *   - `from: [addresses or CIDR ranges]` (nginx `set_real_ip_from` with `real_ip_recursive on`):
 *     walk the chain while the address is one of ours; the client is the first one that is not.
 *
 * Never the client-written first entry. An entry that is not an IP address stops the walk: the
 * hop that wrote it is taken as the client (a trusted proxy never writes garbage, so only a
 * misconfiguration gets there, and then the limit falls on that proxy rather than on a name the
 * client chose).
 *
 * The rate-limit key (`limitKey`) is the IPv4 address, or for IPv6 the /56 network (Express
 * rate limit's default: one household or customer usually holds a whole /56 or /64, so counting
 * single IPv6 addresses would limit nobody). IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a
 * dual-stack socket reports for an IPv4 client) are IPv4 clients and keep their own key; masking
 * them as IPv6 would put every IPv4 client in one bucket, so one guesser would lock out everybody.
 */
import { BlockList, isIP } from "node:net";

export type TrustProxy =
  | undefined
  | false
  /** Same as 1: one reverse proxy in front (the usual nginx or load balancer). */
  | true
  /** Number of proxy hops in front of the server, counted from the server. */
  | number
  /** Addresses or CIDR ranges (e.g. "10.0.0.0/8", "::1") of the proxies. */
  | readonly string[];

/** A parsed trust-proxy setting. */
export interface ProxyTrust {
  /** Whether the hop at `index` of the chain (0 = the socket's peer) with `address` is a proxy of ours. */
  trusts(address: string, index: number): boolean;
  /** For messages: "no proxy", "1 hop", "10.0.0.0/8, ::1". */
  readonly description: string;
}

/** Bits of an IPv6 address that name one client for the limit (Express rate limit's default). */
export const IPV6_LIMIT_PREFIX = 56;

/** The address without an IPv4-mapped prefix, lower case; null when it is not an IP address. */
export function normalizeAddress(raw: string | undefined): string | null {
  if (typeof raw !== "string") return null;
  let a = raw.trim().toLowerCase();
  // "[::1]" (with brackets) and zone ids ("fe80::1%eth0") are not what proxies write, but harmless.
  if (a.startsWith("[") && a.endsWith("]")) a = a.slice(1, -1);
  const zone = a.indexOf("%");
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) a = mapped[1];
  return isIP(a) === 0 ? null : a;
}

/** Parses a trust-proxy setting; throws TypeError naming a bad entry. */
export function parseTrustProxy(setting: TrustProxy): ProxyTrust {
  if (setting === undefined || setting === false || setting === 0) {
    return { trusts: () => false, description: "no proxy" };
  }
  if (setting === true) setting = 1;
  if (typeof setting === "number") {
    if (!Number.isInteger(setting) || setting < 0 || setting > 32) throw new TypeError(`trust-proxy hops must be a whole number 0..32, got ${setting}`);
    const hops = setting;
    return { trusts: (_a, index) => index < hops, description: hops === 1 ? "1 hop" : `${hops} hops` };
  }
  if (!Array.isArray(setting) || setting.length === 0) throw new TypeError("trust-proxy must be a number of hops or a list of proxy addresses");
  const list = new BlockList();
  for (const entry of setting) {
    const [addr, bits, extra] = String(entry).trim().split("/");
    const a = normalizeAddress(addr);
    const family = a === null ? 0 : isIP(a);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (a === null || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new TypeError(`trust-proxy: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    }
    list.addSubnet(a, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return {
    trusts: (address) => list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6"),
    description: setting.join(", "),
  };
}

/**
 * The client's address for a request: `peer` is the socket's remote address, `forwardedFor` the
 * X-Forwarded-For header(s) as node:http gives them (several headers are joined with ", ").
 * Null only when the socket's own address is unknown.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trust: ProxyTrust): string | null {
  const first = normalizeAddress(peer);
  if (first === null) return null;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor ?? "";
  const forwarded = header.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  let client = first;
  // Walk from the server outwards while the current hop is a proxy of ours.
  for (let index = 0; trust.trusts(client, index) && forwarded.length > 0; index++) {
    const next = normalizeAddress(forwarded.pop());
    if (next === null) break;
    client = next;
  }
  return client;
}

/** The key the limit counts under: the IPv4 address, or the IPv6 /56 network ("2001:db8:1200::/56"). */
export function limitKey(address: string): string {
  const a = normalizeAddress(address);
  if (a === null) return "?" + address.slice(0, 64);
  if (isIP(a) === 4) return a;
  const words = expandIpv6(a);
  const kept = Math.floor(IPV6_LIMIT_PREFIX / 16);
  const rest = IPV6_LIMIT_PREFIX % 16;
  const masked = words.map((w, i) => (i < kept ? w : i === kept ? w & (0xffff << (16 - rest)) & 0xffff : 0));
  return masked.map((w) => w.toString(16)).join(":") + "/" + IPV6_LIMIT_PREFIX;
}

/** The eight 16-bit words of an IPv6 address (which may end in dotted IPv4). */
function expandIpv6(a: string): number[] {
  let text = a;
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [b0, b1, b2, b3] = dotted.slice(1).map(Number);
    text = text.slice(0, dotted.index) + ((b0 << 8) | b1).toString(16) + ":" + ((b2 << 8) | b3).toString(16);
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : new Array(8 - h.length - t.length).fill("0");
  return [...h, ...zeros, ...t].map((w) => parseInt(w, 16));
}
