/*
 * What Espruino's Linux build lacks and the firmware calls at boot, for `npm run test:espruino`
 * (scripts/espruino-real/run.ts). Written to Storage as `.boot0`, which Espruino runs before
 * `.bootcde` at every boot (jsfLoadBootCodeFromFlash). checks.ts puts the board's LED and button
 * names before it (real Linux pins D1, D2, ... under the board's names) and replaces HB_ with
 * {battery, vibration}. The console helpers and the radio's adverts are in console.js, loaded after
 * boot: this file lies before the firmware's log area in Storage, so it is kept small.
 *
 * ES5 as Espruino runs it: functions defined before use, no default parameters, no hoisting.
 * Nothing real is replaced: Flash, crypto, Storage, timers, E.hwRand, E.enableWatchdog are the
 * interpreter's own. Four real things are wrapped, each still doing its job:
 *   - Flash.write/erasePage/read and crypto.SHA256 take a RAM sample (process.memory) and then call
 *     the real method (require() hands out the same module object, so they are wrapped in place;
 *     crypto.AES is a new object at every require, so AES calls are not sampled);
 *   - setTime() also tells the clock shim (clock-shim.c) to move the clock, as a token's setTime
 *     does (on Linux setTime cannot change the clock);
 *   - E.setConsole() is recorded and not applied: the console is the harness's only channel
 *     (on a token it is Bluetooth's, which the firmware closes);
 *   - setWatch() on the button also hands the callback to the harness, which presses the button by
 *     calling it as Espruino would on an edge.
 * NRF records every call as a line "@@ NRF <call> <time> ..." (parsed by protocol.ts).
 *
 * OmH (a name the minified firmware never makes): state shared with console.js. pa/pw/pe = RAM peaks of the current phase ph (any sample, inside
 * Flash.write, inside Flash.erasePage or a write that opens a flash page); scan = the running scan {cb, f, off}; svc = the GATT services;
 * onc/ond = connect/disconnect handlers; conn = a central is connected; t = the radio (console.js);
 * btn = the button's watch callback.
 */
var OmH = { pa: 0, pw: 0, pe: 0, ph: "boot", scan: 0, svc: 0, onc: 0, ond: 0, conn: 0, t: 0, ff: 0, btn: 0 };
(function (HB) {
  var F = require("Flash");
  var C = 0;
  try {
    C = require("crypto");
  } catch (e) {
    C = 0;
  }
  function sample(w) {
    var u = process.memory().usage;
    if (u > OmH.pa) OmH.pa = u;
    if (w === 1 && u > OmH.pw) OmH.pw = u;
    if (w === 2 && u > OmH.pe) OmH.pe = u;
  }
  function hex(b) {
    var h = "";
    for (var i = 0; i < b.length; i++) h += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return h;
  }
  function call(name, rest) {
    sample(0);
    print("@@ NRF " + name + " " + getTime() + (rest === undefined ? "" : " " + rest));
  }
  OmH.s = sample;
  OmH.n = call;

  var fw = F.write;
  var fe = F.erasePage;
  var fr = F.read;
  F.write = function (d, a) {
    // a write at the start of a 4 KB flash page opens a log page (its header): a page switch
    sample((a & 4095) === 0 ? 2 : 1);
    fw(d, a);
    if ((a & 4095) === 0) print("@@ FE " + getTime() + " " + a + " w");
  };
  F.erasePage = function (a) {
    sample(2);
    fe(a);
    print("@@ FE " + getTime() + " " + a);
  };
  F.read = function (n, a) {
    sample(0);
    return fr(n, a);
  };
  var sha = C && C.SHA256;
  if (sha) {
    C.SHA256 = function (m) {
      sample(0);
      return sha(m);
    };
  }
  var st = setTime;
  global.setTime = function (t) {
    print("\x01OMCLK S " + t);
    st(t);
    print("@@ CLOCK " + t);
  };
  // the board's button: the real watch is set; its callback is kept so the harness can press the
  // button (the Linux build's pins have no edges): console.js OmH.b
  var sw = setWatch;
  global.setWatch = function (cb, pin, o) {
    if (pin == HB.button) OmH.btn = cb;
    return sw(cb, pin, o);
  };
  E.setConsole = function (d, o) {
    print("@@ CONSOLE " + d + " " + JSON.stringify(o));
  };
  if (HB.battery && !E.getBattery) E.getBattery = function () { return 80; };
  if (HB.vibration && typeof Bangle === "undefined") {
    global.Bangle = {
      buzz: function (ms) {
        print("@@ BUZZ " + getTime() + " " + ms);
        return Promise.resolve();
      },
    };
  }

  global.NRF = {
    setAdvertising: function (data, o) {
      var b = data && data.length === undefined && data.byteLength === undefined ? 0 : E.toUint8Array(data);
      if (b && b.length > 31) throw new Error("ERR 0x9 (INVALID_LENGTH)");
      call("setAdvertising", (b ? hex(b) : "object") + " " + JSON.stringify(o || {}));
    },
    setAddress: function (a) {
      // bleVarToAddr: colons at 2, 5, 8, 11, 14, then nothing or a known type
      if (typeof a !== "string" || a.length < 17 || a[2] + a[5] + a[8] + a[11] + a[14] !== ":::::" ||
          ["", " public", " random", " private-resolvable", " private-nonresolvable"].indexOf(a.substr(17)) < 0) {
        throw new Error("Expecting mac address of the form aa:bb:cc:dd:ee:ff");
      }
      call("setAddress", a.replace(" ", "/"));
    },
    sleep: function () {
      call("sleep");
      if (OmH.conn) NRF.disconnect();
    },
    wake: function () {
      call("wake");
    },
    setScan: function (cb, o) {
      if (OmH.scan) OmH.scan.off = 1;
      if (typeof cb !== "function") {
        OmH.scan = 0;
        return call("setScan", "off");
      }
      var w = (OmH.scan = { cb: cb, f: o && o.filters });
      var en = Math.floor(getTime() / 600);
      call("setScan", JSON.stringify(o || {}));
      var step = function (k) {
        if (OmH.t && OmH.t(w, en, k)) setTimeout(function () { step(k + 1); }, 20);
      };
      setTimeout(function () { step(0); }, 15);
    },
    setServices: function (s, o) {
      OmH.svc = s;
      call("setServices", JSON.stringify(Object.keys(s)) + " " + JSON.stringify(o || {}));
    },
    updateServices: function (s) {
      for (var u in s) for (var c in s[u]) if (s[u][c].notify) call("notify", c + " " + hex(E.toUint8Array(s[u][c].value)) + " " + OmH.conn);
    },
    disconnect: function () {
      call("disconnect");
      if (!OmH.conn) return;
      OmH.conn = 0;
      setTimeout(function () { if (OmH.ond) OmH.ond(22); }, 1);
    },
    on: function (ev, fn) {
      call("on", ev);
      if (ev === "connect") OmH.onc = fn;
      if (ev === "disconnect") OmH.ond = fn;
    },
  };
})(HB_);
