/**
 * One sync connection on the token (issue 5): mutual HMAC challenge-response, then sealed
 * requests answered from the SyncHost. Pure logic, no Espruino globals, so it runs unchanged in
 * Node tests (test/sync/) and in the built firmware. Formats: common/formats/syncMessages.ts;
 * flow and threat model: docs/FORMATS.md, docs/SECURITY.md.
 *
 * Token proves itself only AFTER the host did, so a host without the secret gets nothing but a
 * random nonce and an error. Any bad, forged, replayed or out-of-order message ends the session.
 */
import { SyncHost } from "./host";
import {
  SyncPrimitives, SessionKeys, createReassembler, fragment, message, errorBody, seal, unseal, sessionKeys,
  authProof, checkProof, encodeStatus, encodeKeys, u32s, getU32, getU16, concat,
  MAX_MESSAGE, MAX_FRAG, MIN_FRAG, NONCE_LEN, SECRET_LEN, PROTOCOL_VERSION, DIR_HOST, DIR_TOKEN,
  LABEL_HOST_PROOF, LABEL_TOKEN_PROOF, K_HELLO, K_CHALLENGE, K_AUTH, K_AUTH_OK, K_PAIR, K_PAIRED, K_ERROR,
  OP_STATUS, OP_SET_CLOCK, OP_READ_LOG, OP_READ_KEYS, OP_SET_ALERT, OP_ERASE_ALL, OP_DECOMMISSION,
  OP_SET_SCAN, OP_SET_HUB, OP_BYE, OP_ERROR, RESPONSE,
  E_BAD_MESSAGE, E_AUTH, E_BUSY, E_NOT_PAIRED, E_REFUSED, E_LOCKED, E_BAD_ARGUMENT, E_INTEGRITY,
  E_ALREADY_PAIRED, E_NO_WINDOW,
} from "../../common/formats/syncMessages";

/** How long the owner has to press the button after a daily-key request. */
export var CONSENT_MS = 30000;

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
  var rx = createReassembler(MAX_MESSAGE);
  var fragSize = MIN_FRAG;
  var state = 0; // 0 new, 1 challenged, 2 open, 3 closed
  var hostNonce: Uint8Array | null = null;
  var tokenNonce: Uint8Array | null = null;
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
    send(message(K_ERROR, errorBody(code)));
    close();
  }
  function reply(op: number, body: Uint8Array | null) {
    if (state !== 2 || !keys) return;
    send(seal(env.crypto, keys, DIR_TOKEN, txSeq++, message(op, body)));
  }

  function request(op: number, b: Uint8Array) {
    var h = env.host;
    if (waiting) return reply(OP_ERROR, errorBody(E_BUSY));
    if (op === OP_STATUS) {
      var s: any = h.status();
      s.hubSeconds = env.hubSeconds();
      return reply(op | RESPONSE, encodeStatus(s));
    }
    if (op === OP_SET_CLOCK && b.length === 4) return reply(op | RESPONSE, u32s([h.setClock(getU32(b, 0))]));
    if (op === OP_READ_LOG && b.length === 8) {
      var max = Math.min(getU32(b, 4), MAX_MESSAGE - 64);
      var r = h.readLog(getU32(b, 0), max);
      return reply(op | RESPONSE, concat([u32s([r.next]), r.data]));
    }
    if (op === OP_READ_KEYS && b.length === 0) {
      waiting = true;
      return h.askConsent(CONSENT_MS, function (granted) {
        waiting = false;
        if (state !== 2) return;
        if (granted) reply(op | RESPONSE, encodeKeys(h.dailyKeys()));
        else reply(OP_ERROR, errorBody(E_REFUSED));
      });
    }
    if (op === OP_SET_ALERT && b.length === 1) {
      h.setAlert(b[0] === 1);
      return reply(op | RESPONSE, null);
    }
    if ((op === OP_ERASE_ALL || op === OP_DECOMMISSION) && b.length === 0) {
      reply(op | RESPONSE, null);
      close();
      if (op === OP_ERASE_ALL) h.eraseAll();
      else h.decommission();
      return;
    }
    if (op === OP_SET_SCAN && b.length === 8) {
      if (h.setScanSettings(getU32(b, 0), getU32(b, 4))) return reply(op | RESPONSE, null);
      return reply(OP_ERROR, errorBody(E_BAD_ARGUMENT));
    }
    if (op === OP_SET_HUB && b.length === 2) {
      env.setHubSeconds(getU16(b, 0));
      return reply(op | RESPONSE, null);
    }
    if (op === OP_BYE) {
      reply(op | RESPONSE, null);
      return close();
    }
    reply(OP_ERROR, errorBody(E_BAD_ARGUMENT));
  }

  function handle(m: Uint8Array) {
    var kind = m[0];
    var secret = env.host.secret();
    if (state === 0 && kind === K_PAIR && m.length === 1 + SECRET_LEN) {
      if (secret) return fail(E_ALREADY_PAIRED);
      if (!env.pairingAllowed()) return fail(E_NO_WINDOW);
      env.host.setSecret(m.slice(1));
      return send(message(K_PAIRED, null));
    }
    if (state === 0 && kind === K_HELLO && m.length === 4 + NONCE_LEN && m[1] === PROTOCOL_VERSION) {
      var fs = getU16(m, 2);
      if (fs < MIN_FRAG || fs > MAX_FRAG) return fail(E_BAD_ARGUMENT);
      fragSize = fs;
      if (!secret) return fail(E_NOT_PAIRED);
      if (env.locked()) return fail(E_LOCKED);
      hostNonce = m.slice(4);
      tokenNonce = env.random(NONCE_LEN);
      state = 1;
      var c = new Uint8Array(2);
      c[0] = PROTOCOL_VERSION;
      return send(message(K_CHALLENGE, concat([c, tokenNonce])));
    }
    if (state === 1 && kind === K_AUTH && m.length === 33 && secret && hostNonce && tokenNonce) {
      if (!checkProof(env.crypto, secret, LABEL_HOST_PROOF, hostNonce, tokenNonce, m.subarray(1))) {
        env.authFailed();
        return fail(E_AUTH);
      }
      keys = sessionKeys(env.crypto, secret, hostNonce, tokenNonce);
      send(message(K_AUTH_OK, authProof(env.crypto, secret, LABEL_TOKEN_PROOF, hostNonce, tokenNonce)));
      state = 2;
      return;
    }
    if (state === 2 && keys) {
      var plain = unseal(env.crypto, keys, DIR_HOST, rxSeq, m);
      if (!plain) return fail(E_INTEGRITY);
      rxSeq++;
      return request(plain[0], plain.subarray(1));
    }
    fail(E_BAD_MESSAGE);
  }

  return {
    data: function (value: Uint8Array) {
      if (state === 3) return;
      var m: Uint8Array | null = null;
      try {
        m = rx.push(value);
      } catch (e) {
        return fail(E_BAD_MESSAGE);
      }
      if (m && m.length) handle(m);
      else if (m) fail(E_BAD_MESSAGE);
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
