/**
 * Tokens and a GAEN phone in one room (sim/world), the tokens running the built firmware: each
 * logs the others, and what it logged is exactly what the others advertised, checked against
 * their daily keys with the host's GAEN crypto.
 */
import { expect } from "chai";
import { toHex } from "../../common/bytes";
import { decodeMetadata } from "../../common/gaen/metadata";
import { fastCrypto } from "../../host-tools/gaen/crypto";
import { Scenario } from "../../sim/world/scenario";
import { World } from "../../sim/world/world";
import { TokenDevice } from "../../sim/world/devices/token";
import type { PhoneDevice } from "../../sim/world/devices/phone";
import { readWholeLog, simFirmware } from "./sim";
import type { LogEncounter } from "../../common/formats/logRecord";

interface Derived { prefix: string; rpi: string; aemk: Uint8Array; enin: number }

/** Every RPI a device's daily keys give, by 6-byte prefix. */
function rpisOf(keys: { tek: Uint8Array; rollingStart: number }[]): Record<string, Derived> {
  const out: Record<string, Derived> = {};
  for (const k of keys) {
    const rpik = fastCrypto.rpik(k.tek);
    const aemk = fastCrypto.aemk(k.tek);
    for (let i = 0; i < 144; i++) {
      const rpi = toHex(fastCrypto.rpi(rpik, k.rollingStart + i));
      out[rpi.slice(0, 12)] = { prefix: rpi.slice(0, 12), rpi, aemk, enin: k.rollingStart + i };
    }
  }
  return out;
}

describe("firmware in the world: tokens and a phone log each other (built files in the sim)", () => {
  it("logs exactly the identifiers the other devices advertised, with AEMs that decrypt under their keys", function () {
    this.timeout(30000);
    const sc = new Scenario({
      name: "table", start: "2026-11-02", days: 1, utcOffsetHours: 0,
      rooms: { room: { environment: "home" } },
      devices: [
        { id: "aiko", kind: "token", board: "puckjs", carry: "lanyard" },
        { id: "ben", kind: "token", board: "banglejs2", carry: "wrist" },
        { id: "carol", kind: "phone", model: "android", carry: "hand" },
      ],
      schedule: [
        { device: "aiko", from: "00:00", to: "02:00", room: "room", at: [1, 1] },
        { device: "ben", from: "00:00", to: "02:00", room: "room", at: [1.8, 1] },
        { device: "carol", from: "00:00", to: "02:00", room: "room", at: [1.4, 1.6] },
      ],
    });
    const firmware = { puckjs: simFirmware("puckjs"), banglejs2: simFirmware("banglejs2") };
    const w = new World({ phoneCrypto: fastCrypto, scenario: sc, seed: "table", makeToken: TokenDevice.factory({ firmware }) });
    w.runUntil(sc.startMs + 2.5 * 3600_000);
    const aiko = w.device<TokenDevice>("aiko");
    const ben = w.device<TokenDevice>("ben");
    const carol = w.device<PhoneDevice>("carol");
    const known: Record<string, Record<string, Derived>> = {
      aiko: rpisOf(aiko.dailyKeys()), ben: rpisOf(ben.dailyKeys()), carol: rpisOf(carol.dailyKeys()),
    };
    const tx: Record<string, number> = { aiko: aiko.board.radio.advertisedTxPowerDbm, ben: ben.board.radio.advertisedTxPowerDbm };

    for (const [me, others] of [[aiko, ["ben", "carol"]], [ben, ["aiko", "carol"]]] as const) {
      expect(me.rt.uncaughtErrors, me.id).to.deep.equal([]);
      expect(me.omamori.state().errorLog, me.id).to.deep.equal([]);
      // a random static address on every board: the SoftDevice refuses a private non-resolvable one
      expect(me.rt.radioState().addressType, me.id).to.equal("random");
      const log: LogEncounter[] = readWholeLog(me.rt);
      const from: Record<string, number> = {};
      for (const e of log) {
        const owner = others.find((o) => known[o][e.rpi]);
        expect(owner, me.id + " logged " + e.rpi + ", which no other device's keys give").to.not.equal(undefined);
        from[owner!] = (from[owner!] ?? 0) + 1;
        const d = known[owner!][e.rpi];
        const meta = decodeMetadata(fastCrypto.aem(d.aemk, Buffer.from(d.rpi, "hex"), Buffer.from(e.aem, "hex")));
        expect(meta.major, "AEM decrypts to metadata v1").to.equal(1);
        if (owner !== "carol") expect(meta.txPowerDbm).to.equal(tx[owner!]);
        // heard while the sender was advertising that identifier: within its interval +- 20 min
        for (const s of e.scans) expect(Math.floor(s.t / 600) - d.enin).to.be.within(-1, 3);
      }
      for (const o of others) expect(from[o] ?? 0, me.id + " heard " + o).to.be.at.least(4);
    }
    // and the phone logged both tokens, with identifiers their keys give
    const heard = new Set<string>();
    for (const s of carol.sightings) {
      const hex = toHex(s.rpi).slice(0, 12);
      const owner = ["aiko", "ben"].find((o) => known[o][hex] && known[o][hex].rpi === toHex(s.rpi));
      expect(owner, "phone sighting " + toHex(s.rpi)).to.not.equal(undefined);
      heard.add(owner!);
    }
    expect([...heard].sort()).to.deep.equal(["aiko", "ben"]);
  });
});
