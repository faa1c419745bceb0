import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/config/index.js";
import { corsHeaders } from "../../src/http/cors.js";
import type { CorsOptions } from "../../src/config/index.js";

function corsOf(config: unknown): CorsOptions {
  const cors = resolveOptions({ cors: config }).cors;
  if (cors === false) throw new Error("CORS is off");
  return cors;
}

const preflight = { preflight: true };
const normal = { preflight: false };

describe("CORS headers (docs/kirby-compat/csrf-and-cors.md)", () => {
  it("answers a cors:true preflight with the wildcard and the default methods (row 62)", () => {
    const result = corsHeaders(corsOf(true), { origin: "https://app.example", requestHeaders: undefined }, preflight);
    expect(result?.headers).toEqual([
      ["access-control-allow-origin", "*"],
      ["access-control-allow-methods", "GET, HEAD, PUT, POST, DELETE, PATCH"],
    ]);
  });

  it("echoes origin and requested headers for allowHeaders: true, with both Vary tokens (row 63)", () => {
    const cors = corsOf({
      allowOrigin: ["https://app.example.com", "https://admin.example.com"],
      allowHeaders: true,
      allowCredentials: true,
      maxAge: 600,
      exposeHeaders: ["X-Total", "X-Page"],
    });
    const result = corsHeaders(
      cors,
      { origin: "https://APP.example.com", requestHeaders: "x-csrf ,content-type" },
      preflight,
    );
    expect(result?.headers).toEqual([
      ["access-control-allow-origin", "https://APP.example.com"],
      ["access-control-allow-credentials", "true"],
      ["access-control-expose-headers", "X-Total, X-Page"],
      ["access-control-max-age", "600"],
      ["access-control-allow-methods", "GET, HEAD, PUT, POST, DELETE, PATCH"],
      ["access-control-allow-headers", "x-csrf, content-type"],
    ]);
    expect(result?.vary).toEqual(["Origin", "Access-Control-Request-Headers"]);
  });

  it("adds no Vary token for allowHeaders: true when nothing is requested (no Allow-Headers is sent)", () => {
    const cors = corsOf({ allowOrigin: ["https://app.example.com"], allowHeaders: true });
    const result = corsHeaders(cors, { origin: "https://app.example.com", requestHeaders: undefined }, preflight);
    expect(result?.headers.map(([name]) => name)).not.toContain("access-control-allow-headers");
    expect(result?.vary).toEqual(["Origin"]);
  });

  it("sends no Allow-Headers and no Vary token for an explicit allowHeaders: null", () => {
    const cors = corsOf({ allowOrigin: ["https://app.example.com"], allowHeaders: null });
    const result = corsHeaders(cors, { origin: "https://app.example.com", requestHeaders: "x-csrf" }, preflight);
    expect(result?.headers.map(([name]) => name)).not.toContain("access-control-allow-headers");
    expect(result?.vary).toEqual(["Origin"]);
  });

  it("reflects requested headers when allowHeaders is not configured, varying on them (deviation e)", () => {
    const withHeaders = corsHeaders(corsOf({}), { origin: "https://a.example", requestHeaders: "X-CSRF" }, preflight);
    expect(withHeaders?.headers).toContainEqual(["access-control-allow-headers", "X-CSRF"]);
    expect(withHeaders?.vary).toEqual(["Access-Control-Request-Headers"]);
    const without = corsHeaders(corsOf({}), { origin: "https://a.example", requestHeaders: undefined }, preflight);
    expect(without?.vary).toEqual(["Access-Control-Request-Headers"]);
  });

  it('treats "*" inside an origin list as a plain entry, not as the wildcard', () => {
    const cors = corsOf({ allowOrigin: ["*"] });
    expect(corsHeaders(cors, { origin: "https://app.example.com", requestHeaders: undefined }, normal)).toBeNull();
    expect(corsHeaders(cors, { origin: undefined, requestHeaders: undefined }, normal)).toBeNull();
    const mixed = corsOf({ allowOrigin: ["https://app.example.com", "*"], allowCredentials: true });
    expect(
      corsHeaders(mixed, { origin: "https://app.example.com", requestHeaders: undefined }, normal)?.headers,
    ).toEqual([
      ["access-control-allow-origin", "https://app.example.com"],
      ["access-control-allow-credentials", "true"],
    ]);
  });

  it("sends the wildcard even without an Origin header, and nothing for an unlisted origin", () => {
    expect(corsHeaders(corsOf(true), { origin: undefined, requestHeaders: undefined }, normal)?.headers).toEqual([
      ["access-control-allow-origin", "*"],
    ]);
    expect(
      corsHeaders(
        corsOf({ allowOrigin: "https://a.example" }),
        { origin: "https://b.example", requestHeaders: undefined },
        normal,
      ),
    ).toBeNull();
  });
});
