/**
 * How the host reaches a token (docs/FORMATS.md "Flow of one sync"): a transport finds sync adverts and opens a
 * GATT link to one. Implementations: transports/sim.ts (the simulator's GATT central) and
 * transports/ble.ts (@stoprocent/noble on a real adapter). The session (session.ts) only sees SyncLink.
 */

/** One sync advert seen by a scan (service data under SYNC_SERVICE_UUID: [flags][nonce 4][tag 4]). */
export interface SeenAdvert {
  /** Transport address of the advertiser (changes every window; not the owner's token id). */
  address: string;
  flags: number;
  nonce: Uint8Array;
  tag: Uint8Array;
  rssi: number;
  /**
   * The person picked this device in a browser's device chooser, and the browser does not show its
   * advert's service data (Web Bluetooth without watchAdvertisements): flags, nonce and tag are
   * unknown (zero). The host connects without checking the tag; the session's mutual
   * authentication decides (a wrong token answers "auth", a paired one refuses PAIR).
   */
  chosen?: boolean;
}

/** An open GATT connection to the sync service: write to RX, notifications from TX. */
export interface SyncLink {
  /** Negotiated ATT MTU (23..247); fragments are MTU - 3 bytes. */
  readonly mtu: number;
  write(value: Uint8Array): Promise<void>;
  onNotify(listener: (value: Uint8Array) => void): void;
  onDisconnect(listener: (reason: string) => void): void;
  disconnect(): Promise<void>;
  /**
   * Simulated links only: run simulated time until `until()` holds or `maxMs` (simulated) passed.
   * Real links leave it out; the session then waits for real time.
   */
  pump?(until: () => boolean, maxMs: number): Promise<unknown>;
}

export interface SyncTransport {
  readonly name: string;
  /** Listens for sync adverts for up to `timeoutMs`; stops early when `seen` returns true. */
  scan(seen: (advert: SeenAdvert) => boolean, timeoutMs: number): Promise<void>;
  connect(advert: SeenAdvert): Promise<SyncLink>;
  close(): Promise<void>;
}

/** Parses the 9-byte service data of a sync advert (see syncAdvert); null if it is not one. */
export function parseSyncServiceData(address: string, data: Uint8Array, rssi: number): SeenAdvert | null {
  if (data.length !== 9) return null;
  return { address, flags: data[0], nonce: data.slice(1, 5), tag: data.slice(5, 9), rssi };
}
