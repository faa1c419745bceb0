import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { environmentOverrides, loadConfig } from "../../src/config/load.js";
import { resolveOptions } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { cleanUp, copySite, send, startSite } from "./helpers.js";

afterEach(cleanUp);

describe("liveness and readiness", () => {
  it("answers /_sheaf/live and /_sheaf/ready without a session, never cached", async () => {
    const site = await startSite();
    for (const name of ["live", "ready"]) {
      const reply = await send(site.sheaf, "GET", `/_sheaf/${name}`);
      expect(reply.status).toBe(200);
      expect(reply.headers["cache-control"]).toBe("no-store");
      expect(reply.body).toEqual({ status: name === "live" ? "ok" : "ready" });
    }
    const head = await send(site.sheaf, "HEAD", "/_sheaf/ready");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect((await send(site.sheaf, "POST", "/_sheaf/ready")).status).toBe(405);
    // anything else under the prefix is the site's (its 404 page)
    expect((await send(site.sheaf, "GET", "/_sheaf/other")).status).toBe(404);
  });

  it("turns not ready the moment a shutdown begins, while staying live", async () => {
    const site = await startSite();
    await site.sheaf.listen(0);
    const closing = site.sheaf.server.close();
    expect((await send(site.sheaf, "GET", "/_sheaf/ready")).status).toBe(503);
    expect((await send(site.sheaf, "GET", "/_sheaf/ready")).body).toEqual({ status: "stopping" });
    expect((await send(site.sheaf, "GET", "/_sheaf/live")).status).toBe(200);
    await closing;
  });

  it("moves to server.healthPath, or goes away with false", async () => {
    const moved = await startSite({ config: { server: { healthPath: "/_health" } } });
    expect((await send(moved.sheaf, "GET", "/_health/ready")).status).toBe(200);
    expect((await send(moved.sheaf, "GET", "/_sheaf/ready")).status).toBe(404);
    const off = await startSite({ config: { server: { healthPath: false } } });
    expect((await send(off.sheaf, "GET", "/_sheaf/live")).status).toBe(404);
  });

  it("refuses a health path that a page could own", () => {
    for (const bad of ["/health", "notes", "/_a b", "/_x/../y"]) {
      expect(() => resolveOptions({ server: { healthPath: bad } })).toThrow(ConfigError);
    }
  });
});

describe("options from the environment", () => {
  it("SHEAF_URL and SHEAF_DEBUG override the config file; overrides given in code win over both", async () => {
    const root = await copySite();
    await mkdir(path.join(root, "site", "config"), { recursive: true });
    await writeFile(
      path.join(root, "site", "config", "config.json"),
      JSON.stringify({ debug: false, url: "https://a.example" }),
    );
    const environment = { SHEAF_URL: "https://b.example", SHEAF_DEBUG: "1" };
    const loaded = await loadConfig(root, {}, environment);
    expect(loaded.options.url).toBe("https://b.example");
    expect(loaded.options.debug).toBe(true);
    expect((await loadConfig(root, { debug: false }, environment)).options.debug).toBe(false);
    expect((await loadConfig(root, {}, {})).options.url).toBe("https://a.example");
  });

  it("refuses a SHEAF_DEBUG that is not a yes or no", () => {
    expect(environmentOverrides({ SHEAF_DEBUG: "off" })).toEqual({ debug: false });
    expect(environmentOverrides({})).toEqual({});
    expect(() => environmentOverrides({ SHEAF_DEBUG: "maybe" })).toThrow(ConfigError);
  });
});
