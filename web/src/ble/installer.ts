/**
 * Installing the firmware on a token over Espruino's own console, the Nordic UART service (NUS),
 * as Espruino's App Loader and Web IDE upload an app: the built file is written into Storage as
 * `.bootcde` in chunks (`require("Storage").write(name, data, offset, size)`), read back and checked
 * (length and CRC-32), then the token restarts and runs it. The token must still have Espruino's
 * stock console (a new board; Omamori itself closes the console to Bluetooth).
 *
 * The firmware file is pretokenised (8-bit bytes, docs/FIRMWARE-BUILD.md), so it is sent byte for
 * byte: each chunk is a JavaScript string literal whose printable ASCII characters stand for
 * themselves and every other byte is a `\xHH` escape, which Espruino's lexer turns back into that
 * exact byte. Every command prints a marker line the installer waits for (`OMAMORI:<result>`).
 */
import type { BtCharacteristic, BtDevice } from "./webBluetooth";
import { bluetooth } from "./webBluetooth";

export const NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e";
export const NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e";
export const NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e";
/** Bytes per GATT write to the console (ATT MTU 23, what every Espruino link carries). */
export const NUS_WRITE_BYTES = 20;
/** File bytes per Storage.write command. */
export const CHUNK_BYTES = 512;

/** A JavaScript string literal that Espruino reads back as exactly `bytes`. */
export function espruinoString(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) s += String.fromCharCode(b);
    else s += "\\x" + (b < 16 ? "0" : "") + b.toString(16);
  }
  return s + '"';
}

/** The console commands that write `bytes` as Storage file `name` (each prints OMAMORI:true). */
export function uploadCommands(bytes: Uint8Array, name = ".bootcde", chunk = CHUNK_BYTES): { command: string; end: number }[] {
  const out: { command: string; end: number }[] = [];
  for (let o = 0; o < bytes.length; o += chunk) {
    const part = bytes.subarray(o, Math.min(bytes.length, o + chunk));
    const args = o === 0 ? `${JSON.stringify(name)},${espruinoString(part)},0,${bytes.length}` : `${JSON.stringify(name)},${espruinoString(part)},${o}`;
    out.push({ command: `\x10print("OMAMORI:"+require("Storage").write(${args}))\n`, end: o + part.length });
  }
  return out;
}

/** CRC-32 as Espruino's E.CRC32 computes it (unsigned). */
export function crc32(b: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

export class InstallError extends Error {
  constructor(readonly kind: "link" | "refused" | "mismatch" | "board", message: string) {
    super(message);
  }
}

/** Asks the browser for an Espruino board showing its console (call it in a click handler). */
export function chooseEspruino(): Promise<BtDevice> {
  const bt = bluetooth();
  if (!bt) return Promise.reject(new InstallError("link", "this browser has no Web Bluetooth"));
  const names = ["Puck.js", "Bangle.js", "Pixl.js", "Jolt.js", "MDBT42Q", "Espruino"];
  return bt.requestDevice({ filters: [...names.map((namePrefix) => ({ namePrefix })), { services: [NUS_SERVICE] }], optionalServices: [NUS_SERVICE] });
}

/** Espruino's console over one connection: send a command, wait for its marker line. */
export class EspruinoConsole {
  private text = "";
  private waiter: { resolve: (l: string) => void; reject: (e: Error) => void } | null = null;
  private gone = false;
  private readonly goneListeners: (() => void)[] = [];

  private constructor(private readonly device: BtDevice, private readonly rx: BtCharacteristic) {}

  static async open(device: BtDevice): Promise<EspruinoConsole> {
    if (!device.gatt) throw new InstallError("link", "no GATT on this device");
    try {
      const server = await device.gatt.connect();
      const svc = await server.getPrimaryService(NUS_SERVICE);
      const rx = await svc.getCharacteristic(NUS_RX);
      const tx = await svc.getCharacteristic(NUS_TX);
      const c = new EspruinoConsole(device, rx);
      tx.addEventListener("characteristicvaluechanged", (ev: Event) => {
        const v = (ev.target as BtCharacteristic).value;
        if (v) c.received(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      });
      device.addEventListener("gattserverdisconnected", () => c.lost());
      await tx.startNotifications();
      return c;
    } catch (e) {
      if (e instanceof InstallError) throw e;
      throw new InstallError("link", "this device has no Espruino console (" + (e as Error).message + ")");
    }
  }

  private received(b: Uint8Array): void {
    for (const x of b) this.text += String.fromCharCode(x);
    for (;;) {
      const m = /\r?\n/.exec(this.text);
      if (!m) return;
      const line = this.text.slice(0, m.index);
      this.text = this.text.slice(m.index + m[0].length);
      const at = line.indexOf("OMAMORI:");
      const failure = /^(Uncaught|ERROR)/.test(line.replace(/^[>\s]+/, ""));
      if ((at >= 0 || failure) && this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        if (failure) w.reject(new InstallError("refused", line.trim()));
        else w.resolve(line.slice(at + 8).trim());
      }
    }
  }

  private lost(): void {
    this.gone = true;
    for (const l of this.goneListeners.splice(0)) l();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(new InstallError("link", "the connection was lost"));
    }
  }

  private async write(text: string): Promise<void> {
    const b = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
    for (let o = 0; o < b.length; o += NUS_WRITE_BYTES) {
      if (this.gone) throw new InstallError("link", "the connection was lost");
      try {
        await this.rx.writeValueWithResponse(b.slice(o, o + NUS_WRITE_BYTES));
      } catch (e) {
        throw new InstallError("link", (e as Error).message);
      }
    }
  }

  /** Sends one command and returns what follows its OMAMORI: marker. */
  async run(command: string, timeoutMs = 15000): Promise<string> {
    if (this.gone) throw new InstallError("link", "the connection was lost");
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new InstallError("link", "the token did not answer"));
      }, timeoutMs);
      this.waiter = {
        resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
    await this.write(command);
    return answer;
  }

  /**
   * Sends a command that ends the connection (a restart) and waits until the token drops the link,
   * at most `waitMs`. It waits for no answer (the write itself may never be acknowledged once the
   * token restarts), and it leaves the hanging up to the token: closing the link from this side
   * while the token's own disconnection is on its way is a race that the browser need not survive
   * (Chromium's Bluetooth emulation then never opens the next device chooser).
   */
  async fire(command: string, waitMs = 5000): Promise<void> {
    const dropped = new Promise<void>((r) => (this.gone ? r() : this.goneListeners.push(r)));
    void this.write(command).catch(() => undefined);
    await Promise.race([dropped, new Promise((r) => setTimeout(r, waitMs))]);
  }

  close(): void {
    if (this.gone || !this.device.gatt?.connected) return;
    try { this.device.gatt.disconnect(); } catch { /* already gone */ }
  }
}

export interface InstallResult {
  board: string;
  bytes: number;
  crc32: number;
}

/**
 * Writes `firmware` as .bootcde, checks it, restarts the token. `espruinoBoard`: the board the
 * person chose (process.env.BOARD must say the same, e.g. "PUCKJS").
 */
export async function installFirmware(device: BtDevice, firmware: Uint8Array, espruinoBoard: string, onProgress: (done: number, total: number) => void): Promise<InstallResult> {
  const con = await EspruinoConsole.open(device);
  try {
    const board = await con.run('\x10print("OMAMORI:"+process.env.BOARD)\n');
    if (board !== espruinoBoard) throw new InstallError("board", board);
    onProgress(0, firmware.length);
    for (const { command, end } of uploadCommands(firmware)) {
      const r = await con.run(command);
      if (r !== "true") throw new InstallError("refused", "Storage.write answered " + r);
      onProgress(end, firmware.length);
    }
    const check = await con.run('\x10var f=require("Storage").read(".bootcde");print("OMAMORI:"+(f?f.length:-1)+","+(f?E.CRC32(f):0))\n');
    const [len, crc] = check.split(",").map(Number);
    const want = crc32(firmware);
    if (len !== firmware.length || crc !== want) {
      throw new InstallError("mismatch", `the token holds ${len} bytes with CRC-32 ${crc}, not ${firmware.length} bytes with ${want}`);
    }
    await con.fire("\x10E.reboot()\n");
    return { board, bytes: len, crc32: crc };
  } finally {
    con.close();
  }
}
