/**
 * What the world needs from a simulated device (token, phone, the host's GATT central).
 *
 * The radio state follows the Espruino runtime's `radioState()` shape (sim/espruino/), so a token's
 * runtime state passes through unchanged. State may only change inside `advanceTo` or `receive`
 * and must be announced through the `onRadioChange` listener; the world reads it at segment starts.
 */

export interface AdvertisingState {
  /** Raw advertising payload (at most 31 bytes). */
  data: Uint8Array;
  intervalMs: number;
  connectable: boolean;
  scannable: boolean;
  /** Packets sent in turn, one per advertising event (NRF.setAdvertising([...])); absent or one = `data`. */
  rotation?: Uint8Array[];
}

export interface ScanningState {
  filters?: unknown;
  active?: boolean;
}

export interface RadioState {
  advertising: AdvertisingState | null;
  /** "aa:bb:cc:dd:ee:ff" */
  address: string;
  addressType: string;
  /** Conducted TX power setting, dBm (NRF.setTxPower). */
  txPowerDbm: number;
  scanning: ScanningState | null;
  /** Radio off (NRF.sleep()). */
  sleeping: boolean;
  connected: boolean;
}

/** One advertising packet as a receiver gets it. */
export interface ReceivedPacket {
  timeMs: number;
  /** Id of the sending device in the world (not visible to firmware; for tests and ground truth). */
  from: string;
  address: string;
  addressType: string;
  rssi: number;
  data: Uint8Array;
  /** The advert was connectable (ADV_IND): a central may connect. */
  connectable: boolean;
}

/** The first advertising event of a start of advertising (sent at once, whatever follows). */
export interface AdvertStartEvent {
  timeMs: number;
  address: string;
  addressType: string;
  data: Uint8Array;
  connectable: boolean;
}

export interface SimDevice {
  readonly id: string;
  /** "listener": a passive sniffer (devices/listener.ts), delivered to like a phone. */
  readonly kind: "token" | "phone" | "central" | "listener";
  /** Next time (ms since epoch) the device has something to do; Infinity when idle. */
  nextEventTimeMs(): number;
  /** Run everything due up to and including `ms`; the device's clock is then `ms`. */
  advanceTo(ms: number): void;
  radioState(): RadioState;
  /** Called whenever radioState() changes. */
  onRadioChange(cb: () => void): void;
  /**
   * Optional: first advertising events sent since the last call (a start of advertising sends one
   * at once, even when the payload is replaced in the same instant). Delivered like one advert.
   */
  takeAdvertStarts?(): AdvertStartEvent[];
  /** Deliver one received packet at packet.timeMs (>= the device's current time). */
  receive(packet: ReceivedPacket): void;
  /** Radiated power (dBm) of adverts sent with the given conducted TX power setting. */
  radiatedPowerDbm(txPowerSettingDbm: number): number;
  /** Receiver calibration: calibrated RSSI = reported RSSI + rssiOffsetDb. */
  readonly rssiOffsetDb: number;
  readonly sensitivityDbm: number;
}
