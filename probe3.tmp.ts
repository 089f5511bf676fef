import { chromium } from "playwright-core";
import { createServer } from "node:http";
const SVC = "a3c81000-5e2b-4d0a-9f1c-6f6d616d6f72", RX = "a3c81001-5e2b-4d0a-9f1c-6f6d616d6f72", TX = "a3c81002-5e2b-4d0a-9f1c-6f6d616d6f72";
const srv = createServer((q, r) => { r.setHeader("content-type", "text/html"); r.end("<button id=b>go</button>"); }).listen(0, "127.0.0.1");
await new Promise((r) => srv.once("listening", r));
const port = (srv.address() as any).port;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--enable-experimental-web-platform-features"] });
const bs = await browser.newBrowserCDPSession();
console.log("step enable"); await bs.send("BluetoothEmulation.enable" as any, { state: "powered-on", leSupported: true });
const ctx = await browser.newContext();
const page = await ctx.newPage();
page.on("crash", () => console.log("PAGE CRASH")); page.on("close", () => console.log("PAGE CLOSE")); browser.on("disconnected", () => console.log("BROWSER GONE"));
page.on("console", (m) => console.log("PAGE:", m.text()));
await page.goto(`http://127.0.0.1:${port}/`);
const ps = await ctx.newCDPSession(page);

const addr = "C1:02:03:04:05:06";
console.log("step adv"); await bs.send("BluetoothEmulation.simulatePreconnectedPeripheral" as any, { address: addr, name: "Omamori", manufacturerData: [], knownServiceUuids: [] }); if (0) await bs.send("BluetoothEmulation.simulateAdvertisement" as any, { entry: { deviceAddress: addr, rssi: -50, scanRecord: { name: "Omamori", uuids: [SVC], appearance: 0, txPower: 0, manufacturerData: [] } } });
bs.on("BluetoothEmulation.gattOperationReceived" as any, async (e: any) => { console.log("gatt", e); if (e.type==="connection") { const { serviceId } = await bs.send("BluetoothEmulation.addService" as any, { address: addr, serviceUuid: SVC }) as any;
const { characteristicId: rx0 } = await bs.send("BluetoothEmulation.addCharacteristic" as any, { serviceId, characteristicUuid: RX, properties: { write: true } }) as any;
const { characteristicId: tx0 } = await bs.send("BluetoothEmulation.addCharacteristic" as any, { serviceId, characteristicUuid: TX, properties: { notify: true, read: true } }) as any;
await bs.send("BluetoothEmulation.addDescriptor" as any, { characteristicId: tx0, descriptorUuid: "00002902-0000-1000-8000-00805f9b34fb" });
 } await bs.send("BluetoothEmulation.simulateGATTOperationResponse" as any, { address: e.address, type: e.type, code: 0 }); });
bs.on("BluetoothEmulation.characteristicOperationReceived" as any, async (e: any) => {
  console.log("char", e);
  const data = e.type === "read" ? Buffer.from([9, 8, 7]).toString("base64") : undefined;
  await bs.send("BluetoothEmulation.simulateCharacteristicOperationResponse" as any, { characteristicId: e.characteristicId, type: e.type, code: 0, ...(data ? { data } : {}) });
});
bs.on("BluetoothEmulation.descriptorOperationReceived" as any, async (e: any) => { console.log("desc", e); await bs.send("BluetoothEmulation.simulateDescriptorOperationResponse" as any, { descriptorId: e.descriptorId, type: e.type, code: 0 }); });
console.log("step devaccess"); await ps.send("DeviceAccess.enable" as any); console.log("step devaccess done");
ps.on("DeviceAccess.deviceRequestPrompted" as any, async (e: any) => { console.log("prompt", JSON.stringify(e)); if (!e.devices.length) { await bs.send("BluetoothEmulation.simulateAdvertisement" as any, { entry: { deviceAddress: addr, rssi: -50, scanRecord: { name: "Omamori", uuids: [SVC], appearance: 0, txPower: 0, manufacturerData: [] } } }); return; } await ps.send("DeviceAccess.selectPrompt" as any, { id: e.id, deviceId: e.devices[0].id }); });
console.log("eval start"); const res = page.evaluate(async ([SVC, RX, TX]) => {
  const b = document.getElementById("b")!;
  const p = new Promise<any>((resolve) => b.addEventListener("click", async () => {
    try {
      const d = await (navigator as any).bluetooth.requestDevice({ filters: [{ namePrefix: "Omam" }], optionalServices: [SVC] });
      console.log("device", d.id, d.name, typeof d.watchAdvertisements);
      const g = await d.gatt.connect();
      const s = await g.getPrimaryService(SVC);
      const rx = await s.getCharacteristic(RX);
      const tx = await s.getCharacteristic(TX);
      const got: number[][] = [];
      tx.addEventListener("characteristicvaluechanged", (ev: any) => got.push(Array.from(new Uint8Array(ev.target.value.buffer))));
      await tx.startNotifications();
      await rx.writeValueWithResponse(new Uint8Array([1, 2, 3]));
      await tx.readValue();
      resolve({ ok: true, got });
    } catch (e) { resolve({ error: String(e) }); }
  }));
  return p;
}, [SVC, RX, TX]).catch((e) => String(e));
console.log("before click");
await page.click("#b").catch(() => {});
console.log(await Promise.race([res, new Promise(r=>setTimeout(()=>r("TIMEOUT"),15000))]));
await browser.close(); srv.close();
