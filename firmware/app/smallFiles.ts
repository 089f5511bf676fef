/**
 * Small settings files (daily keys, owner settings) kept power-cut safe as two generations:
 * `<name>0` and `<name>1`, each "gen|check|json". A save writes the other name, then erases the
 * older one, so a cut at any point leaves at least one complete generation; a torn write fails
 * its check and the older generation is used (a reboot resumes with its keys and log intact).
 */
import { storage } from "./builtins";
const gens: { [name: string]: number } = {};

function check(s: string): number {
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) & 0xffff;
  return h;
}

/** The newest complete generation of `name`, or null. */
export function loadSmall(name: string): any {
  let best: any = null;
  let bestGen = -1;
  for (let i = 0; i < 2; i++) {
    const t = storage().read(name + i);
    if (!t) continue;
    const a = t.indexOf("|");
    const b = t.indexOf("|", a + 1);
    if (a < 0 || b < 0) continue;
    const gen = parseInt(t.substr(0, a), 10);
    const body = t.substr(b + 1);
    if (parseInt(t.substr(a + 1, b - a - 1), 10) !== check(body) || gen <= bestGen) continue;
    try {
      best = JSON.parse(body);
      bestGen = gen;
    } catch (e) {
      // torn or foreign file: the other generation decides
    }
  }
  gens[name] = bestGen;
  return best;
}

/** Save `value` as the next generation of `name`. */
export function saveSmall(name: string, value: any): void {
  const gen = (gens[name] === undefined ? loadGen(name) : gens[name]) + 1;
  const body = JSON.stringify(value);
  storage().write(name + (gen & 1), gen + "|" + check(body) + "|" + body);
  storage().erase(name + ((gen + 1) & 1));
  gens[name] = gen;
}

function loadGen(name: string): number {
  loadSmall(name);
  return gens[name];
}

/** Erase both generations. */
export function eraseSmall(name: string): void {
  storage().erase(name + "0");
  storage().erase(name + "1");
  gens[name] = -1;
}
