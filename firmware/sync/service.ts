/**
 * Sync service on the token: the GATT service, the sync window opened by a button press, the optional
 * home-hub beacon, and one TokenSession (session.ts) per connection.
 *
 * - The token is connectable only inside a window: syncWindowOpen() (a button press) or a short
 *   home-hub window every `hub` seconds (off by default). During a window the service holds the radio's
 *   advertising (SyncHost.holdAdvertising) and advertises the sync advert (common/formats/syncMessages.ts
 *   syncAdvert) from a fresh random static address, unrelated to the GAEN identifiers; a fresh random
 *   nonce + HMAC tag lets only the owner's host recognise it. The radio sleeps while the address and
 *   payload change, so no advert ever pairs the old payload with the new address (advertiser.ts).
 * - Three failed authentications lock the token until the next button press (docs/SECURITY.md).
 * - The Nordic UART (the REPL) is removed from the GATT table (setServices uart:false): during a window
 *   a stranger could otherwise reach the console.
 */
import { u8 } from "../../common/bytes";
import { SyncHost } from "./host";
import { createTokenSession, TokenSession, TokenEnv } from "./session";
import { syncAdvert, beaconTag, Adv, Limit, Size, Uuid } from "../../common/formats/syncMessages";
import { hmacSha256 } from "../crypto/hmac";
import { hkdfSha256 } from "../crypto/hkdf";
import { ctrXor } from "../crypto/ctr";
import { randomAddress, randomBytes } from "../app/random";

/** Button window, home-hub window, idle link timeout (ms), failed-authentication limit. */
const enum Win {
  WINDOW_MS = 60000,
  HUB_WINDOW_MS = 4000,
  /** An authenticated link idle this long is dropped: the consent time (session.ts, 30 s) plus 15 s. */
  IDLE_MS = 45000,
  /**
   * A link must be authenticated this soon after it connects, or it is dropped: a stranger cannot hold
   * the token's one connection (a real host needs two round trips, well under a second).
   */
  AUTH_MS = 5000,
  MAX_AUTH_FAILURES = 3,
  /** After a link is lost mid-session, the window stays open (or reopens) this long, so the host can resume. */
  RESUME_MS = 30000,
  /** Delay between a session's last notification and the token hanging up. */
  CLOSE_DELAY_MS = 500,
  /** Advertising interval inside a window (connectable). */
  WINDOW_ADV_MS = 100,
}

/** The service and notify UUIDs once each in the built file (a const enum member is written out at every use). */
var SVC: string = Uuid.SERVICE;
var TX: string = Uuid.TX;
var H: SyncHost;
var session: TokenSession | null = null;
var connected = 0;
var windowOpen = 0;
var byButton = 0;
var failures = 0;
var decommissioned = 0;
var windowTimer: any = 0;
var hubTimer: any = 0;
var idleTimer: any = 0;
var authTimer: any = 0;
var closeTimer: any = 0;
var queue: Uint8Array[] = [];
var sending = 0;
var closeAfterQueue = 0;

/** Sends queued notifications; a full radio buffer throws, so retry shortly after. */
function pump(): void {
  sending = 0;
  while (queue.length) {
    try {
      NRF.updateServices({ [SVC]: { [TX]: { value: queue[0], notify: true } } });
    } catch (e) {
      sending = 1;
      setTimeout(pump, 20);
      return;
    }
    queue.shift();
  }
  if (closeAfterQueue) {
    // let the last notifications leave before the link goes (the host usually hangs up first)
    closeAfterQueue = 0;
    closeTimer = setTimeout(hangUp, Win.CLOSE_DELAY_MS);
  }
}

function hangUp(): void {
  if (connected) NRF.disconnect();
}

var env: TokenEnv = {
  host: null as any,
  crypto: { hmacSha256: hmacSha256, hkdfSha256: hkdfSha256, ctrXor: ctrXor },
  random: randomBytes,
  pairingAllowed: function () {
    return !!(byButton && windowOpen && !H.secret());
  },
  locked: function () {
    return failures >= Win.MAX_AUTH_FAILURES;
  },
  authFailed: function () {
    failures++;
  },
  hubSeconds: function () {
    return H.hubSeconds ? H.hubSeconds() : 0;
  },
  stopped: function () {
    decommissioned = 1;
    clearTimeout(hubTimer);
  },
  setHubSeconds: function (s: number) {
    if (H.setHubSeconds) H.setHubSeconds(s);
    scheduleHub();
  },
};

/**
 * The sync advert, a fresh nonce each time; `fresh`: from a new address, set while the radio sleeps
 * (see the module comment). A window keeps one address: when a host hangs up, Espruino restarts the
 * last advert at once, under the window's address, before this code runs, and a host that saw that
 * advert must find the token there.
 */
function advertise(fresh: number): void {
  var s = H.secret();
  var nonce = randomBytes(4);
  if (fresh) {
    NRF.sleep();
    NRF.setAddress(randomAddress());
  }
  NRF.setAdvertising(syncAdvert(s ? 0 : Adv.FRESH, nonce, s ? beaconTag(env.crypto, s, nonce) : u8(4)), {
    connectable: true,
    scannable: false,
    interval: Win.WINDOW_ADV_MS,
  });
  if (fresh) NRF.wake();
}

function closeWindow(): void {
  windowTimer = 0;
  windowOpen = 0;
  if (connected || decommissioned) return;
  byButton = 0;
  H.holdAdvertising(false);
}

function openWindow(ms: number, button: number): void {
  if (!H || decommissioned) return;
  if (button) {
    byButton = 1;
    failures = 0;
  }
  if (failures >= Win.MAX_AUTH_FAILURES && !button) return;
  var was = windowOpen;
  windowOpen = 1;
  if (!connected) {
    H.holdAdvertising(true);
    advertise(was ? 0 : 1);
  }
  clearTimeout(windowTimer);
  windowTimer = setTimeout(closeWindow, ms);
}

function hubWindow(): void {
  if (H.secret() && !windowOpen) openWindow(Win.HUB_WINDOW_MS, 0);
  scheduleHub();
}

/**
 * The next home-hub window at a random moment between 0.5 and 1.5 times the cadence from now (hardware
 * random), never more often than Limit.HUB_MIN_SECONDS on average: no fixed phase for a listener to follow.
 */
function scheduleHub(): void {
  clearTimeout(hubTimer);
  hubTimer = 0;
  var s = env.hubSeconds();
  if (s > 0 && !decommissioned) hubTimer = setTimeout(hubWindow, Math.max(s, Limit.HUB_MIN_SECONDS) * (500 + (E.hwRand() >>> 0) / 4294967.296));
}

/** A new link or a lost one: forget the queue and session of the previous link. */
function resetLink(): void {
  queue = [];
  closeAfterQueue = 0;
  clearTimeout(closeTimer);
  closeTimer = 0;
  if (session) session.end();
  session = null;
}

function touch(): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(hangUp, Win.IDLE_MS);
}

/** AUTH_MS after a connection: hang up unless it authenticated (pairing included: PAIR is one message). */
function unauthenticated(): void {
  authTimer = 0;
  if (!(session && session.isOpen())) hangUp();
}

/**
 * The owner pressed the button: open the sync window for WINDOW_MS (an unpaired token also accepts
 * PAIR during it). It is also Omamori.sync.open() from the console.
 */
export function syncWindowOpen(): void {
  openWindow(Win.WINDOW_MS, 1);
}

function onConnect(): void {
  connected = 1;
  resetLink();
  clearTimeout(authTimer);
  authTimer = setTimeout(unauthenticated, Win.AUTH_MS);
  session = createTokenSession(env, {
    send: function (v: Uint8Array) {
      queue.push(v);
      if (!sending) pump();
    },
    close: function () {
      closeAfterQueue = 1;
      if (!sending) pump();
    },
  });
  touch();
}

function onDisconnect(): void {
  // a link lost mid-session (not closed with BYE): stay reachable a little so the host can resume
  var lost = session && session.isOpen();
  connected = 0;
  resetLink();
  if (lost) {
    windowOpen = 1;
    clearTimeout(windowTimer);
    windowTimer = setTimeout(closeWindow, Win.RESUME_MS);
  }
  clearTimeout(idleTimer);
  clearTimeout(authTimer);
  idleTimer = authTimer = 0;
  if (windowOpen && !decommissioned) advertise(0);
  else closeWindow();
}

function onWrite(evt: any): void {
  touch();
  if (session) session.data(u8(evt.data));
}

export function syncStart(host: SyncHost): void {
  H = env.host = host;
  NRF.setServices({
    [SVC]: {
      [Uuid.RX]: { writable: true, maxLen: Size.MAX_FRAG, value: [0], onWrite: onWrite },
      [TX]: { readable: true, notify: true, maxLen: Size.MAX_FRAG, value: [0] },
    },
  }, { uart: false });
  NRF.on("connect", onConnect);
  NRF.on("disconnect", onDisconnect);
  scheduleHub();
}
