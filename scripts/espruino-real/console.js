/*
 * The console side of `npm run test:espruino` (scripts/espruino-real/run.ts) and the radio's adverts
 * while a scan runs: written to Storage as `omh.t` after the first boot (so it lies after the
 * firmware's log area and does not shrink it) and run with eval(require("Storage").read("omh.t"))
 * after every boot. Adds to OmH (stubs.js):
 *   OmH.m(tag)    RAM now ("@@ MEM tag usage total")
 *   OmH.p(name)   end the phase (its RAM peaks: "@@ PEAK phase a= w= e=") and start `name`
 *   OmH.f(s)      let s simulated seconds pass at once (clock shim), then "@@ AT time"
 *   OmH.c(), OmH.w(uuid, hex), OmH.d()   a central connects, writes a GATT value, leaves
 *   OmH.b(ms)     press the button for ms (its watch callback, as Espruino calls it on each edge)
 *   OmH.t(w, en, k)  one tick of a scan window (below)
 * ES5 as Espruino runs it (on Espruino 2v29 Uint8Array.slice returns a plain Array: copies are made
 * with new Uint8Array(a.subarray(...))).
 */
(function () {
  OmH.m = function (tag) {
    var u = process.memory();
    print("@@ MEM " + tag + " " + u.usage + " " + u.total);
  };
  OmH.p = function (name) {
    print("@@ PEAK " + OmH.ph + " a=" + OmH.pa + " w=" + OmH.pw + " e=" + OmH.pe);
    OmH.ph = name;
    OmH.pa = OmH.pw = OmH.pe = 0;
  };
  OmH.f = function (s) {
    var t = getTime() + s;
    if (OmH.ff) clearTimeout(OmH.ff);
    print("\x01OMCLK F " + t);
    OmH.ff = setTimeout(function () {
      OmH.ff = 0;
      print("@@ AT " + getTime());
    }, s * 1000);
  };
  OmH.c = function () {
    OmH.s(0);
    OmH.conn = 1;
    OmH.n("connected");
    if (OmH.onc) OmH.onc("aa:bb:cc:dd:ee:ff public");
  };
  OmH.w = function (c, h) {
    OmH.s(0);
    var v = new Uint8Array(h.length >> 1);
    for (var i = 0; i < v.length; i++) v[i] = parseInt(h.substr(2 * i, 2), 16);
    for (var u in OmH.svc) if (OmH.svc[u][c] && OmH.svc[u][c].onWrite && OmH.conn) return OmH.svc[u][c].onWrite({ data: v.buffer });
    print("@@ NOWRITE " + c);
  };
  OmH.b = function (ms) {
    var t = getTime();
    if (!OmH.btn) return print("@@ NOBUTTON");
    OmH.btn({ state: true, time: t, lastTime: t });
    setTimeout(function () {
      OmH.btn({ state: false, time: getTime(), lastTime: t });
    }, ms);
  };
  OmH.d = function () {
    if (!OmH.conn) return;
    OmH.conn = 0;
    OmH.n("disconnected");
    if (OmH.ond) OmH.ond(19);
  };

  /**
   * One tick of a scan window (every 20 ms, stubs.js setScan): one advert per neighbour present in
   * this 10-minute interval; true while neighbours have more to send. The neighbours come from the
   * feed file `omh.f` (protocol.ts encodeFeed): header = seed u32 | crowd from, to ENIN u32 | crowd
   * size u8 | adverts u8 | rssi i8; then entries of 26 bytes = enin u32 | adverts u8 | rssi i8 |
   * rpi 16 | aem 4. Each advert becomes the BluetoothDevice object Espruino builds
   * (jswrap_ble_setScan_cb: id, rssi, data, services, serviceData, manufacturer) and goes to the
   * callback if the scan's filters pass it; one advert of another kind (an Espruino device) per scan.
   * w = the scan {cb, f: filters, off}; en = its ENIN; k = advert number; n = crowd member or entry.
   */
  OmH.t = function (w, en, k) {
    if (w.off) return false;
    var f = require("Storage").read("omh.f") || "";
    var more = false;
    var c = function (o) {
      return (f.charCodeAt(o) | (f.charCodeAt(o + 1) << 8) | (f.charCodeAt(o + 2) << 16)) + f.charCodeAt(o + 3) * 16777216;
    };
    var crowd = f.length && en >= c(4) && en < c(8) ? f.charCodeAt(12) : 0;
    for (var n = k ? 0 : -1; n < crowd + (f.length - 15) / 26; n++) {
      var d = new Uint8Array(31);
      var o = 15 + 26 * (n - crowd);
      var r = -85;
      var x;
      var b;
      if (n < 0) {
        d.set([2, 1, 6, 5, 0xff, 0x90, 0x05, 1, 2]);
        d = new Uint8Array(d.subarray(0, 9));
      } else {
        var ads = n < crowd ? f.charCodeAt(13) : f.charCodeAt(o + 4);
        if ((n >= crowd && c(o) !== en) || k >= ads) continue;
        if (k + 1 < ads) more = true;
        d.set([2, 1, 0x1a, 3, 3, 0x6f, 0xfd, 0x17, 0x16, 0x6f, 0xfd]);
        if (n < crowd) {
          // xorshift32, as protocol.ts crowdIdentifier
          x = (c(0) ^ ((en & 0xffff) * 977) ^ ((n + 1) * 65599)) | 0;
          if (!x) x = 1;
          for (b = 0; b < 20; b++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            d[11 + b] = x & 255;
          }
          r = f.charCodeAt(14) - 256 - ((n + 3 * k) % 7);
        } else {
          for (b = 0; b < 20; b++) d[11 + b] = f.charCodeAt(o + 6 + b);
          r = f.charCodeAt(o + 5) - 256 - ((5 * k) % 7);
        }
      }
      var dev = { id: "c1:00:00:00:" + (n < 0 ? "ff:00" : n < crowd ? "01:" + (n < 16 ? "0" : "") + n.toString(16) : "00:" + (n - crowd < 16 ? "0" : "") + (n - crowd).toString(16)) + " random", rssi: r, data: d.buffer };
      for (b = 0; b + 1 < d.length && d[b] && b + 1 + d[b] <= d.length; b += d[b] + 1) {
        x = ((d[b + 3] << 8) | d[b + 2] | 0x10000).toString(16).substr(1);
        if (d[b + 1] === 3) dev.services = [x];
        if (d[b + 1] === 0x16) {
          dev.serviceData = {};
          dev.serviceData[x] = new Uint8Array(d.subarray(b + 4, b + 1 + d[b])).buffer;
        }
        if (d[b + 1] === 0xff) {
          dev.manufacturer = d[b + 2] | (d[b + 3] << 8);
          dev.manufacturerData = new Uint8Array(d.subarray(b + 4, b + 1 + d[b])).buffer;
        }
      }
      // filters: one must hold entirely (services and serviceData are what the stub knows)
      var ok = !w.f;
      for (var i = 0; w.f && i < w.f.length && !ok; i++) {
        ok = true;
        for (x in w.f[i]) if (x !== "services" && x !== "serviceData") ok = false;
        if (w.f[i].services) for (b = 0; b < w.f[i].services.length; b++) if (!dev.services || dev.services.indexOf(w.f[i].services[b]) < 0) ok = false;
        if (w.f[i].serviceData) for (x in w.f[i].serviceData) if (!dev.serviceData || dev.serviceData[x] === undefined) ok = false;
      }
      if (!ok) continue;
      if (n >= 0) print("@@ RX " + getTime() + " " + en + " " + (n < crowd ? "c" + n : "n" + (n - crowd)) + " " + r);
      w.cb(dev);
      if (w.off) return false;
    }
    return more;
  };
})();
