/**
 * The `NRF` object (libs/bluetooth/jswrap_bluetooth.c, targets/nrf5x/bluetooth.c,
 * libs/bluetooth/bluetooth_utils.c at Espruino c5ff787b19; docs/spec/espruino-platform.md section 2) and the radio
 * state the world reads:
 *
 * Advertising
 *   - at power-on Espruino advertises connectably every 375 ms (BLUETOOTH_ADVERTISING_INTERVAL)
 *     with flags, the 0x0590 manufacturer id and its name "<Board> abcd";
 *   - raw array / ArrayBuffer / typed array data is sent verbatim; more than 31 bytes makes the
 *     SoftDevice refuse it: Error "ERR 0x9 (INVALID_LENGTH)";
 *   - object data is built as _jswrap_ble_getAdvertisingDataRaw does: flags (0x06, or 0x05 with
 *     discoverable:false, none with flags:false), service data per key, 16-bit UUID list for
 *     keys with undefined values, manufacturer data (0x0590 by default since 2v26;
 *     manufacturer:false removes it), then the name (shortened, type 0x08, if it does not fit);
 *     overflow throws "Advertising data too long when adding <what>";
 *   - an array of packets is rotated, one per advertising event (radioState().rotation);
 *   - interval: ms -> 0.625 ms units clamped to 20..10240 ms; non-connectable adverts are also
 *     kept >= 100 ms (BLE 4.x rule for ADV_NONCONN_IND, docs/spec/espruino-platform.md);
 *   - while a central is connected advertising stops unless whenConnected:true (then it is
 *     non-connectable) — jsble_advertising_start.
 * Address and SoftDevice restarts (jswrap_ble_setAddress, jswrap_ble_restart,
 * jsble_restart_softdevice, jsble_init, jswrap_ble_reconfigure_softdevice, jswrap_ble_wake/sleep,
 * jsble_advertising_start; the SoftDevices' ble_gap.h sd_ble_gap_addr_set — S132 v3.1 on the
 * nRF52832 boards, S140 6.1.1 on the nRF52840 ones — reached through the peer manager's
 * pm_id_addr_set):
 *   - setAddress only parses (bleVarToAddr: ':' at 2,5,8,11,14, hex digits not checked, an
 *     optional " public"/" random"/" private-resolvable"/" private-nonresolvable"), else it throws
 *     "Expecting mac address of the form aa:bb:cc:dd:ee:ff"; it stores the string and restarts
 *     the SoftDevice — at once, or, while a central is connected, after the disconnection
 *     ("BLE Connected, queueing BLE restart for later");
 *   - the restart: sleep (advertising stops, a link drops), the SoftDevice comes back with the
 *     chip's factory address (random static, from FICR), then the stored address is applied:
 *     the identity address must be public or random static (top bits 11); anything else —
 *     private-resolvable, private-nonresolvable, a "random" address without the 11 bits — is
 *     refused on every board, and the refusal is only printed ("pm_id_addr_set failed: 0x3202"),
 *     so the factory address stays on the air; then a running scan restarts with default
 *     parameters, the STORED advertising data is set up again and, unless NRF.sleep() was in
 *     force, advertising starts — with the old payload under the new address until the next
 *     setAdvertising;
 *   - every start of advertising (power-on, wake, restart, setAdvertising while advertising,
 *     after a disconnection) sends its first event at once (runtime takeAdvertStarts()): a
 *     payload replaced in the same instant is still heard once;
 *   - while NRF.sleep() is in force nothing is sent: setAdvertising and setAddress only store,
 *     and NRF.wake() starts advertising with what is stored (the safe way to change identifier
 *     and address together: sleep, setAdvertising, setAddress, wake);
 *   - getAddress() is the factory address, getAddress(true) the last one set (accepted or not);
 *     both with the first byte ORed with 0xC0 as the C code prints it; the default name's last
 *     4 hex digits come from the latter.
 * Scanning
 *   - setScan(cb, {filters, active, window, interval}) / setScan() to stop; window/interval (ms,
 *     2v22+) as jsble_set_scan_params takes them (default 100/100 = receiver always on);
 *     NRF.sleep() does not stop scanning; findDevices(cb, {timeout, filters}|ms)
 *     (default 2000 ms, < 10 ms throws "Invalid timeout") merges packets per address;
 *   - the BluetoothDevice: id "<addr> <type>", rssi, data (ArrayBuffer), and from the AD
 *     structures name/shortName, services (lowercase 4-hex), serviceData {uuid: ArrayBuffer},
 *     manufacturer, manufacturerData (ArrayBuffer); services/serviceData only when non-empty;
 *   - filters match if ANY filter matches: services, name, namePrefix, id, serviceData
 *     (presence), manufacturerData (id).
 * GATT peripheral: setServices/updateServices (onWrite gets {data: ArrayBuffer}), notify to a
 *   subscribed central, NRF.on('connect'/'disconnect'), disconnect(), setSecurity (stored).
 * BLE UART console (EspruinoDocs tutorials/BLE Security.md): unless setServices(..., {uart:false})
 *   the Nordic UART service is there and is Espruino's REPL: whatever a connected central writes
 *   to its RX characteristic is executed line by line (a leading \x10 — "no echo" — is dropped),
 *   and console output (print, "=result") goes back as TX notifications. E.setPassword +
 *   E.lockConsole make it wait for the password line; E.setConsole(null) detaches it.
 */
import type { EspruinoRuntime } from "./runtime";
import { EventHub } from "./events";
import { toBytes } from "./realm";
import { formatValue } from "./globals";
import { espTypeName } from "./modules";
import { BUILTIN_X86_MS, advertEventBytes } from "./cpuModel";

/**
 * Variables a queued scan report holds until the scan callback runs: the {rssi, id, data} object
 * jsble_exec_pending builds (object, "rssi", "id" and its 24-character string, "data" with an
 * ArrayBuffer of the advert) and the JavaScript event entry that calls the handler (counted like the
 * meter counts values: 12 + 5).
 */
export const QUEUED_REPORT_VARS = 17;

export interface AdvertIn { address: string; addressType: string; rssi: number; data: Uint8Array }

/** The first advertising event of a start of advertising, sent at once by the SoftDevice. */
export interface AdvertStart {
  timeMs: number;
  address: string;
  addressType: string;
  data: Uint8Array;
  connectable: boolean;
  scannable: boolean;
}

export interface RadioStateView {
  /** scanResponse: what NRF.setScanResponse set (sent to active scanners when scannable), or null. */
  advertising: null | { data: Uint8Array; intervalMs: number; connectable: boolean; scannable: boolean; rotation: Uint8Array[]; scanResponse: Uint8Array | null };
  address: string;
  addressType: string;
  txPowerDbm: number;
  /** windowMs of every intervalMs the receiver is on (100/100 = continuously, Espruino's default). */
  scanning: null | { filters: any; active: boolean; intervalMs: number; windowMs: number };
  sleeping: boolean;
  connected: boolean;
}

export interface GattCentral {
  mtu: number;
  /** Optional address the token sees in NRF.on('connect', addr). */
  address?: string;
  onNotify(charUuid: string, data: Uint8Array): void;
  onDisconnect(): void;
}

export interface GattCharacteristicInfo { uuid: string; readable: boolean; writable: boolean; notify: boolean; indicate: boolean }

export interface GattLink {
  /** Negotiated ATT MTU: min(central.mtu, board radio.maxMtu). */
  readonly mtu: number;
  connected(): boolean;
  services(): { uuid: string; characteristics: GattCharacteristicInfo[] }[];
  read(svc: string, char: string): Uint8Array;
  write(svc: string, char: string, data: Uint8Array): void;
  subscribe(svc: string, char: string): void;
  disconnect(): void;
}

/** A central did something the GATT server refuses (what an ATT error would say). */
export class GattError extends Error {}

const MAX_ADV = 31;
const DEFAULT_INTERVAL_MS = 375;
const NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e";
const NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e";
const NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e";
const HCI_REMOTE_USER_TERMINATED = 19;
const HCI_LOCAL_HOST_TERMINATED = 22;

/** Default device-name prefix per Espruino board build (BLUETOOTH_NAME_PREFIX in boards/*.py). */
const DEVICE_NAMES: Record<string, string> = {
  PUCKJS: "Puck.js", BANGLEJS2: "Bangle.js", PIXLJS: "Pixl.js", MDBT42Q: "MDBT42Q", JOLTJS: "Jolt.js", NRF52840DK: "NRF52840DK",
};

/** A UUID written as an object key: numeric keys ({0xFE00: ...} becomes "65024") are numbers. */
export function uuidOfKey(key: string): string {
  return normalizeUuid(/^\d+$/.test(key) ? Number(key) : key);
}

/** "ABCD", 0xABCD, "0xabcd" -> "abcd"; 128-bit strings -> lowercase dashed. */
export function normalizeUuid(u: unknown): string {
  if (typeof u === "number") return (u & 0xffff).toString(16).padStart(4, "0");
  const s = String(u).toLowerCase().replace(/^0x/, "");
  if (/^[0-9a-f]{4}$/.test(s)) return s;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) return s;
  throw new GattError("Invalid UUID " + JSON.stringify(u));
}

interface CharState {
  uuid: string;
  value: Uint8Array;
  maxLen: number;
  readable: boolean;
  writable: boolean;
  notify: boolean;
  indicate: boolean;
  onWrite: unknown;
  subscribed: boolean;
}
type ServiceTable = Map<string, Map<string, CharState>>;

interface AdvConfig {
  packets: Uint8Array[];
  intervalMs: number;
  connectable: boolean;
  scannable: boolean;
  whenConnected: boolean;
}

/** bleVarToAddr: the string split into bytes (chtod: hex digits are not checked) and a type, or null. */
export function bleVarToAddr(s: unknown): { address: string; type: string } | null {
  if (typeof s !== "string") return null;
  for (const i of [2, 5, 8, 11, 14]) if (s[i] !== ":") return null;
  const chtod = (c: string | undefined): number => {
    if (c === undefined) return -1;
    const x = c.charCodeAt(0);
    if (x >= 48 && x <= 57) return x - 48;
    if (x >= 97 && x <= 122) return 10 + x - 97;
    if (x >= 65 && x <= 90) return 10 + x - 65;
    return -1;
  };
  const bytes: string[] = [];
  for (let i = 0; i < 6; i++) bytes.push((((chtod(s[i * 3]) << 4) | chtod(s[i * 3 + 1])) & 0xff).toString(16).padStart(2, "0"));
  let type = "public";
  if (s.length !== 17) {
    const rest = s.slice(17);
    if (rest.startsWith(" public")) type = "public";
    else if (rest.startsWith(" random")) type = "random";
    else if (rest.startsWith(" private-resolvable")) type = "private-resolvable";
    else if (rest.startsWith(" private-nonresolvable")) type = "private-nonresolvable";
    else return null;
  }
  return { address: bytes.join(":"), type };
}

/** sd_ble_gap_addr_set: an identity address is public, or random static with the top bits 11. */
function identityAddressOk(a: { address: string; type: string }): boolean {
  if (a.type === "public") return true;
  return a.type === "random" && parseInt(a.address.slice(0, 2), 16) >> 6 === 3;
}

/** BLE_ERROR_GAP_INVALID_BLE_ADDR (ble_gap.h: BLE_GAP_ERR_BASE 0x3200 + 2). */
const INVALID_BLE_ADDR = 0x3202;

export class Radio {
  private readonly rt: EspruinoRuntime;
  private readonly events: EventHub;
  private adv: AdvConfig;
  /** The chip's factory address (FICR): the SoftDevice's address after every enable. */
  private readonly factoryAddress: string;
  /** The address the SoftDevice uses. */
  private address: string;
  private addressType = "random";
  /** What NRF.setAddress stored (hiddenRoot BLE_MAC), applied at the next SoftDevice start. */
  private macRequest: string | null = null;
  private txPowerDbm: number;
  /** BLE_IS_SLEEPING / BLE_IS_ADVERTISING */
  private sleeping = false;
  private advertising = false;

  private scan: null | { cb: unknown; filters: unknown; active: boolean; intervalMs: number; windowMs: number; found?: Map<string, Record<string, unknown>> } = null;
  private services: ServiceTable = new Map();
  private pendingServices: ServiceTable | null = null;
  /** BLE_NEEDS_SOFTDEVICE_RESTART: a restart waits for the connection to end. */
  private restartQueued = false;
  private uart = true;
  private link: { central: GattCentral; mtu: number; open: boolean } | null = null;
  private findTimer: { cancelled: boolean } | null = null;
  security: unknown = undefined;
  /** What Espruino keeps in its hidden root for a restart: the values the firmware passed. */
  private kept: { adv?: unknown[]; services?: unknown[]; scanResponse?: unknown; address?: unknown } = {};
  private lastView: string | null = null;
  private scanResponse: Uint8Array | null = null;

  constructor(rt: EspruinoRuntime) {
    this.rt = rt;
    this.events = new EventHub((fn, t, a) => rt.runCallback(fn, t, a), (m) => rt.error(m));
    this.txPowerDbm = rt.board.radio.defaultTxPowerDbm;
    this.factoryAddress = deviceAddress(rt);
    this.address = this.factoryAddress;
    this.adv = { packets: [this.buildObjectAdvert(undefined, undefined)], intervalMs: DEFAULT_INTERVAL_MS, connectable: true, scannable: true, whenConnected: false };
    this.services = this.parseServices(undefined, true); // the UART service is there from power-on
    this.install();
    this.advertisingStart(); // jsble_init: advertising from power-on
    this.powerUpdate();
    const meter = rt.vars;
    if (meter) meter.addHeld(() => this.held((n) => meter.nameVars(n)));
  }

  /**
   * What the radio keeps in Espruino's variables (libs/bluetooth/jswrap_bluetooth.c): the scan
   * handler (a native function bound to the callback and the filters, under "#onblescan"), the
   * advertising data and options ("BLE_ADV_D"/"BLE_ADV_O"), the services and their options
   * ("BLE_SVC_D"/"BLE_SVC_O"), the scan response, the address, the security options, event
   * listeners, and reports waiting in the event queue.
   */
  private held(nameVars: (n: string) => number): { vars: number; values: unknown[] }[] {
    const out: { vars: number; values: unknown[] }[] = this.events.held(nameVars);
    if (this.scan) out.push({ vars: nameVars("#onblescan") + 1 + 2 + 1, values: [this.scan.cb, this.scan.filters] });
    const k = this.kept;
    if (k.adv) out.push({ vars: 2 + 2, values: k.adv });
    if (k.services) out.push({ vars: 2 + 2, values: k.services });
    if (k.scanResponse !== undefined) out.push({ vars: 2, values: [k.scanResponse] });
    if (k.address !== undefined) out.push({ vars: 2, values: [k.address] });
    if (this.security !== undefined) out.push({ vars: 2, values: [this.security] });
    const queued = this.rt.queuedReports();
    if (queued) out.push({ vars: queued * QUEUED_REPORT_VARS, values: [] });
    return out;
  }

  /** jsble_advertising_start: nothing if already advertising or connected (unless whenConnected). */
  private advertisingStart(): void {
    if (this.advertising) return;
    const connected = !!this.link?.open;
    if (connected && !this.adv.whenConnected) return;
    if (!this.adv.packets.length) return;
    this.advertising = true;
    this.rt.advertStarted({
      timeMs: this.rt.worldTimeMs(), address: this.address, addressType: this.addressType,
      data: this.adv.packets[0].slice(), connectable: this.adv.connectable && !connected, scannable: this.adv.scannable,
    });
  }

  private advertisingStop(): void {
    this.advertising = false;
  }

  /** What the radio looks like when the token has no power. */
  static offView(): RadioStateView {
    return { advertising: null, address: "", addressType: "", txPowerDbm: 0, scanning: null, sleeping: true, connected: false };
  }

  view(): RadioStateView {
    const connected = !!this.link?.open;
    let advertising: RadioStateView["advertising"] = null;
    if (this.advertising && this.adv.packets.length) {
      const connectable = this.adv.connectable && !connected;
      advertising = {
        data: this.adv.packets[0].slice(),
        intervalMs: this.effectiveInterval(connectable),
        connectable,
        scannable: this.adv.scannable,
        rotation: this.adv.packets.map((p) => p.slice()),
        scanResponse: this.scanResponse ? this.scanResponse.slice() : null,
      };
    }
    return {
      advertising,
      address: this.address,
      addressType: this.addressType,
      txPowerDbm: this.txPowerDbm,
      scanning: this.scan ? { filters: this.scan.filters, active: this.scan.active, intervalMs: this.scan.intervalMs, windowMs: this.scan.windowMs } : null,
      sleeping: this.sleeping,
      connected,
    };
  }

  private effectiveInterval(connectable: boolean): number {
    let units = Math.round(this.adv.intervalMs / 0.625);
    if (units < 0x20) units = 0x20;
    if (units > 0x4000) units = 0x4000;
    let ms = units * 0.625;
    if (!connectable && ms < 100) ms = 100;
    return ms;
  }

  /** Tell the world and the energy meter that something changed (only when it did). */
  notifyChange(): void {
    this.powerUpdate();
    const v = this.view();
    const a = v.advertising;
    const key = JSON.stringify({ ...v, advertising: a && { ...a, data: Array.from(a.data), rotation: a.rotation.map((r) => Array.from(r)), scanResponse: a.scanResponse && Array.from(a.scanResponse) } });
    if (key === this.lastView) return;
    this.lastView = key;
    this.rt.radioChanged();
  }

  private powerUpdate(): void {
    const v = this.view();
    this.rt.setPower({
      advertising: v.advertising ? {
        intervalMs: v.advertising.intervalMs, txPowerDbm: v.txPowerDbm, connectable: v.advertising.connectable,
        dataBytes: v.advertising.rotation.reduce((n, p) => n + p.length, 0) / Math.max(1, v.advertising.rotation.length),
      } : null,
      scanning: v.scanning ? v.scanning.windowMs / v.scanning.intervalMs : 0,
      connected: v.connected,
    });
  }

  /** Reboot or power loss: the link drops (the central is told), scanning stops. */
  powerDown(): void {
    if (this.findTimer) this.findTimer.cancelled = true;
    this.scan = null;
    if (this.link?.open) {
      this.link.open = false;
      const c = this.link.central;
      this.link = null;
      c.onDisconnect();
    }
    this.rt.setPower({ advertising: null, scanning: 0, connected: false });
  }

  // ------------------------------------------------------------------ advert building

  private deviceName(): string {
    const base = DEVICE_NAMES[this.rt.board.espruinoBoard] ?? this.rt.board.name;
    // jsbleGetDeviceName: the last two bytes of the current address (getAddress(true))
    const a = this.currentMac();
    return base + " " + a.slice(12, 14) + a.slice(15, 17);
  }

  private buildObjectAdvert(data: unknown, options: unknown): Uint8Array {
    const out: number[] = [];
    const add = (what: string, type: number, bytes: ArrayLike<number>, uuid?: number) => {
      const extra = uuid === undefined ? 2 : 4;
      if (out.length + bytes.length + extra > MAX_ADV) throw this.rt.error("Advertising data too long when adding " + what);
      out.push(bytes.length + extra - 1, type);
      if (uuid !== undefined) out.push(uuid & 0xff, (uuid >> 8) & 0xff);
      for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
    };
    let flags = 0x06;
    let showName = true;
    let showFlags = true;
    let manufacturer: number | false = 0x0590;
    let manufacturerData: Uint8Array = new Uint8Array(0);
    let name = this.deviceName();
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") throw this.rt.realm.typeError("Expecting Object or undefined, got " + espTypeName(options));
      const o = options as Record<string, unknown>;
      if (o.showName !== undefined) showName = !!o.showName;
      if (o.name !== undefined) name = String(o.name).slice(0, 31);
      if (o.flags !== undefined && !o.flags) showFlags = false;
      if (o.discoverable !== undefined) flags = o.discoverable ? 0x06 : 0x05;
      if (o.manufacturerData !== undefined) manufacturerData = toBytes(o.manufacturerData) ?? new Uint8Array(0);
      if (o.manufacturer !== undefined) manufacturer = o.manufacturer ? Number(o.manufacturer) & 0xffff : false;
    }
    if (showFlags) add("flags", 0x01, [flags]);
    const uuids16: number[] = [];
    if (data !== undefined && data !== null) {
      for (const key of Object.keys(data as object)) {
        const v = (data as Record<string, unknown>)[key];
        let uuid: string;
        try {
          uuid = uuidOfKey(key);
        } catch {
          throw this.rt.error("Invalid Service UUID: " + key);
        }
        if (uuid.length !== 4) throw this.rt.error("Invalid Service UUID: 128 bit UUIDs are not emulated in adverts");
        const u = parseInt(uuid, 16);
        if (v === undefined) uuids16.push(u & 0xff, u >> 8);
        else add("Service", 0x16, toBytes(v) ?? [], u);
      }
    }
    if (uuids16.length) add("16 bit Service", 0x03, uuids16);
    if (manufacturer !== false) add("Manufacturer data", 0xff, manufacturerData, manufacturer);
    if (showName && name.length) {
      let type = 0x09;
      let nb = Array.from(name, (c) => c.charCodeAt(0) & 0xff);
      if (nb.length + out.length + 2 > MAX_ADV) {
        nb = nb.slice(0, Math.max(0, MAX_ADV - 2 - out.length));
        type = 0x08;
      }
      add("Name", type, nb);
    }
    return Uint8Array.from(out);
  }

  private rawAdvert(v: unknown): Uint8Array {
    const b = toBytes(v);
    if (!b) throw this.rt.realm.typeError("Expecting Array or Object, got " + espTypeName(v));
    if (b.length > MAX_ADV) throw this.rt.error("ERR 0x9 (INVALID_LENGTH)");
    return b;
  }

  private static isRawData(v: unknown): boolean {
    return Array.isArray(v) || ArrayBuffer.isView(v) || Object.prototype.toString.call(v) === "[object ArrayBuffer]";
  }

  // ------------------------------------------------------------------ install NRF

  private install(): void {
    const rt = this.rt;
    const realm = rt.realm;
    const NRF: Record<string, unknown> = realm.object({
      setAdvertising: (data: unknown, options: unknown) => this.setAdvertising(data, options),
      getAdvertisingData: (data: unknown, options: unknown) => realm.arrayBuffer(NRF_isRaw(data) ? this.rawAdvert(data) : this.buildObjectAdvert(data, options)),
      getAdvertisingName: () => this.deviceName(),
      setScanResponse: (data: unknown) => {
        this.scanResponse = data === undefined ? null : this.rawAdvert(data);
        this.kept.scanResponse = data;
        this.notifyChange();
      },
      setAddress: (addr: unknown) => this.setAddress(addr),
      getAddress: (current: unknown) => {
        const a = current ? this.currentMac() : this.factoryAddress;
        const first = (parseInt(a.slice(0, 2), 16) | 0xc0).toString(16).padStart(2, "0");
        return first + a.slice(2);
      },
      setTxPower: (p: unknown) => {
        const dbm = Number(p);
        if (!rt.board.radio.txPowerLevels.includes(dbm)) throw rt.error("ERR 0x7 (INVALID_PARAM)");
        this.txPowerDbm = dbm;
        this.notifyChange();
      },
      setScan: (cb: unknown, options: unknown) => this.setScan(cb, options),
      findDevices: (cb: unknown, options: unknown) => this.findDevices(cb, options),
      sleep: () => {
        this.sleep();
        this.notifyChange();
      },
      wake: () => {
        this.sleeping = false;
        this.advertisingStart();
        this.notifyChange();
      },
      restart: () => this.restart(),
      disconnect: () => {
        if (this.link?.open) this.dropLink(HCI_LOCAL_HOST_TERMINATED);
      },
      setServices: (data: unknown, options: unknown) => this.setServices(data, options),
      updateServices: (data: unknown) => this.updateServices(data),
      setSecurity: (o: unknown) => {
        this.security = o;
      },
      getSecurityStatus: () => realm.object({ connected: !!this.link?.open, encrypted: false, mitm_protected: false, bonded: false }),
      setConnectionInterval: () => {},
      setWhitelist: () => {},
      eraseBonds: () => {
        if (this.link?.open) throw rt.error("BLE Connected, can't erase bonds.");
      },
      getBattery: () => realm.float(batteryVolts(rt)),
      setRSSIHandler: () => {},
    });
    this.events.attach(NRF);
    rt.realm.global.NRF = NRF;
    function NRF_isRaw(d: unknown): boolean {
      return Radio.isRawData(d) && !(Array.isArray(d) && d.some((x) => typeof x === "object"));
    }
  }

  private setAdvertising(data: unknown, options: unknown): void {
    const rt = this.rt;
    rt.peakSample("NRF.setAdvertising", [data, options]);
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw rt.realm.typeError("Expecting Object or undefined, got " + espTypeName(options));
    }
    const o = (options ?? {}) as Record<string, unknown>;
    let packets: Uint8Array[];
    if (Array.isArray(data) && data.length && data.some((x) => Radio.isRawData(x) || (x !== null && typeof x === "object") || x === undefined)) {
      packets = data.map((p) => (Radio.isRawData(p) ? this.rawAdvert(p) : this.buildObjectAdvert(p, options)));
    } else if (Radio.isRawData(data)) {
      packets = [this.rawAdvert(data)];
    } else if (data === undefined || (data !== null && typeof data === "object")) {
      packets = [this.buildObjectAdvert(data, options)];
    } else {
      throw rt.realm.typeError("Expecting Array or Object, got " + espTypeName(data));
    }
    const next: AdvConfig = { ...this.adv, packets };
    if (o.interval !== undefined) next.intervalMs = Number(o.interval) || DEFAULT_INTERVAL_MS;
    if (o.connectable !== undefined) next.connectable = !!o.connectable;
    if (o.scannable !== undefined) next.scannable = !!o.scannable;
    if (o.whenConnected !== undefined) next.whenConnected = !!o.whenConnected;
    this.adv = next;
    this.kept.adv = [data, options];
    // jswrap_ble_setAdvertising: stored; if advertising (or whenConnected while connected), restarted
    const restartAdv = this.advertising || (next.whenConnected && !!this.link?.open && o.whenConnected !== undefined);
    if (restartAdv && !this.sleeping) {
      this.advertisingStop();
      this.advertisingStart();
    }
    this.notifyChange();
  }

  /** The address NRF.setAddress stored, else the factory one. */
  private currentMac(): string {
    const p = this.macRequest === null ? null : bleVarToAddr(this.macRequest);
    return p ? p.address : this.factoryAddress;
  }

  /** jswrap_ble_sleep: advertising stops, a connected central is disconnected. */
  private sleep(): void {
    this.sleeping = true;
    this.advertisingStop();
    if (this.link?.open) this.dropLink(HCI_LOCAL_HOST_TERMINATED);
  }

  private setAddress(addr: unknown): void {
    this.rt.peakSample("NRF.setAddress", [addr]);
    if (!bleVarToAddr(addr)) throw this.rt.error("Expecting mac address of the form aa:bb:cc:dd:ee:ff");
    this.macRequest = addr as string;
    this.kept.address = addr;
    this.restart();
  }

  /**
   * jswrap_ble_restart: queued while a central is connected (with Espruino's console message),
   * else jsble_restart_softdevice at once.
   */
  private restart(): void {
    if (this.link?.open) {
      if (!this.restartQueued) this.rt.print("BLE Connected, queueing BLE restart for later");
      this.restartQueued = true;
      return;
    }
    this.restartSoftdevice();
  }

  /**
   * jsble_restart_softdevice: kill (sleep: advertising off, link dropped), jsble_init (factory
   * address, then the stored one through pm_id_addr_set — a refusal is only printed), services,
   * jswrap_ble_reconfigure_softdevice (a scan restarted with default parameters, the stored
   * advertising data set up again), then advertising starts unless NRF.sleep() was in force.
   */
  private restartSoftdevice(): void {
    this.restartQueued = false;
    const wasSleeping = this.sleeping;
    this.sleep();
    this.address = this.factoryAddress;
    this.addressType = "random";
    if (this.macRequest !== null) {
      const p = bleVarToAddr(this.macRequest)!;
      if (identityAddressOk(p)) {
        this.address = p.address;
        this.addressType = p.type;
      } else {
        this.rt.print("pm_id_addr_set failed: 0x" + INVALID_BLE_ADDR.toString(16));
      }
    }
    if (this.pendingServices) {
      this.services = this.pendingServices;
      this.pendingServices = null;
    }
    if (this.scan) this.scan = { ...this.scan, active: false, intervalMs: 100, windowMs: 100 };
    if (!wasSleeping) {
      this.sleeping = false;
      this.advertisingStart();
    }
    this.notifyChange();
  }

  // ------------------------------------------------------------------ scanning

  private setScan(cb: unknown, options: unknown): void {
    this.rt.peakSample("NRF.setScan", [cb, options]);
    if (this.findTimer) {
      this.findTimer.cancelled = true;
      this.findTimer = null;
    }
    if (cb === undefined || cb === null || cb === false) {
      this.scan = null;
      this.notifyChange();
      return;
    }
    if (typeof cb !== "function") throw this.rt.error("Expecting function for first argument, got " + espTypeName(cb));
    const o = (options && typeof options === "object" ? options : {}) as Record<string, unknown>;
    if (o.filters !== undefined && !Array.isArray(o.filters)) throw this.rt.realm.typeError("requestDevice expecting an array of filters, got " + typeof o.filters);
    // jsble_set_scan_params: window/interval in 0.625 ms units, used only within 4..16384, interval >= window
    let windowU = 160;
    let intervalU = 160;
    const w = Math.round((Math.trunc(Number(o.window)) || 0) / 0.625);
    if (w >= 4 && w <= 16384) windowU = w;
    const iv = Math.round((Math.trunc(Number(o.interval)) || 0) / 0.625);
    if (iv >= 4 && iv <= 16384) intervalU = iv;
    if (intervalU < windowU) intervalU = windowU;
    this.scan = { cb, filters: o.filters, active: !!o.active, intervalMs: intervalU * 0.625, windowMs: windowU * 0.625 };
    this.notifyChange();
  }

  private findDevices(cb: unknown, options: unknown): void {
    if (typeof cb !== "function") throw this.rt.error("Expecting function for first argument, got " + espTypeName(cb));
    let timeout = 2000;
    let opts: unknown = undefined;
    if (typeof options === "number") timeout = options;
    else if (options && typeof options === "object") {
      opts = options;
      const t = (options as { timeout?: unknown }).timeout;
      if (t !== undefined) timeout = Number(t);
    } else if (options !== undefined) throw this.rt.error("Expecting Number or object, got " + espTypeName(options));
    if (Number.isNaN(timeout) || timeout < 10) throw this.rt.error("Invalid timeout");
    const found = new Map<string, Record<string, unknown>>();
    this.setScan(() => {}, opts);
    this.scan!.found = found;
    const timer = this.rt.schedule(timeout, () => {
      if (this.scan?.found !== found) return;
      this.scan = null;
      this.findTimer = null;
      this.notifyChange();
      this.rt.runCallback(cb, undefined, [this.rt.realm.array([...found.values()])]);
    });
    this.findTimer = timer;
  }

  /** The BluetoothDevice object for one received packet. */
  private deviceObject(p: AdvertIn): Record<string, unknown> {
    const realm = this.rt.realm;
    const d = p.data;
    const dev: Record<string, unknown> = realm.object({ id: p.address + " " + p.addressType, rssi: p.rssi, data: realm.arrayBuffer(d) });
    const services: string[] = [];
    const serviceData: Record<string, unknown> = realm.object();
    let hasServiceData = false;
    let i = 0;
    while (i < d.length) {
      const len = d[i];
      const type = d[i + 1];
      if (len === 0 || i + 1 + len > d.length) break; // malformed AD structure: stop parsing
      const body = d.subarray(i + 2, i + 1 + len);
      if (type === 0x08) dev.shortName = String.fromCharCode(...body);
      else if (type === 0x09) dev.name = String.fromCharCode(...body);
      else if (type === 0x02 || type === 0x03) {
        for (let k = 0; k + 1 < body.length; k += 2) services.push((body[k] | (body[k + 1] << 8)).toString(16).padStart(4, "0"));
      } else if (type === 0x16 && body.length >= 2) {
        serviceData[(body[0] | (body[1] << 8)).toString(16).padStart(4, "0")] = realm.arrayBuffer(body.subarray(2));
        hasServiceData = true;
      } else if (type === 0xff && body.length >= 2) {
        dev.manufacturer = body[0] | (body[1] << 8);
        dev.manufacturerData = realm.arrayBuffer(body.subarray(2));
      }
      i += len + 1;
    }
    if (services.length) dev.services = realm.array(services);
    if (hasServiceData) dev.serviceData = serviceData;
    return dev;
  }

  private static matches(filters: unknown, dev: Record<string, unknown>): boolean {
    if (!Array.isArray(filters)) return true;
    return filters.some((f: Record<string, unknown>) => {
      if (!f || typeof f !== "object") return false;
      if (f.services !== undefined) {
        const have = (dev.services as string[] | undefined) ?? [];
        for (const s of f.services as unknown[]) {
          let u: string;
          try { u = normalizeUuid(s); } catch { return false; }
          if (!have.includes(u)) return false;
        }
      }
      if (f.name !== undefined && f.name !== dev.name) return false;
      if (f.namePrefix !== undefined && !(typeof dev.name === "string" && typeof f.namePrefix === "string" && dev.name.startsWith(f.namePrefix))) return false;
      if (f.id !== undefined && f.id !== dev.id) return false;
      if (f.serviceData !== undefined && f.serviceData && typeof f.serviceData === "object") {
        const sd = dev.serviceData as Record<string, unknown> | undefined;
        for (const k of Object.keys(f.serviceData)) if (!sd || !(k in sd)) return false;
      }
      if (f.manufacturerData !== undefined && f.manufacturerData && typeof f.manufacturerData === "object") {
        for (const k of Object.keys(f.manufacturerData)) if (Number(k) !== dev.manufacturer) return false;
      }
      return true;
    });
  }

  deliverAdvert(p: AdvertIn): void {
    if (!this.scan) return; // NRF.sleep() stops advertising and connections, not scanning (jswrap_ble_sleep)
    if (!(p.data instanceof Uint8Array)) throw new TypeError("deliverAdvert: data must be a Uint8Array");
    if (p.data.length > MAX_ADV) throw new RangeError("deliverAdvert: a legacy advert has at most 31 bytes, got " + p.data.length);
    // the report waits in Espruino's IO queue while JavaScript runs (dropped when it is full)
    this.rt.ioEvent(advertEventBytes(p.data.length), () => {
      // popped by the idle loop: the event is bound to the scan handler of this moment
      // (jsiQueueObjectCallbacks), so it still runs if scanning stops before it does
      const scan = this.scan;
      if (!scan) return null;
      return () => this.handleAdvert(p, scan);
    });
  }

  /**
   * One report handled: the C side builds the device object for every advert, GAEN or not, then
   * applies the filters (jswrap_ble_setScan_cb), then the JavaScript callback runs.
   */
  private handleAdvert(p: AdvertIn, scan: NonNullable<Radio["scan"]>): void {
    this.rt.beginWork("scan report");
    try {
      this.rt.chargeBuiltin(BUILTIN_X86_MS.advertC);
      this.handleReport(p, scan);
    } finally {
      this.rt.endWork();
    }
  }

  private handleReport(p: AdvertIn, scan: NonNullable<Radio["scan"]>): void {
    const dev = this.deviceObject(p);
    let ok = Radio.matches(scan.filters, dev);
    if (scan.found) {
      if (!ok && scan.found.has(dev.id as string)) ok = true; // github.com/espruino/Espruino/issues/2178: later packets of a matched device pass
      if (!ok) return;
      const prev = scan.found.get(dev.id as string);
      if (prev) {
        for (const [k, v] of Object.entries(dev)) {
          if (k === "services" && Array.isArray(prev.services)) {
            for (const s of v as string[]) if (!(prev.services as string[]).includes(s)) (prev.services as string[]).push(s);
          } else if (k === "serviceData" && prev.serviceData) Object.assign(prev.serviceData as object, v as object);
          else prev[k] = v;
        }
      } else {
        scan.found.set(dev.id as string, dev);
      }
      return;
    }
    if (ok) this.rt.runCallback(scan.cb, undefined, [dev]);
  }

  // ------------------------------------------------------------------ BLE UART console

  private consoleBuffer = "";
  private consoleUnlocked = false;

  /** Console text to the connected central, if it subscribed to the UART TX characteristic. */
  consoleOutput(text: string): void {
    const link = this.link;
    if (!link?.open || !this.uart || this.rt.consoleLock.console !== "Bluetooth") return;
    const tx = this.services.get(NUS_SERVICE)?.get(NUS_TX);
    if (!tx?.subscribed) return;
    const bytes = toBytes(text + "\r\n")!;
    const chunk = Math.min(20, link.mtu - 3);
    for (let i = 0; i < bytes.length; i += chunk) link.central.onNotify(NUS_TX, bytes.slice(i, i + chunk));
  }

  private consoleInput(data: Uint8Array): void {
    const lock = this.rt.consoleLock;
    if (lock.console !== "Bluetooth") return;
    for (const b of data) this.consoleBuffer += String.fromCharCode(b);
    for (;;) {
      const m = /[\r\n]/.exec(this.consoleBuffer);
      if (!m) return;
      let line = this.consoleBuffer.slice(0, m.index);
      this.consoleBuffer = this.consoleBuffer.slice(m.index + 1);
      if (line.startsWith("\x10")) line = line.slice(1);
      if (!line.trim()) continue;
      if (lock.locked && lock.password !== null && !this.consoleUnlocked) {
        if (line === lock.password) this.consoleUnlocked = true;
        continue;
      }
      const realm = this.rt.realm;
      this.rt.runCallback(() => {
        const result = realm.runFirmware(line, "console", 5000);
        this.rt.print("=" + (typeof result === "string" ? JSON.stringify(result) : formatValue(result)));
      }, undefined, []);
    }
  }

  // ------------------------------------------------------------------ GATT server

  private parseServices(data: unknown, uart: boolean): ServiceTable {
    const table: ServiceTable = new Map();
    if (data !== undefined && data !== null) {
      if (typeof data !== "object") throw this.rt.realm.typeError("Expecting Object or undefined, got " + espTypeName(data));
      for (const skey of Object.keys(data as object)) {
        let suuid: string;
        try { suuid = uuidOfKey(skey); } catch { throw this.rt.error("Invalid Service UUID: " + skey); }
        const chars = new Map<string, CharState>();
        const sdef = (data as Record<string, Record<string, Record<string, unknown>>>)[skey];
        for (const ckey of Object.keys(sdef ?? {})) {
          let cuuid: string;
          try { cuuid = uuidOfKey(ckey); } catch { throw this.rt.error("Invalid Characteristic UUID: " + ckey); }
          const c = sdef[ckey] ?? {};
          const value = c.value === undefined ? new Uint8Array(0) : toBytes(c.value) ?? new Uint8Array(0);
          chars.set(cuuid, {
            uuid: cuuid, value,
            maxLen: c.maxLen !== undefined ? Number(c.maxLen) : Math.max(value.length, 20),
            readable: !!c.readable, writable: !!c.writable, notify: !!c.notify, indicate: !!c.indicate,
            onWrite: c.onWrite, subscribed: false,
          });
        }
        table.set(suuid, chars);
      }
    }
    if (uart) {
      table.set(NUS_SERVICE, new Map([
        [NUS_RX, { uuid: NUS_RX, value: new Uint8Array(0), maxLen: 20, readable: false, writable: true, notify: false, indicate: false, onWrite: undefined, subscribed: false }],
        [NUS_TX, { uuid: NUS_TX, value: new Uint8Array(0), maxLen: 20, readable: false, writable: false, notify: true, indicate: false, onWrite: undefined, subscribed: false }],
      ]));
    }
    return table;
  }

  private setServices(data: unknown, options: unknown): void {
    this.rt.peakSample("NRF.setServices", [data, options]);
    this.kept.services = [data, options];
    const o = (options && typeof options === "object" ? options : {}) as Record<string, unknown>;
    this.uart = o.uart === undefined ? true : !!o.uart;
    this.pendingServices = this.parseServices(data, this.uart); // takes a SoftDevice restart
    this.restart();
  }

  private updateServices(data: unknown): void {
    this.rt.peakSample("NRF.updateServices", [data]);
    if (!data || typeof data !== "object") throw this.rt.realm.typeError("Expecting Object or undefined, got " + espTypeName(data));
    for (const skey of Object.keys(data as object)) {
      const suuid = uuidOfKey(skey);
      const svc = this.services.get(suuid);
      if (!svc) throw this.rt.error("Unable to find service with UUID " + skey);
      const sdef = (data as Record<string, Record<string, Record<string, unknown>>>)[skey];
      for (const ckey of Object.keys(sdef ?? {})) {
        const cuuid = uuidOfKey(ckey);
        const c = svc.get(cuuid);
        if (!c) throw this.rt.error("Unable to find characteristic with UUID " + ckey);
        const u = sdef[ckey];
        if (u.value !== undefined) {
          const v = toBytes(u.value) ?? new Uint8Array(0);
          if (v.length > c.maxLen) throw this.rt.error("ERR 0xc (DATA_SIZE)");
          c.value = v;
          if ((u.notify || u.indicate) && c.subscribed && this.link?.open) {
            if (v.length > this.link.mtu - 3) throw this.rt.error("ERR 0xc (DATA_SIZE)");
            this.rt.energy.cpu(1);
            this.link.central.onNotify(cuuid, v.slice());
          }
        }
        if (u.readable !== undefined) c.readable = !!u.readable;
      }
    }
  }

  private dropLink(reason: number): void {
    const link = this.link;
    if (!link || !link.open) return;
    link.open = false;
    this.consoleBuffer = "";
    this.consoleUnlocked = false;
    this.link = null;
    for (const svc of this.services.values()) for (const c of svc.values()) c.subscribed = false;
    // BLE_GAP_EVT_DISCONNECTED: advertising restarts (unless asleep), then a queued SoftDevice restart
    if (!this.sleeping) {
      this.advertisingStop();
      this.advertisingStart();
    }
    if (this.restartQueued) this.restartSoftdevice();
    this.notifyChange();
    if (reason === HCI_LOCAL_HOST_TERMINATED) link.central.onDisconnect();
    this.events.emit("disconnect", [reason]);
  }

  gattConnect(central: GattCentral): GattLink | null {
    if (!central || typeof central.onNotify !== "function" || typeof central.onDisconnect !== "function" || !(central.mtu >= 23)) {
      throw new TypeError("gattConnect needs {mtu >= 23, onNotify(charUuid, data), onDisconnect()}");
    }
    const v = this.view();
    if (!v.advertising || !v.advertising.connectable || this.link?.open) return null;
    const link = { central, mtu: Math.min(central.mtu, this.rt.board.radio.maxMtu), open: true };
    this.link = link;
    // BLE_GAP_EVT_CONNECTED: connectable advertising ends; restarted (non-connectable) with whenConnected
    this.advertisingStop();
    if (this.adv.whenConnected && !this.sleeping) this.advertisingStart();
    this.notifyChange();
    this.events.emit("connect", [central.address ?? "00:00:00:00:00:00 public"]);
    const self = this;
    const need = (svc: string, char: string): CharState => {
      if (!link.open) throw new GattError("not connected");
      const s = self.services.get(normalizeUuid(svc));
      if (!s) throw new GattError("no service " + svc);
      const c = s.get(normalizeUuid(char));
      if (!c) throw new GattError("no characteristic " + char + " in service " + svc);
      return c;
    };
    return {
      mtu: link.mtu,
      connected: () => link.open,
      services: () => {
        if (!link.open) throw new GattError("not connected");
        return [...self.services.entries()].map(([uuid, chars]) => ({
          uuid,
          characteristics: [...chars.values()].map((c) => ({ uuid: c.uuid, readable: c.readable, writable: c.writable, notify: c.notify, indicate: c.indicate })),
        }));
      },
      read: (svc, char) => {
        const c = need(svc, char);
        if (!c.readable) throw new GattError("characteristic " + char + " is not readable");
        return c.value.slice();
      },
      write: (svc, char, data) => {
        const c = need(svc, char);
        if (!(data instanceof Uint8Array)) throw new TypeError("GATT write data must be a Uint8Array");
        if (!c.writable) throw new GattError("characteristic " + char + " is not writable");
        if (data.length > link.mtu - 3) throw new GattError("write of " + data.length + " bytes exceeds MTU-3 (" + (link.mtu - 3) + ")");
        if (data.length > c.maxLen) throw new GattError("write of " + data.length + " bytes exceeds maxLen " + c.maxLen);
        c.value = data.slice();
        if (c.uuid === NUS_RX && self.uart) {
          self.consoleInput(data);
        } else if (c.onWrite) {
          const evt = self.rt.realm.object({ data: self.rt.realm.arrayBuffer(data) });
          self.rt.runCallback(c.onWrite, undefined, [evt]);
        }
      },
      subscribe: (svc, char) => {
        const c = need(svc, char);
        if (!c.notify && !c.indicate) throw new GattError("characteristic " + char + " does not notify");
        c.subscribed = true;
      },
      disconnect: () => self.dropLink(HCI_REMOTE_USER_TERMINATED),
    };
  }
}

/** The chip's factory random static address (FICR DEVICEADDR): fixed per token, from the seed. */
function deviceAddress(rt: EspruinoRuntime): string {
  const a = rt.deviceAddressBytes();
  return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** NRF.getBattery(): the supply volts the chip measures now, under the load of this moment (energy.ts, cell.ts). */
function batteryVolts(rt: EspruinoRuntime): number {
  return rt.energy.volts(rt.energy.cpuActive ? 0 : rt.energy.currents.cpuMa);
}
