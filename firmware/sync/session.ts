/**
 * One sync connection on the token (docs/FORMATS.md "Sync messages"): mutual HMAC challenge-response, then sealed
 * requests answered from the SyncHost. Pure logic, no Espruino globals, so it runs unchanged in
 * Node tests (test/sync/) and in the built firmware. Formats: common/formats/syncMessages.ts;
 * flow and threat model: docs/FORMATS.md, docs/SECURITY.md.
 *
 * Token proves itself only AFTER the host did, so a host without the secret gets nothing but a
 * random nonce and an error. Any bad, forged, replayed or out-of-order message ends the session.
 */
import { SyncHost } from "./host";
import { readU32LE, u8 } from "../../common/bytes";
import {
  SyncPrimitives, SessionKeys, createReassembler, fragment, message, errorBody, seal, unseal,
  sessionKeys, authProof, checkProof, encodeStatus, encodeKeys, u32s, getU16, concat, transcript, Dir, Err, Kind,
  Label, Limit, Op, Size,
} from "../../common/formats/syncMessages";

export const enum SessionTime {
  /** How long the owner has to press the button after a daily-key request. */
  CONSENT_MS = 30000,
  /** Erase and decommission run this long after their answer (the service hangs up after 500 ms). */
  ACTION_DELAY_MS = 1000,
}

/** What a session needs besides the SyncHost; the sync service (service.ts) provides it. */
export interface TokenEnv {
  host: SyncHost;
  crypto: SyncPrimitives;
  random(n: number): Uint8Array;
  /** True while a button-opened window on an unpaired token allows PAIR. */
  pairingAllowed(): boolean;
  /** True after too many failed authentications in this window. */
  locked(): boolean;
  authFailed(): void;
  hubSeconds(): number;
  setHubSeconds(s: number): void;
  /** The token was decommissioned: never offer a sync window again. */
  stopped(): void;
}

/** Where the session's GATT values go (service.ts: notifications; tests: a fake link). */
export interface TokenLink {
  send(value: Uint8Array): void;
  close(): void;
}

export interface TokenSession {
  /** One GATT value written by the host. */
  data(value: Uint8Array): void;
  /** The connection is gone (or the service ends it). */
  end(): void;
  isOpen(): boolean;
}

export function createTokenSession(env: TokenEnv, link: TokenLink): TokenSession {
  var rx = createReassembler(Size.MAX_MESSAGE);
  var fragSize = Size.MIN_FRAG;
  var state = 0; // 0 new, 1 challenged, 2 open, 3 closed
  /** The handshake so far (HELLO, then HELLO | CHALLENGE): what both proofs and the keys are bound to. */
  var hs: Uint8Array | null = null;
  var keys: SessionKeys | null = null;
  var rxSeq = 0;
  var txSeq = 0;
  var waiting = false;

  function send(m: Uint8Array) {
    if (state === 3) return;
    var f = fragment(m, fragSize);
    for (var i = 0; i < f.length; i++) link.send(f[i]);
  }
  function close() {
    if (state === 3) return;
    state = 3;
    keys = null;
    link.close();
  }
  function fail(code: number) {
    send(message(Kind.ERROR, errorBody(code)));
    close();
  }
  function reply(op: number, body: Uint8Array | null) {
    if (state !== 2 || !keys) return;
    send(seal(env.crypto, keys, Dir.TOKEN, txSeq++, message(op, body)));
  }

  function request(op: number, b: Uint8Array) {
    var h = env.host;
    var out: Uint8Array | null = null;
    var err = 0;
    var n = b.length;
    if (waiting) err = Err.BUSY;
    else if (op === Op.STATUS) {
      var s = h.status();
      s.push(env.hubSeconds());
      out = encodeStatus(s);
    } else if (op === Op.SET_CLOCK && n === 4) out = u32s([h.setClock(readU32LE(b, 0))]);
    else if (op === Op.READ_LOG && n === 8) {
      var r = h.readLog(readU32LE(b, 0), Math.min(readU32LE(b, 4), Size.MAX_MESSAGE - 64));
      out = concat([u32s([r.next]), r.data]);
    } else if (op === Op.READ_KEYS && !n) {
      waiting = true;
      return h.askConsent(SessionTime.CONSENT_MS, function (granted) {
        waiting = false;
        if (granted) reply(op | Op.RESPONSE, encodeKeys(h.dailyKeys()));
        else reply(Op.ERROR, errorBody(Err.REFUSED));
      });
    } else if (op === Op.SET_ALERT && n === 1) h.setAlert(b[0] === 1);
    else if ((op === Op.ERASE_ALL || op === Op.DECOMMISSION) && !n) {
      reply(op | Op.RESPONSE, null);
      close();
      if (op === Op.DECOMMISSION) env.stopped();
      // after the answer has left and the link is down (decommission puts the radio to sleep)
      return setTimeout(function () {
        if (op === Op.ERASE_ALL) h.eraseAll();
        else h.decommission();
      }, SessionTime.ACTION_DELAY_MS);
    } else if (op === Op.SET_SCAN && n === 8) {
      if (!h.setScanSettings(readU32LE(b, 0), readU32LE(b, 4))) err = Err.BAD_ARGUMENT;
    } else if (op === Op.SET_HUB && n === 2) {
      var hub = getU16(b, 0);
      // the token keeps windows rare whatever the host asks (docs/SECURITY.md "When the token can be reached")
      if (hub && hub < Limit.HUB_MIN_SECONDS) err = Err.BAD_ARGUMENT;
      else env.setHubSeconds(hub);
    }
    else if (op !== Op.BYE) err = Err.BAD_ARGUMENT;
    reply(err ? Op.ERROR : op | Op.RESPONSE, err ? errorBody(err) : out);
    if (op === Op.BYE && !err) close();
  }

  function handle(m: Uint8Array) {
    var kind = m[0];
    var secret = env.host.secret();
    if (state === 0 && kind === Kind.PAIR && m.length === 1 + Size.SECRET) {
      if (secret) return fail(Err.ALREADY_PAIRED);
      if (!env.pairingAllowed()) return fail(Err.NO_WINDOW);
      env.host.setSecret(m.slice(1));
      return send(message(Kind.PAIRED, null));
    }
    if (state === 0 && kind === Kind.HELLO && m.length === 4 + Size.NONCE && m[1] === Size.VERSION) {
      var fs = getU16(m, 2);
      if (fs < Size.MIN_FRAG || fs > Size.MAX_FRAG) return fail(Err.BAD_ARGUMENT);
      fragSize = fs;
      if (!secret) return fail(Err.NOT_PAIRED);
      if (env.locked()) return fail(Err.LOCKED);
      var c = u8(3);
      c[0] = Kind.CHALLENGE;
      c[1] = Size.VERSION;
      c = concat([c, env.random(Size.NONCE)]);
      hs = transcript(m, c);
      state = 1;
      return send(c);
    }
    if (state === 1 && kind === Kind.AUTH && m.length === 33 && secret && hs) {
      if (!checkProof(env.crypto, secret, Label.HOST_PROOF, hs, m.subarray(1))) {
        env.authFailed();
        return fail(Err.AUTH);
      }
      keys = sessionKeys(env.crypto, secret, hs);
      send(message(Kind.AUTH_OK, authProof(env.crypto, secret, Label.TOKEN_PROOF, hs)));
      state = 2;
      return;
    }
    if (state === 2 && keys) {
      var plain = unseal(env.crypto, keys, Dir.HOST, rxSeq, m);
      if (!plain) return fail(Err.INTEGRITY);
      rxSeq++;
      return request(plain[0], plain.subarray(1));
    }
    fail(Err.BAD_MESSAGE);
  }

  return {
    data: function (value: Uint8Array) {
      if (state === 3) return;
      var m: Uint8Array | null = null;
      try {
        m = rx.push(value);
      } catch (e) {
        return fail(Err.BAD_MESSAGE);
      }
      if (m && m.length) handle(m);
      else if (m) fail(Err.BAD_MESSAGE);
    },
    end: function () {
      rx.reset();
      state = 3;
      keys = null;
    },
    isOpen: function () {
      return state === 2;
    },
  };
}
