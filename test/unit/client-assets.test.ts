import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isClientAssetPath, sendClientAsset } from "../../src/http/client-assets.js";

let folder = "";
let server: Server;
let base = "";

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "sheaf-client-assets-"));
  await writeFile(path.join(folder, "index.js"), 'export * from "./client.js";\n');
  await writeFile(path.join(folder, "index.d.ts"), "export {};\n");
  await writeFile(path.join(folder, "index.js.map"), "{}");
  await writeFile(path.join(path.dirname(folder), "outside.js"), "secret");
  server = createServer((request, response) => {
    const url = request.url ?? "/";
    if (!isClientAssetPath(url)) {
      response.writeHead(400).end();
      return;
    }
    void sendClientAsset(request, response, url, folder).then((sent) => {
      if (!sent) response.writeHead(404).end("not found");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(folder, { recursive: true, force: true });
  await rm(path.join(path.dirname(folder), "outside.js"), { force: true });
});

describe("the client modules at /_sheaf/client/", () => {
  it("serves a module as JavaScript with a validator, and 304 when it is unchanged", async () => {
    const response = await fetch(`${base}/_sheaf/client/index.js?v=1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('export * from "./client.js";\n');
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const etag = response.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const again = await fetch(`${base}/_sheaf/client/index.js`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("serves nothing but plain module names of its own folder", async () => {
    for (const name of ["index.d.ts", "index.js.map", "missing.js", "..%2Foutside.js", "sub/index.js", ""]) {
      expect((await fetch(`${base}/_sheaf/client/${name}`)).status, name).toBe(404);
    }
    expect(isClientAssetPath("/_sheaf/clientx")).toBe(false);
  });
});
