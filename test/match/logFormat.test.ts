import { expect } from "chai";
import { LogFormatError, parseLog } from "../../host-tools/log/omamoriLog";
import { makeLog } from "./logBuilder";

const enc = { rpi: "8be6cd371c5c", aem: "72033874", scans: [{ t: 1793592000, count: 3, rssiMax: -58, rssiMean: -63 }] };

describe("match/logFormat", () => {
  it("parseContactLog_syncedLog_accepted", () => {
    const log = parseLog(JSON.stringify(makeLog([enc])));
    expect(log.encounters[0].rpi).to.equal("8be6cd371c5c");
  });
  const bad: [string, unknown, RegExp][] = [
    ["not JSON", "{", /not valid JSON/],
    ["other format", { ...makeLog([]), format: "x" }, /not an Omamori contact log/],
    ["version 2", { ...makeLog([]), version: 2 }, /unsupported log version 2/],
    ["rpi of 5 bytes", makeLog([{ ...enc, rpi: "0011223344" }]), /rpi must be hex of 6 to 16 bytes/],
    ["aem of 3 bytes", makeLog([{ ...enc, aem: "001122" }]), /aem must be 4 bytes/],
    ["no scans", makeLog([{ ...enc, scans: [] }]), /non-empty/],
    ["scan without time", makeLog([{ ...enc, scans: [{ count: 1, rssiMax: -50, rssiMean: -50 }] as never }]), /needs numbers t/],
  ];
  for (const [name, doc, msg] of bad) {
    it(`parseContactLog_${name.replace(/ /g, "_")}_refused`, () => {
      expect(() => parseLog(typeof doc === "string" ? doc : JSON.stringify(doc))).to.throw(LogFormatError, msg);
    });
  }
});
