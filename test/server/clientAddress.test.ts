import { expect } from "chai";
import fc from "fast-check";
import { params } from "../fuzz/fuzz";
import { clientAddress, limitKey, normalizeAddress, parseTrustProxy } from "../../host-tools/server/clientAddress";

describe("server client address (trust proxy)", () => {
  const none = parseTrustProxy(undefined);
  const oneHop = parseTrustProxy(1);
  const twoHops = parseTrustProxy(2);
  const ours = parseTrustProxy(["10.0.0.0/8", "::1"]);

  it("noProxy_headerIgnored_socketPeerIsTheClient", () => {
    expect(clientAddress("198.51.100.7", "192.0.2.1", none)).to.equal("198.51.100.7");
  });

  it("hops_clientIsTheAddressTheLastTrustedHopSaw_neverTheClientWrittenFirstEntry", () => {
    // client wrote "192.0.2.1"; the proxy (socket peer 127.0.0.1) appended 203.0.113.9
    expect(clientAddress("127.0.0.1", "192.0.2.1, 203.0.113.9", oneHop)).to.equal("203.0.113.9");
    // two proxies: the CDN appended 203.0.113.9, the load balancer appended the CDN's 10.1.1.1
    expect(clientAddress("127.0.0.1", "192.0.2.1, 203.0.113.9, 10.1.1.1", twoHops)).to.equal("203.0.113.9");
    // several headers are joined by node:http
    expect(clientAddress("127.0.0.1", ["192.0.2.1", "203.0.113.9"], oneHop)).to.equal("203.0.113.9");
  });

  it("hops_chainShorterThanTheHops_furthestAddressAsExpressDoes", () => {
    expect(clientAddress("127.0.0.1", undefined, oneHop)).to.equal("127.0.0.1");
    expect(clientAddress("127.0.0.1", "203.0.113.9", twoHops)).to.equal("203.0.113.9");
  });

  it("addresses_walkWhileTrusted_nginxRealIpRecursive", () => {
    expect(clientAddress("10.0.0.2", "192.0.2.1, 203.0.113.9, 10.9.9.9", ours)).to.equal("203.0.113.9");
    // a peer that is not one of our proxies: its header means nothing
    expect(clientAddress("198.51.100.7", "192.0.2.1", ours)).to.equal("198.51.100.7");
    expect(clientAddress("::1", "2001:db8::5", ours)).to.equal("2001:db8::5");
  });

  it("garbageEntry_stopsTheWalk_atTheHopThatWroteIt", () => {
    expect(clientAddress("127.0.0.1", "192.0.2.1, not-an-address", oneHop)).to.equal("127.0.0.1");
    expect(clientAddress("10.0.0.2", "unknown", ours)).to.equal("10.0.0.2");
  });

  it("ipv4Mapped_isAnIpv4Client_withItsOwnKey", () => {
    expect(normalizeAddress("::ffff:192.0.2.1")).to.equal("192.0.2.1");
    expect(limitKey("::ffff:192.0.2.1")).to.equal("192.0.2.1");
    expect(limitKey("::ffff:192.0.2.1")).to.not.equal(limitKey("::ffff:192.0.2.2"));
  });

  it("limitKey_ipv6_oneKeyPerSlash56", () => {
    expect(limitKey("2001:db8:1:2::1")).to.equal(limitKey("2001:db8:1:ff:ffff::9"));
    expect(limitKey("2001:db8:1:100::1")).to.not.equal(limitKey("2001:db8:1:ff::1"));
    expect(limitKey("2001:db8:1:2::1")).to.equal("2001:db8:1:0:0:0:0:0/56");
  });

  it("parseTrustProxy_badSettings_throwNamingThem", () => {
    expect(() => parseTrustProxy(["10.0.0.0/33"])).to.throw(TypeError, /10\.0\.0\.0\/33/);
    expect(() => parseTrustProxy(["proxy.example"])).to.throw(TypeError, /proxy\.example/);
    expect(() => parseTrustProxy(-1)).to.throw(TypeError, /hops/);
    expect(() => parseTrustProxy([])).to.throw(TypeError);
  });

  it("property_whateverTheClientWrites_theChosenAddressIsOneAProxyOfOursWrote", () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join("."));
    const junk = fc.oneof(ipv4, fc.string({ maxLength: 20 }), fc.constant("unknown"), fc.ipV6());
    fc.assert(
      fc.property(fc.array(junk, { maxLength: 6 }), ipv4, fc.integer({ min: 1, max: 3 }), (clientWritten, real, hops) => {
        // Proxies in front: hops-1 of them append addresses in 10/8, after the first appended `real`.
        const proxies = Array.from({ length: hops - 1 }, (_, i) => `10.0.0.${i + 1}`);
        const header = [...clientWritten, real, ...proxies].join(", ");
        expect(clientAddress("127.0.0.1", header, parseTrustProxy(hops))).to.equal(normalizeAddress(real));
      }),
      params(300),
    );
  });
});
