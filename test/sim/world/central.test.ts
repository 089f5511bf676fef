import { expect } from "chai";
import { Scenario, type ScenarioSpec } from "../../../sim/world/scenario";
import { World } from "../../../sim/world/world";
import { TokenDevice } from "../../../sim/world/devices/token";
import { CentralDisconnected, SimCentral, L2CAP_HEADER_BYTES, DEFAULT_LL_PAYLOAD } from "../../../sim/world/central";
import { loadBoard } from "../../../boards/index";
import { fastCrypto } from "../../../host-tools/gaen/crypto";

/** The token's ATT MTU limit (boards/puckjs.json) and the largest write it takes. */
const BOARD_MTU = loadBoard("puckjs").radio.maxMtu;
const MAX_WRITE = Math.min(247, BOARD_MTU) - 3;
/** Connection events for one ATT PDU of `att` bytes at `perEvent` LL packets per event. */
const eventsFor = (att: number, perEvent: number) => Math.ceil(Math.ceil((att + L2CAP_HEADER_BYTES) / DEFAULT_LL_PAYLOAD) / perEvent);

const SVC = "a3c81000-5e2b-4d0a-9f1c-6f6d616d6f72";
const RX = "a3c81001-5e2b-4d0a-9f1c-6f6d616d6f72";
const TX = "a3c81002-5e2b-4d0a-9f1c-6f6d616d6f72";

/** A tiny Espruino program: connectable advert, an RX characteristic echoed as TX notifications. */
const ECHO_FIRMWARE = `
var S = {}; S["${SVC}"] = {};
S["${SVC}"]["${RX}"] = { writable: true, maxLen: 244, onWrite: function (evt) {
  var u = {}; u["${SVC}"] = {}; u["${SVC}"]["${TX}"] = { value: new Uint8Array(evt.data), notify: true };
  NRF.updateServices(u);
} };
S["${SVC}"]["${TX}"] = { notify: true, readable: true, maxLen: 244, value: [1, 2, 3] };
NRF.setServices(S, { uart: false });
NRF.setAdvertising([2, 1, 6, 3, 3, 0xaa, 0xfe], { connectable: true, interval: 100 });
`;

function world(): World {
  const spec: ScenarioSpec = {
    name: "desk", start: "2026-11-02", days: 1,
    rooms: { desk: { environment: "home" } },
    devices: [{ id: "tok", kind: "token", board: "puckjs", carry: "table" }],
    schedule: [{ device: "tok", from: "00:00", to: "24:00", room: "desk", at: [0, 0] }],
  };
  return new World({ phoneCrypto: fastCrypto, scenario: new Scenario(spec), seed: "central", makeToken: TokenDevice.factory({ firmware: { puckjs: ECHO_FIRMWARE } }) });
}

describe("sim world: GATT central", () => {
  it("scans for a connectable token, stopping at the first advert, with a plausible RSSI", async () => {
    const w = world();
    const c = new SimCentral(w);
    const t0 = w.now;
    const found = await c.scan(5000, () => true);
    expect(found).to.have.length(1);
    expect(found[0].deviceId).to.equal("tok");
    expect(found[0].connectable).to.equal(true);
    expect(found[0].rssi).to.be.within(-60, -30); // 0.5 m, both on a table: -4 - 34 dBm + fading
    expect(w.now - t0).to.be.below(500);
    expect(found[0].timeMs).to.be.within(t0, w.now);
  });

  it("connects, negotiates the MTU, writes with response and receives the notification, taking connection-event time", async () => {
    const w = world();
    const c = new SimCentral(w, { mtu: 247, connectionIntervalMs: 30, packetsPerEvent: 4 });
    const [adv] = await c.scan(5000, () => true);
    const link = await c.connect(adv);
    expect(link.mtu).to.equal(Math.min(247, BOARD_MTU));
    const tok = w.device<TokenDevice>("tok");
    expect(tok.radioState().connected).to.equal(true);
    const svcs = await link.services();
    expect(svcs.map((s) => s.uuid)).to.deep.equal([SVC]);
    expect(Array.from((await link.read(SVC, TX)).value)).to.deep.equal([1, 2, 3]);
    const got: Uint8Array[] = [];
    await link.subscribe(SVC, TX, (d) => got.push(d));
    const data = new Uint8Array(MAX_WRITE).map((_, i) => i);
    const res = await link.write(SVC, RX, data);
    // an MTU-sized ATT PDU + 4 bytes L2CAP in 27-byte LL packets, 4 per event, + 1 event for the response
    // (MTU 131: 5 packets = 2 events + 1; MTU 53: 3 packets = 1 event + 1)
    expect(res.transferMs).to.equal((eventsFor(MAX_WRITE + 3, 4) + 1) * 30);
    const before = w.now;
    expect(await link.pumpUntil(() => got.length > 0, 1000)).to.equal(true);
    expect(Array.from(got[0])).to.deep.equal(Array.from(data));
    expect(w.now - before).to.be.within(0, 3 * 30); // the echo comes back within a few events (or already did)
    expect(link.stats.bytesSent).to.be.at.least(MAX_WRITE);
    expect(link.stats.bytesReceived).to.be.at.least(MAX_WRITE + 3);
    await link.disconnect();
    expect(tok.radioState().connected).to.equal(false);
    expect(link.connected()).to.equal(false);
  });

  it("a short connection interval moves the same data about four times faster", async () => {
    const timeFor = async (intervalMs: number) => {
      const w = world();
      const c = new SimCentral(w, { connectionIntervalMs: intervalMs });
      const link = await c.connect((await c.scan(5000, () => true))[0]);
      const t0 = w.now;
      for (let i = 0; i < 40; i++) await link.write(SVC, RX, new Uint8Array(MAX_WRITE), { withResponse: false });
      return w.now - t0;
    };
    const slow = await timeFor(30);
    const fast = await timeFor(7.5);
    expect(slow).to.equal(40 * eventsFor(MAX_WRITE + 3, 4) * 30);
    expect(slow / fast).to.be.within(3.5, 4.5);
  });

  it("injected disconnects: after N bytes the transfer fails and both sides see it; or at a set time", async () => {
    const w = world();
    const c = new SimCentral(w);
    const link = await c.connect((await c.scan(5000, () => true))[0]);
    const reasons: string[] = [];
    link.onDisconnect((r) => reasons.push(r));
    await link.subscribe(SVC, TX);
    link.injectDisconnect({ afterBytes: 280 });
    const start = link.stats.bytesSent + link.stats.bytesReceived;
    let writes = 0;
    let err: unknown = null;
    try {
      for (let i = 0; i < 10; i++) {
        await link.write(SVC, RX, new Uint8Array(40)); // each is echoed back: 80 bytes a round
        writes++;
      }
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(CentralDisconnected);
    // 3 rounds = 240, then 40 more = 280: the fourth write reaches the token, its echo crosses the
    // limit and the link drops before the write response comes back
    expect(writes).to.equal(3);
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.match(/injected disconnect/);
    expect(w.device<TokenDevice>("tok").radioState().connected).to.equal(false);
    expect(link.stats.bytesSent + link.stats.bytesReceived - start).to.be.within(279, 281);

    const link2 = await c.connect((await c.scan(5000, () => true))[0]);
    const at = w.now + 2000;
    link2.injectDisconnect({ atMs: at });
    const gone = await link2.pumpUntil(() => !link2.connected(), 5000);
    expect(gone).to.equal(true);
    expect(w.now).to.equal(at);
  });

  it("refuses bad settings and oversize writes with clear messages", async () => {
    const w = world();
    expect(() => new SimCentral(w, { connectionIntervalMs: 5 })).to.throw(RangeError, /connectionIntervalMs must be a number 7.5..30/);
    expect(() => new SimCentral(w, { id: "h2", connectionIntervalMs: 8 })).to.throw(RangeError, /multiple of 1.25/);
    expect(() => new SimCentral(w, { id: "h3", mtu: 10 })).to.throw(RangeError, /mtu/);
    const c = new SimCentral(w, { id: "h4" });
    const link = await c.connect((await c.scan(5000, () => true))[0]);
    let err: unknown = null;
    try { await link.write(SVC, RX, new Uint8Array(MAX_WRITE + 1)); } catch (e) { err = e; }
    expect(String(err)).to.include("exceeds MTU - 3 = " + MAX_WRITE);
    let err2: unknown = null;
    try { await c.connect("00:00:00:00:00:00"); } catch (e) { err2 = e; }
    expect(err2).to.be.instanceOf(CentralDisconnected);
  });
});
