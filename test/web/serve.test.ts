/** `omamori web` serving the built app: headers, config.json from check.json, nothing outside the app. */
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromCheckJson, serveWebApp } from "../../host-tools/cli/commands/web";
import { WEB_APP_DIR } from "../../host-tools/web/webApp";

describe("omamori web (serving the app)", function () {
  it("serves the built app isolated, its config from check.json, and refuses paths outside it", async function () {
    if (!existsSync(join(WEB_APP_DIR, "index.html"))) throw new Error("dist/web is not built: run `npm run build`");
    const home = mkdtempSync(join(tmpdir(), "omamori-web-home-"));
    writeFileSync(join(home, "check.json"), JSON.stringify({ keySources: ["https://cdn.example/c19r/440/list.json", "/local/dir"], publicKeys: [{ keyId: "440", keyVersion: "v1", publicKey: "PEM" }] }));
    const config = configFromCheckJson(home);
    expect(config.keySources, "only http(s) sources reach the page").to.deep.equal(["https://cdn.example/c19r/440/list.json"]);
    const { server, url } = await serveWebApp({ config, port: 0 });
    try {
      const page = await fetch(url);
      expect(page.status).to.equal(200);
      expect(page.headers.get("content-type")).to.match(/text\/html/);
      expect(page.headers.get("cross-origin-opener-policy")).to.equal("same-origin");
      expect(page.headers.get("cross-origin-embedder-policy")).to.equal("require-corp");
      expect(page.headers.get("content-security-policy")).to.contain("script-src 'self'");
      expect(await page.text()).to.contain('<script src="app.js">');
      const cfg = (await (await fetch(url + "config.json")).json()) as { publicKeys: { keyId: string }[] };
      expect(cfg.publicKeys[0].keyId).to.equal("440");
      const fw = await fetch(url + "firmware/puckjs.js");
      expect(fw.status).to.equal(200);
      for (const bad of ["../package.json", "%2e%2e/package.json", ".hidden", "nope.js"]) {
        expect((await fetch(url + bad)).status, bad).to.equal(404);
      }
    } finally {
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
