import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, basicAuth, cleanUp, send, startSite } from "./helpers.js";

afterEach(cleanUp);

const CORS_FAILURE = {
  status: "error",
  code: "error.invalidArgument",
  details: [],
  message: "Cannot allow credentials when using wildcard origin (*)",
};

describe("CORS with credentials and the wildcard origin (docs/kirby-compat/csrf-and-cors.md)", () => {
  const config = { cors: { allowCredentials: true }, api: { basicAuth: true, allowInsecure: true } };

  it("starts, warns, and answers every request with Kirby's 400", async () => {
    const site = await startSite({ memorySessions: true, config });
    expect(site.sheaf.warnings.join("\n")).toContain("every response a 400 error");
    const requests: Array<[string, string, Record<string, string>]> = [
      ["GET", "/api/site", { authorization: basicAuth(ADMIN.email, ADMIN.password) }],
      ["GET", "/api/auth/csrf", {}],
      ["POST", "/api/auth/login", {}],
      ["OPTIONS", "/api/site", { origin: "https://app.example", "access-control-request-method": "GET" }],
      ["GET", "/", {}],
      ["GET", "/api/nothing-here", {}],
    ];
    for (const [method, url, headers] of requests) {
      const reply = await send(site.sheaf, method, url, { headers });
      expect(reply.status, `${method} ${url}`).toBe(400);
      expect(reply.body, `${method} ${url}`).toEqual(CORS_FAILURE);
      expect(reply.setCookies).toEqual([]);
    }
  });

  it("serves normally when the origins are listed", async () => {
    const site = await startSite({
      memorySessions: true,
      config: { ...config, cors: { allowCredentials: true, allowOrigin: ["https://app.example"] } },
    });
    const reply = await send(site.sheaf, "GET", "/api/site", {
      headers: { origin: "https://app.example", authorization: basicAuth(ADMIN.email, ADMIN.password) },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers["access-control-allow-origin"]).toBe("https://app.example");
    expect(reply.headers["access-control-allow-credentials"]).toBe("true");
  });
});
