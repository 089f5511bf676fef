/**
 * Sync service on the token (docs/FORMATS.md "Sync messages"): the GATT service, the sync window opened by a button press,
 * the optional home-hub beacon, and one TokenSession (session.ts) per connection.
 *
 * - The token is connectable only inside a window: syncWindowOpen() (the app calls it on a button
 *   press) or a short home-hub window every `hub` seconds (off by default). During a window the
 *   service holds the radio's advertising (SyncHost.holdAdvertising) and advertises the sync advert
 *   (common/formats/syncMessages.ts syncAdvert) from a fresh random static address, unrelated to the
 *   GAEN identifiers; a fresh random nonce + HMAC tag lets only the owner's host recognise it.
 * - Three failed authentications lock the token until the next button press (docs/SECURITY.md).
 * - The Nordic UART (REPL) is removed from the GATT table (setServices uart:false): during a window
 *   a stranger could otherwise reach the console.
 */
import { SyncHost } from "./host";
import { createTokenSession, TokenSession, TokenEnv, CONSENT_MS } from "./session";
import { SyncPrimitives, syncAdvert, beaconTag, Adv, Size, Uuid } from "../../common/formats/syncMessages";
import { hmacSha256 } from "../crypto/hmac";
import { hkdfSha256 } from "../crypto/hkdf";
import { ctrXor } from "../crypto/ctr";

/** Button window length, home-hub window length, idle link timeout, failed-auth limit. */
export var WINDOW_MS = 60000;
export var HUB_WINDOW_MS = 4000;
export var IDLE_MS = CONSENT_MS + 15000;
export var MAX_AUTH_FAILURES = 3;
/** After a link is lost mid-session, the window stays open (or reopens) for this long, so the host can resume. */
export var RESUME_MS = 30000;
/** Delay between a session's last notification and the token hanging up. */
export var CLOSE_DELAY_MS = 500;
/** Advertising interval inside a window (connectable). */
export var WINDOW_ADV_MS = 100;

/** The UUIDs once each in the built file (a const enum member is written out at every use). */
var SVC: string = Uuid.SERVICE;
var RX: string = Uuid.RX;
var TX: string = Uuid.TX;

/**
 * ctrXor: the sync keystream (CCM-format counter blocks) from the shared firmware/crypto/ctr.ts,
 * native AES-CCM where the board has it and no AES block function (Bangle.js 2).
 */
var prims: SyncPrimitives = { hmacSha256: hmacSha256, hkdfSha256: hkdfSha256, ctrXor: ctrXor };

var H: SyncHost | null = null;
var session: TokenSession | null = null;
var connected = false;
var windowOpen = false;
var byButton = false;
var failures = 0;
var hub = 0;
var windowTimer: any = null;
var hubTimer: any = null;
var idleTimer: any = null;
var closeTimer: any = null;
var queue: Uint8Array[] = [];
var sending = false;
var closeAfterQueue = false;
var decommissioned = false;

function random(n: number): Uint8Array {
  var b = new Uint8Array(n);
  var r = 0;
  for (var i = 0; i < n; i++) {
    if ((i & 3) === 0) r = E.hwRand();
    b[i] = (r >>> ((i & 3) * 8)) & 255;
  }
  return b;
}

/** Sends queued notifications; a full radio buffer throws, so retry shortly after. */
function pump() {
  sending = false;
  while (queue.length) {
    var tx: any = {};
    tx[TX] = { value: queue[0], notify: true };
    var svc: any = {};
    svc[SVC] = tx;
    try {
      NRF.updateServices(svc);
    } catch (e) {
      sending = true;
      setTimeout(pump, 20);
      return;
    }
    queue.shift();
  }
  if (closeAfterQueue) {
    // let the last notifications leave before the link goes (the host usually hangs up first)
    closeAfterQueue = false;
    closeTimer = setTimeout(function () {
      closeTimer = null;
      if (connected) NRF.disconnect();
    }, CLOSE_DELAY_MS);
  }
}

var link = {
  send: function (v: Uint8Array) {
    queue.push(v);
    if (!sending) pump();
  },
  close: function () {
    closeAfterQueue = true;
    if (!sending) pump();
  },
};

var env: TokenEnv = {
  host: null as any,
  crypto: prims,
  random: random,
  pairingAllowed: function () {
    return byButton && windowOpen && !env.host.secret();
  },
  locked: function () {
    return failures >= MAX_AUTH_FAILURES;
  },
  authFailed: function () {
    failures++;
  },
  hubSeconds: function () {
    return hub;
  },
  stopped: function () {
    decommissioned = true;
    hub = 0;
    scheduleHub();
  },
  setHubSeconds: function (s: number) {
    hub = s;
    if (env.host.setHubSeconds) env.host.setHubSeconds(s);
    scheduleHub();
  },
};

function advertise() {
  var h = env.host;
  var s = h.secret();
  var nonce = random(4);
  var flags = (s ? 0 : Adv.FRESH) | (byButton ? 0 : Adv.HUB);
  if (NRF.setAddress) {
    var a = random(6);
    a[5] |= 0xc0; // random static address: top two bits 11
    var parts: string[] = [];
    for (var i = 5; i >= 0; i--) parts.push((a[i] < 16 ? "0" : "") + a[i].toString(16));
    try {
      NRF.setAddress(parts.join(":") + " random");
    } catch (e) {
      /* keep the current address if the stack refuses */
    }
  }
  NRF.setAdvertising(syncAdvert(flags, nonce, s ? beaconTag(prims, s, nonce) : new Uint8Array(4)), {
    connectable: true,
    scannable: false,
    interval: WINDOW_ADV_MS,
  });
}

function closeWindow() {
  windowTimer = null;
  windowOpen = false;
  if (connected || !H || decommissioned) return;
  byButton = false;
  H.holdAdvertising(false);
}

function openWindow(ms: number, button: boolean) {
  if (!H || decommissioned) return;
  if (button) {
    byButton = true;
    failures = 0;
  }
  if (failures >= MAX_AUTH_FAILURES && !button) return;
  windowOpen = true;
  if (!connected) {
    H.holdAdvertising(true);
    advertise();
  }
  if (windowTimer) clearTimeout(windowTimer);
  windowTimer = setTimeout(closeWindow, ms);
}

function scheduleHub() {
  if (hubTimer) clearInterval(hubTimer);
  hubTimer = null;
  if (hub > 0) {
    hubTimer = setInterval(function () {
      if (H && H.secret() && !windowOpen) openWindow(HUB_WINDOW_MS, false);
    }, hub * 1000);
  }
}

function idle() {
  idleTimer = null;
  if (connected) NRF.disconnect();
}

/** A new link or a lost one: forget timers and queue of the previous link. */
function resetLink() {
  queue = [];
  closeAfterQueue = false;
  if (closeTimer) clearTimeout(closeTimer);
  closeTimer = null;
  if (session) session.end();
  session = null;
}

function touch() {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(idle, IDLE_MS);
}

/**
 * The owner pressed the button: open the sync window for WINDOW_MS (an unpaired token also accepts
 * PAIR during it). The app calls this; it is also Omamori.sync.open() from the console.
 */
export function syncWindowOpen(): void {
  openWindow(WINDOW_MS, true);
}

/** True while a host is connected (the app may show it on the LED). */
export function syncConnected(): boolean {
  return connected;
}

export function syncStart(host: SyncHost): void {
  H = host;
  env.host = host;
  hub = host.hubSeconds ? host.hubSeconds() : 0;
  var rx: any = {};
  rx[RX] = {
    writable: true,
    maxLen: Size.MAX_FRAG,
    value: [0],
    onWrite: function (evt: any) {
      touch();
      if (session) session.data(new Uint8Array(evt.data));
    },
  };
  rx[TX] = { readable: true, notify: true, maxLen: Size.MAX_FRAG, value: [0] };
  var svc: any = {};
  svc[SVC] = rx;
  NRF.setServices(svc, { uart: false });
  NRF.on("connect", function () {
    connected = true;
    resetLink();
    session = createTokenSession(env, link);
    touch();
  });
  NRF.on("disconnect", function () {
    // a link lost mid-session (not closed with BYE): stay reachable a little so the host can resume
    var lost = session && session.isOpen();
    connected = false;
    resetLink();
    if (lost) {
      windowOpen = true;
      if (windowTimer) clearTimeout(windowTimer);
      windowTimer = setTimeout(closeWindow, RESUME_MS);
    }
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (windowOpen && !decommissioned) advertise();
    else closeWindow();
  });
  scheduleHub();
}
