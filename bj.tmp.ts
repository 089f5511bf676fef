import { EspruinoRuntime, loadBuiltFirmware } from "./sim/espruino/runtime";
import { Realm } from "./sim/espruino/realm";
const T0 = Date.UTC(2026, 10, 1);
function run(board: string, days: number) {
  const rt = new EspruinoRuntime({ board, seed: 1, worldTimeMs: T0 });
  rt.boot(loadBuiltFirmware(board));
  if (!rt.global.Omamori) console.log(rt.uncaughtErrors);
  rt.runCallback(rt.global.Omamori.setClock, null, [Math.floor(T0 / 1000)]);
  const t = performance.now();
  rt.advanceTo(T0 + days * 86_400_000);
  return performance.now() - t;
}
const orig = Realm.prototype.runFirmware;
for (const board of ["puckjs", "joltjs"]) {
  for (let rep = 0; rep < 2; rep++) {
    Realm.prototype.runFirmware = orig;
    const a = run(board, 2);
    Realm.prototype.runFirmware = function (this: Realm, code: string, f: string, t?: number) { return this.run(code, f, t); };
    const b = run(board, 2);
    console.log(board, "instrumented", a.toFixed(0), "plain", b.toFixed(0), "ratio", (a / b).toFixed(2));
  }
}
