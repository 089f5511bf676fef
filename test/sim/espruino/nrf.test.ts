import { expect } from "chai";
import { buildAdvert } from "../../../common/gaen/advert";
import { fromHex, toHex } from "../../../common/bytes";
import type { GattCentral } from "../../../sim/espruino/runtime";
import { T0, evalIn, token } from "./helpers";

const GAEN = buildAdvert(fromHex("8be6cd371c5c891604bfbe49df845096"), fromHex("72033874"));
const gaenJs = "[" + Array.from(GAEN).join(",") + "]";

function central(log: string[], mtu = 100): GattCentral {
  return {
    mtu,
    address: "11:22:33:44:55:66 public",
    onNotify: (c, d) => log.push("notify " + c + " " + toHex(d)),
    onDisconnect: () => log.push("disconnected"),
  };
}

describe("sim/espruino NRF (docs/spec/espruino-platform.md section 2)", () => {
  describe("advertising", () => {
    it("advertises connectably every 375 ms at power-on with flags, 0x0590 and the name", () => {
      const rt = token("");
      const adv = rt.radioState().advertising!;
      expect(adv.connectable).to.equal(true);
      expect(adv.intervalMs).to.equal(375);
      const d = toHex(adv.data);
      expect(d.startsWith("020106")).to.equal(true);
      expect(d).to.contain("03ff9005");
      expect(Buffer.from(adv.data).toString("latin1")).to.match(/Puck\.js [0-9a-f]{4}$/);
      expect(rt.radioState().addressType).to.equal("random");
      expect(parseInt(rt.radioState().address.slice(0, 2), 16) >> 6).to.equal(3);
    });

    it("sends a raw 31-byte GAEN packet verbatim; > 31 bytes is refused", () => {
      const rt = token(`NRF.setAdvertising(${gaenJs}, {connectable:false, scannable:false, interval:250});`);
      const adv = rt.radioState().advertising!;
      expect(toHex(adv.data)).to.equal(toHex(GAEN));
      expect(adv).to.include({ connectable: false, scannable: false, intervalMs: 250 });
      expect(() => evalIn(rt, "NRF.setAdvertising(new Uint8Array(32))")).to.throw("ERR 0x9 (INVALID_LENGTH)");
      expect(toHex(rt.radioState().advertising!.data)).to.equal(toHex(GAEN));
    });

    it("clamps the interval to 20..10240 ms, and non-connectable adverts to >= 100 ms", () => {
      const rt = token("");
      evalIn(rt, "NRF.setAdvertising([2,1,6], {interval: 5})");
      expect(rt.radioState().advertising!.intervalMs).to.equal(20);
      evalIn(rt, "NRF.setAdvertising([2,1,6], {interval: 50000})");
      expect(rt.radioState().advertising!.intervalMs).to.equal(10240);
      evalIn(rt, "NRF.setAdvertising([2,1,6], {interval: 30, connectable: false})");
      expect(rt.radioState().advertising!.intervalMs).to.equal(100);
    });

    it("builds object adverts like Espruino: flags, service data, manufacturer unless false, name", () => {
      const rt = token("");
      const built = (expr: string) => toHex(new Uint8Array(evalIn(rt, "NRF.getAdvertisingData(" + expr + ")")));
      expect(built("{0x1809: [95]}, {showName:false}")).to.equal("020106" + "04160918" + "5f" + "03ff9005");
      expect(built("{}, {showName:false, manufacturer:false, discoverable:false}")).to.equal("020105");
      expect(built("{fd6f: undefined}, {showName:false, manufacturer:false}")).to.equal("020106" + "03036ffd");
      expect(built("{}, {name:'abc', manufacturer:false}")).to.equal("020106" + "0409616263");
      expect(built("{}, {name:'a very long name that cannot fit', manufacturer:false}")).to.match(/^020106..08/);
      expect(() => evalIn(rt, "NRF.setAdvertising({0x1809: new Uint8Array(30)})")).to.throw("Advertising data too long when adding Service");
    });

    it("keeps the scan response for active scanners (raw, at most 31 bytes)", () => {
      const rt = token("NRF.setScanResponse([3, 9, 0x41, 0x42]);");
      expect(toHex(rt.radioState().advertising!.scanResponse!)).to.equal("03094142");
      expect(() => evalIn(rt, "NRF.setScanResponse(new Uint8Array(32))")).to.throw("ERR 0x9 (INVALID_LENGTH)");
      expect(token("").radioState().advertising!.scanResponse).to.equal(null);
    });

    it("rotates an array of packets and tells the world about changes", () => {
      const rt = token("");
      let changes = 0;
      rt.onRadioChange(() => changes++);
      evalIn(rt, "NRF.setAdvertising([[2,1,6], [2,1,5]], {interval: 500})");
      expect(rt.radioState().advertising!.rotation.map((p) => toHex(p))).to.deep.equal(["020106", "020105"]);
      expect(changes).to.equal(1);
      evalIn(rt, "NRF.setAdvertising([[2,1,6], [2,1,5]], {interval: 500})");
      expect(changes).to.equal(1);
    });

    it("setTxPower accepts only the board's levels; sleep/wake stop and restart advertising", () => {
      const rt = token("NRF.setTxPower(-8);");
      expect(rt.radioState().txPowerDbm).to.equal(-8);
      expect(() => evalIn(rt, "NRF.setTxPower(5)")).to.throw("ERR 0x7 (INVALID_PARAM)");
      expect(() => evalIn(token("", { board: "banglejs2" }), "NRF.setTxPower(8)")).to.not.throw();
      evalIn(rt, "NRF.sleep()");
      expect(rt.radioState()).to.include({ sleeping: true, advertising: null });
      evalIn(rt, "NRF.wake()");
      expect(rt.radioState().advertising).to.not.equal(null);
    });
  });

  describe("address", () => {
    it("checks only the format; the SoftDevice takes public and random static addresses, anything else leaves the factory address", () => {
      const rt = token("NRF.setAddress('c1:22:33:44:55:66 random');");
      const factory = evalIn(rt, "NRF.getAddress()");
      expect(rt.radioState()).to.include({ address: "c1:22:33:44:55:66", addressType: "random" });
      // a refused identity address is not an exception: the SoftDevice starts with its own
      for (const bad of ["41:22:33:44:55:66 random", "01:22:33:44:55:66 private-nonresolvable", "41:22:33:44:55:66 private-resolvable"]) {
        rt.consoleOutput.length = 0;
        evalIn(rt, "NRF.setAddress('" + bad + "')");
        expect(rt.consoleOutput, bad).to.deep.equal(["pm_id_addr_set failed: 0x3202"]);
        expect(rt.radioState(), bad).to.include({ address: factory, addressType: "random" });
      }
      evalIn(rt, "NRF.setAddress('01:22:33:44:55:66 public')");
      expect(rt.radioState()).to.include({ address: "01:22:33:44:55:66", addressType: "public" });
      expect(() => evalIn(rt, "NRF.setAddress('nonsense')")).to.throw("Expecting mac address of the form aa:bb:cc:dd:ee:ff");
      expect(() => evalIn(rt, "NRF.setAddress('c1:22:33:44:55:66 weird')")).to.throw("Expecting mac address");
      // getAddress() is the factory address, getAddress(true) the one last set (first byte | 0xC0)
      expect(evalIn(rt, "NRF.getAddress()")).to.equal(factory);
      expect(evalIn(rt, "NRF.getAddress(true)")).to.equal("c1:22:33:44:55:66");
    });

    it("an address change restarts the SoftDevice: a running scan continues with default parameters", () => {
      const rt = token("NRF.setScan(function(){}, {active: true, window: 20, interval: 200}); NRF.setAddress('c1:22:33:44:55:66 random');");
      expect(rt.radioState().scanning).to.include({ active: false, windowMs: 100, intervalMs: 100 });
    });

    it("the factory address survives reboots; a set address does not survive power loss", () => {
      const rt = token("");
      const factory = rt.radioState().address;
      evalIn(rt, "NRF.setAddress('c1:22:33:44:55:66 random')");
      rt.reboot("power");
      expect(rt.radioState().address).to.equal(factory);
    });
  });

  describe("scanning", () => {
    it("setScan delivers BluetoothDevice objects shaped as on Espruino, filtered", () => {
      const rt = token("var seen = []; NRF.setScan(function(d){ seen.push(d); }, {filters:[{services:['fd6f']}]});");
      expect(rt.radioState().scanning).to.include({ active: false, intervalMs: 100, windowMs: 100 });
      evalIn(rt, "NRF.sleep()"); // sleeping stops advertising, not scanning
      expect(JSON.stringify(rt.radioState().scanning!.filters)).to.equal('[{"services":["fd6f"]}]');
      rt.deliverAdvert({ address: "12:34:56:78:9a:bc", addressType: "private-nonresolvable", rssi: -70, data: GAEN });
      rt.deliverAdvert({ address: "aa:aa:aa:aa:aa:aa", addressType: "public", rssi: -50, data: Uint8Array.of(2, 1, 6) });
      const seen = rt.global.seen;
      expect(seen).to.have.length(1);
      const d = seen[0];
      expect(d.id).to.equal("12:34:56:78:9a:bc private-nonresolvable");
      expect(d.rssi).to.equal(-70);
      expect(evalIn(rt, "seen[0].data instanceof ArrayBuffer")).to.equal(true);
      expect(evalIn(rt, "seen[0].services.join()")).to.equal("fd6f");
      expect(evalIn(rt, "seen[0].serviceData.fd6f instanceof ArrayBuffer")).to.equal(true);
      expect(evalIn(rt, "new Uint8Array(seen[0].serviceData.fd6f).length")).to.equal(20);
      evalIn(rt, "NRF.setScan()");
      expect(rt.radioState().scanning).to.equal(null);
      rt.deliverAdvert({ address: "12:34:56:78:9a:bc", addressType: "random", rssi: -70, data: GAEN });
      expect(rt.global.seen).to.have.length(1);
    });

    it("serviceData filters match on presence; manufacturer is parsed", () => {
      const rt = token("var seen = []; NRF.setScan(function(d){ seen.push(d); }, {filters:[{serviceData:{'fd6f':{}}}, {manufacturerData:{0x0590:{}}}]});");
      rt.deliverAdvert({ address: "01:02:03:04:05:06", addressType: "random", rssi: -60, data: GAEN });
      rt.deliverAdvert({ address: "01:02:03:04:05:07", addressType: "random", rssi: -60, data: Uint8Array.of(5, 0xff, 0x90, 0x05, 1, 2) });
      rt.deliverAdvert({ address: "01:02:03:04:05:08", addressType: "random", rssi: -60, data: Uint8Array.of(2, 1, 6) });
      expect(rt.global.seen.map((d: { id: string }) => d.id.slice(0, 17))).to.deep.equal(["01:02:03:04:05:06", "01:02:03:04:05:07"]);
      expect(rt.global.seen[1].manufacturer).to.equal(0x0590);
    });

    it("findDevices merges packets per device and calls back after the timeout", () => {
      const rt = token("var found = null; NRF.findDevices(function(list){ found = list; }, {timeout: 1000, filters:[{services:['fd6f']}]});");
      expect(rt.radioState().scanning).to.not.equal(null);
      for (let i = 0; i < 3; i++) rt.deliverAdvert({ address: "12:34:56:78:9a:bc", addressType: "random", rssi: -70 + i, data: GAEN });
      rt.deliverAdvert({ address: "22:34:56:78:9a:bc", addressType: "random", rssi: -80, data: GAEN });
      rt.advanceTo(T0 + 999);
      expect(rt.global.found).to.equal(null);
      rt.advanceTo(T0 + 1000);
      expect(rt.global.found.map((d: { rssi: number }) => d.rssi)).to.deep.equal([-68, -80]);
      expect(rt.radioState().scanning).to.equal(null);
      expect(() => evalIn(rt, "NRF.findDevices(function(){}, 5)")).to.throw("Invalid timeout");
      evalIn(rt, "NRF.setScan(function(){}, {window: 30, interval: 20})");
      expect(rt.radioState().scanning).to.include({ windowMs: 30, intervalMs: 30 });
    });
  });

  describe("GATT peripheral", () => {
    const services = `
      var got = [];
      NRF.on('connect', function(a){ got.push('connect ' + a); });
      NRF.on('disconnect', function(r){ got.push('disconnect ' + r); });
      NRF.setServices({
        0xFE00: {
          0xFE01: { value: [1, 2, 3], readable: true },
          0xFE02: { writable: true, maxLen: 64, onWrite: function(evt){ got.push('write ' + (evt.data instanceof ArrayBuffer) + ' ' + new Uint8Array(evt.data).length);
            NRF.updateServices({0xFE00: {0xFE03: {value: evt.data, notify: true}}}); } },
          0xFE03: { notify: true, maxLen: 64, value: [0] }
        }
      }, {uart: false});
    `;

    it("connect, read, write with onWrite, notify to a subscribed central, disconnect events", () => {
      const rt = token(services);
      const log: string[] = [];
      const link = rt.gattConnect(central(log))!;
      expect(link).to.not.equal(null);
      expect(rt.radioState().connected).to.equal(true);
      expect(rt.radioState().advertising).to.equal(null);
      expect(link.services().map((s) => s.uuid)).to.deep.equal(["fe00"]);
      expect(Array.from(link.read("fe00", "fe01"))).to.deep.equal([1, 2, 3]);
      link.subscribe("fe00", "fe03");
      link.write("fe00", "fe02", Uint8Array.of(9, 8, 7));
      expect(rt.global.got).to.deep.equal(["connect 11:22:33:44:55:66 public", "write true 3"]);
      expect(log).to.deep.equal(["notify fe03 090807"]);
      expect(() => link.write("fe00", "fe01", Uint8Array.of(1))).to.throw(/not writable/);
      expect(() => link.write("fe00", "fe02", new Uint8Array(98))).to.throw(/MTU/);
      expect(rt.gattConnect(central([]))).to.equal(null);
      link.disconnect();
      expect(rt.global.got[2]).to.equal("disconnect 19");
      expect(rt.radioState().connected).to.equal(false);
      expect(() => link.read("fe00", "fe01")).to.throw(/not connected/);
    });

    it("NRF.disconnect() from the token tells the central; address changes wait for the disconnect", () => {
      const rt = token(services);
      const log: string[] = [];
      const link = rt.gattConnect(central(log))!;
      evalIn(rt, "NRF.setAddress('c1:00:00:00:00:01 random')");
      evalIn(rt, "NRF.setServices({0xAB00: {0xAB01: {value: [5], readable: true}}}, {uart: false})");
      expect(rt.consoleOutput).to.include("BLE Connected, queueing BLE restart for later");
      expect(rt.radioState().address).to.not.equal("c1:00:00:00:00:01");
      expect(link.services().map((s) => s.uuid)).to.deep.equal(["fe00"]);
      evalIn(rt, "NRF.disconnect()");
      expect(log).to.deep.equal(["disconnected"]);
      expect(link.connected()).to.equal(false);
      expect(rt.radioState().address).to.equal("c1:00:00:00:00:01");
      expect(rt.global.got).to.include("disconnect 22");
      expect(rt.gattConnect(central([]))!.services().map((s) => s.uuid)).to.deep.equal(["ab00"]);
    });

    it("non-connectable adverts refuse connections; the MTU is capped by the board", () => {
      const rt = token(services + `NRF.setAdvertising(${gaenJs}, {connectable:false});`);
      expect(rt.gattConnect(central([]))).to.equal(null);
      const rt2 = token(services);
      expect(rt2.gattConnect(central([], 247))!.mtu).to.equal(Math.min(247, rt2.board.radio.maxMtu));
      expect(token(services).gattConnect(central([], 23))!.mtu).to.equal(23);
    });

    it("the default UART service is listed unless uart:false", () => {
      const rt = token("NRF.setServices({0xFE00: {0xFE01: {value: [1], readable: true}}});");
      const link = rt.gattConnect(central([]))!;
      expect(link.services().map((s) => s.uuid)).to.deep.equal(["fe00", "6e400001-b5a3-f393-e0a9-e50e24dcca9e"]);
    });
      describe("BLE UART console (the REPL)", () => {
      const NUS = "6e400001-b5a3-f393-e0a9-e50e24dcca9e";
      const RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e";
      const TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e";
      const send = (link: ReturnType<typeof connectTo>, text: string) => {
        const b = Buffer.from(text, "latin1");
        for (let i = 0; i < b.length; i += 20) link.write(NUS, RX, new Uint8Array(b.subarray(i, i + 20)));
      };
      function connectTo(rt: ReturnType<typeof token>, out: string[]) {
        const link = rt.gattConnect({ mtu: 23, onNotify: (_c, d) => out.push(Buffer.from(d).toString("latin1")), onDisconnect: () => {} })!;
        link.subscribe(NUS, TX);
        return link;
      }

      it("an unlocked token runs whatever a central types", () => {
        const rt = token("var secret = 'tek';");
        const out: string[] = [];
        send(connectTo(rt, out), "\x10print(secret + 1)\n40+2\n");
        expect(out.join("")).to.equal('tek1\r\n=undefined\r\n=42\r\n');
      });

      it("E.setPassword + E.lockConsole: nothing runs until the password line", () => {
        const rt = token("var ran = 0; E.setPassword('pw'); E.lockConsole();");
        const out: string[] = [];
        const link = connectTo(rt, out);
        send(link, "ran = 1\n");
        expect(rt.global.ran).to.equal(0);
        send(link, "pw\nran = 2\n");
        expect(rt.global.ran).to.equal(2);
      });

      it("uart:false removes it; E.setConsole(null) detaches it", () => {
        const off = token("NRF.setServices({}, {uart: false});");
        expect(off.gattConnect(central([]))!.services()).to.deep.equal([]);
        const rt = token("var ran = 0; E.setConsole(null, {force: true});");
        send(connectTo(rt, []), "ran = 1\n");
        expect(rt.global.ran).to.equal(0);
      });
    });
  });
});
