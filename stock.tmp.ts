import { TokenDevice } from "./sim/world/devices/token";
import { Random } from "./sim/world/random";
const rng = new Random("x" as any);
const t = new TokenDevice({ id: "A", board: "puckjs", rng, startMs: Date.UTC(2026, 10, 16), firmware: "", bootFrom: "ram", setClock: false });
t.rt.bootFromStorage();
console.log(JSON.stringify(t.rt.radioState(), (k, v) => v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
