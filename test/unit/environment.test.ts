import { describe, expect, it } from "vitest";
import { isOnValue, parseForwarded, resolveEnvironment, sanitizeHost, type RequestInfo } from "../../src/auth/index.js";
import { resolveOptions } from "../../src/config/index.js";
import { InvalidArgumentError } from "../../src/errors.js";

function request(headers: Record<string, string> = {}, { encrypted = false, localPort = 8080 } = {}): RequestInfo {
  return {
    method: "GET",
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    remoteAddress: "203.0.113.9",
    localAddress: "10.0.0.5",
    localPort,
    encrypted,
  };
}

describe("HTTPS off-values (docs/kirby-compat/auth-and-sessions.md)", () => {
  it.each(["off", "", "0", "false", "-1"])("%j is off", (value) => {
    expect(isOnValue(value)).toBe(false);
  });

  it("a missing value is off", () => {
    expect(isOnValue(undefined)).toBe(false);
  });

  it.each(["on", "1", "true", "https", "yes", "OFF", "False", " off"])(
    "%j is on (the off list is compared exactly)",
    (value) => {
      expect(isOnValue(value)).toBe(true);
    },
  );
});

describe("secure auto-detection: url unset (default)", () => {
  it("takes host and scheme from the connection and ignores the Host header", () => {
    const env = resolveEnvironment(request({ host: "evil.example" }), null);
    expect(env).toEqual({ baseUrl: "http://10.0.0.5:8080", isHttps: false, indexPath: "/" });
  });

  it("is HTTPS only when the connection itself is TLS", () => {
    const env = resolveEnvironment(request({}, { encrypted: true, localPort: 443 }), null);
    expect(env.isHttps).toBe(true);
    expect(env.baseUrl).toBe("https://10.0.0.5");
  });

  it("ignores X-Forwarded-Proto: https and other proxy headers (row 25)", () => {
    const env = resolveEnvironment(
      request({
        "x-forwarded-proto": "https",
        "x-forwarded-ssl": "on",
        "x-forwarded-host": "proxy.example",
        "x-forwarded-port": "443",
        forwarded: "proto=https;host=proxy.example",
      }),
      null,
    );
    expect(env.isHttps).toBe(false);
    expect(env.baseUrl).toBe("http://10.0.0.5:8080");
  });

  it("resolves the default config to secure detection", () => {
    expect(resolveOptions({}).url).toBeNull();
  });
});

describe('insecure auto-detection: url "*"', () => {
  it("uses the Host header when there are no proxy headers, and the connection for HTTPS", () => {
    expect(resolveEnvironment(request({ host: "Example.com:8080" }), "*")).toEqual({
      baseUrl: "http://example.com:8080",
      isHttps: false,
      indexPath: "/",
    });
    expect(resolveEnvironment(request({ host: "example.com" }, { encrypted: true }), "*").baseUrl).toBe(
      "https://example.com",
    );
  });

  it("honours X-Forwarded-Proto: https (row 26)", () => {
    const env = resolveEnvironment(request({ host: "example.com", "x-forwarded-proto": "https" }), "*");
    expect(env).toEqual({ baseUrl: "https://example.com", isHttps: true, indexPath: "/" });
  });

  it.each(["https, http", "HTTPS", "HTTPS, HTTP"])("accepts X-Forwarded-Proto %j as HTTPS", (proto) => {
    expect(resolveEnvironment(request({ host: "example.com", "x-forwarded-proto": proto }), "*").isHttps).toBe(true);
  });

  it.each(["https,http", "http, https", "https, http, https"])(
    "does not take X-Forwarded-Proto %j as HTTPS",
    (proto) => {
      expect(resolveEnvironment(request({ host: "example.com", "x-forwarded-proto": proto }), "*").isHttps).toBe(false);
    },
  );

  it("treats X-Forwarded-Ssl by the off-values list", () => {
    expect(resolveEnvironment(request({ host: "example.com", "x-forwarded-ssl": "on" }), "*").isHttps).toBe(true);
    expect(resolveEnvironment(request({ host: "example.com", "x-forwarded-ssl": "1" }), "*").isHttps).toBe(true);
    expect(resolveEnvironment(request({ host: "example.com", "x-forwarded-ssl": "off" }), "*").isHttps).toBe(false);
    expect(resolveEnvironment(request({ host: "example.com", "x-forwarded-ssl": "0" }), "*").isHttps).toBe(false);
  });

  it("uses X-Forwarded-Host and X-Forwarded-Port", () => {
    const env = resolveEnvironment(
      request({
        host: "internal:8080",
        "x-forwarded-host": "www.example.org",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "8443",
      }),
      "*",
    );
    expect(env.baseUrl).toBe("https://www.example.org:8443");
    expect(env.isHttps).toBe(true);
  });

  it("takes a port given in X-Forwarded-Host", () => {
    const env = resolveEnvironment(request({ host: "internal", "x-forwarded-host": "www.example.org:8000" }), "*");
    expect(env.baseUrl).toBe("http://www.example.org:8000");
  });

  it("takes HTTPS only from the proxy headers once any of them is present, even on a TLS connection", () => {
    const env = resolveEnvironment(
      request({ host: "internal", "x-forwarded-host": "www.example.org" }, { encrypted: true }),
      "*",
    );
    expect(env.isHttps).toBe(false);
    expect(env.baseUrl).toBe("http://www.example.org");
  });

  it("lets Forwarded win over X-Forwarded-*", () => {
    const env = resolveEnvironment(
      request({
        host: "internal",
        forwarded: "proto=http;host=a.example",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "b.example",
      }),
      "*",
    );
    expect(env.baseUrl).toBe("http://a.example");
    expect(env.isHttps).toBe(false);
  });

  it("reads only the first Forwarded element, with case-insensitive keys and quotes removed", () => {
    const env = resolveEnvironment(
      request({
        host: "internal",
        forwarded:
          'for="[2001:db8::1]:4711";Proto=HTTPS;HOST="Example.COM:8443", for=10.0.0.1;proto=http;host=other.example',
      }),
      "*",
    );
    expect(env).toEqual({ baseUrl: "https://example.com:8443", isHttps: true, indexPath: "/" });
  });

  it("uses port 443 for a forwarded HTTPS host without a port", () => {
    expect(
      resolveEnvironment(request({ host: "internal:8080", forwarded: "proto=https;host=example.com" }), "*").baseUrl,
    ).toBe("https://example.com");
  });

  it('treats ["*"] like "*"', () => {
    expect(resolveOptions({ url: ["*"] }).url).toBe("*");
  });

  it("sanitises the host from the headers", () => {
    expect(resolveEnvironment(request({ host: "<b>EXAMPLE.com</b>." }), "*").baseUrl).toBe("http://example.com");
  });
});

describe("fixed url", () => {
  it("treats every request as HTTPS for an https URL, even over plain HTTP (row 27)", () => {
    const env = resolveEnvironment(request({ host: "other.example" }), "https://example.com");
    expect(env).toEqual({ baseUrl: "https://example.com", isHttps: true, indexPath: "/" });
  });

  it("treats every request as plain HTTP for an http URL, even over TLS and with proxy headers", () => {
    const env = resolveEnvironment(
      request({ "x-forwarded-proto": "https" }, { encrypted: true }),
      "http://example.com",
    );
    expect(env.isHttps).toBe(false);
  });

  it("takes the cookie path from the URL's path", () => {
    expect(resolveEnvironment(request(), "https://example.com/sub").indexPath).toBe("/sub/");
  });

  it("treats a one-element list as a fixed URL", () => {
    expect(resolveOptions({ url: ["https://example.com/"] }).url).toBe("https://example.com");
  });
});

describe("allow-list of URLs (row 81)", () => {
  const allowList = ["http://a.example", "https://b.example"];

  it("accepts a detected base URL on the list", () => {
    expect(resolveEnvironment(request({ host: "a.example" }), allowList)).toMatchObject({
      baseUrl: "http://a.example",
      isHttps: false,
    });
    expect(resolveEnvironment(request({ host: "b.example", "x-forwarded-proto": "https" }), allowList)).toMatchObject({
      baseUrl: "https://b.example",
      isHttps: true,
    });
  });

  it("refuses any other host with The environment is not allowed", () => {
    let thrown: unknown;
    try {
      resolveEnvironment(request({ host: "c.example" }), allowList);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect(thrown).toMatchObject({ message: "The environment is not allowed", key: "error.invalidArgument" });
  });

  it("refuses a listed host with the wrong scheme", () => {
    expect(() => resolveEnvironment(request({ host: "b.example" }), allowList)).toThrow(
      "The environment is not allowed",
    );
  });

  it("keeps a list of two or more URLs as an allow-list", () => {
    expect(resolveOptions({ url: ["http://a.example/", "https://b.example"] }).url).toEqual(allowList);
  });
});

describe("helpers", () => {
  it("sanitizeHost lower-cases, strips tags and odd characters, and trims dots and dashes", () => {
    expect(sanitizeHost("<script>x</script>Example.COM")).toBe("xexample.com");
    expect(sanitizeHost("-.example.com.-")).toBe("example.com");
    expect(sanitizeHost("exa mple.com:80/path")).toBe("example.com:80path");
  });

  it("parseForwarded returns the first element only", () => {
    expect(parseForwarded('for=1.2.3.4;proto=https;host="a,b.example", proto=http')).toEqual({
      for: "1.2.3.4",
      proto: "https",
      host: "a,b.example",
    });
  });
});

describe("sanitizeHost on hostile input", () => {
  it("refuses a host name longer than 255 characters before any work", () => {
    expect(() => sanitizeHost(`${"a".repeat(256)}`)).toThrow(/longer than 255/);
    expect(sanitizeHost(`${"a".repeat(255)}`)).toBe("a".repeat(255));
  });

  it("keeps Kirby's cleaning rules for tags and unclosed brackets", () => {
    expect(sanitizeHost("a<b")).toBe("ab");
    expect(sanitizeHost("a<b>c<d")).toBe("acd");
    expect(sanitizeHost("<<x>y")).toBe("y");
  });

  it("stays linear on the inputs that made the old expressions quadratic", () => {
    // 100k characters of each shape: far beyond the cap, so checked on the inner cleaning by chunks of 255
    const shapes = ["<".repeat(255), "-.".repeat(127), `a${"-".repeat(253)}a`];
    const started = performance.now();
    for (let round = 0; round < 400; round++) for (const shape of shapes) sanitizeHost(shape);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
