import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expandDottedKeys, loadConfig, resolveOptions } from "../../src/config/index.js";
import { corsCredentialsWithWildcard } from "../../src/config/options.js";
import { ConfigError } from "../../src/errors.js";

function configError(input: Record<string, unknown>): ConfigError {
  try {
    resolveOptions(input);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(input)}`);
}

describe("defaults (docs/kirby-compat/options.md)", () => {
  const options = resolveOptions({});

  it("has Kirby's defaults", () => {
    expect(options.debug).toBe(false);
    expect(options.url).toBeNull();
    expect(options.api).toMatchObject({
      enabled: true,
      slug: "api",
      basicAuth: false,
      allowInsecure: false,
      allowImpersonation: false,
      csrf: null,
    });
    expect(options.auth).toMatchObject({
      methods: { password: {} },
      challenges: ["totp", "email"],
      challengeTimeoutSeconds: 600,
      trials: 10,
      timeoutSeconds: 3600,
      debug: "log",
    });
    expect(options.session).toMatchObject({
      durationNormalSeconds: 7200,
      durationLongSeconds: 1_209_600,
      timeoutSeconds: 1800,
      cookieName: "kirby_session",
      cookieDomain: null,
      gcInterval: 100,
    });
    expect(options.cookieKey).toBe("KirbyHttpCookieKey");
    expect(options.cors).toBe(false);
    expect(options.panel).toMatchObject({ dev: false, language: "en", install: false, slug: "panel", kirbytext: true });
    expect(options.languages).toBe(false);
    expect(options.content).toMatchObject({ uuid: "uuid", locking: true, extension: "txt" });
    expect(options.slugsMaxLength).toBe(255);
    expect(options.home).toBe("home");
    expect(options.error).toBe("error");
  });
});

describe("nested and dotted keys", () => {
  it("reads the same option both ways", () => {
    const nested = resolveOptions({ api: { basicAuth: true, allowInsecure: true }, session: { timeout: false } });
    const dotted = resolveOptions({ "api.basicAuth": true, "api.allowInsecure": true, "session.timeout": false });
    expect(dotted).toEqual(nested);
    expect(nested.api.basicAuth).toBe(true);
    expect(nested.session.timeoutSeconds).toBe(false);
  });

  it("merges dotted and nested keys of the same group in either order", () => {
    expect(resolveOptions({ api: { slug: "rest" }, "api.basicAuth": true }).api).toMatchObject({
      slug: "rest",
      basicAuth: true,
    });
    expect(resolveOptions({ "api.basicAuth": true, api: { slug: "rest" } }).api).toMatchObject({
      slug: "rest",
      basicAuth: true,
    });
  });

  it("expands deeper dotted keys, also inside nested maps", () => {
    expect(expandDottedKeys({ "auth.challenge.timeout": 10, "auth.trials": 3 })).toEqual({
      auth: { challenge: { timeout: 10 }, trials: 3 },
    });
    expect(expandDottedKeys({ auth: { "challenge.timeout": 10 } })).toEqual({ auth: { challenge: { timeout: 10 } } });
    expect(resolveOptions({ "auth.challenge.timeout": 10 }).auth.challengeTimeoutSeconds).toBe(10);
  });

  it("keeps a dotted key when a later nested map shares more than its first segment", () => {
    const options = resolveOptions({ "auth.challenge.timeout": 10, auth: { challenge: { email: { from: "x@y.z" } } } });
    expect(options.auth.challengeTimeoutSeconds).toBe(10);
  });

  it("reads cookie.key, panel.dev, api.csrf and api: false", () => {
    const options = resolveOptions({ "cookie.key": "secret", panel: { dev: true }, "api.csrf": "option-csrf" });
    expect(options.cookieKey).toBe("secret");
    expect(options.panel.dev).toBe(true);
    expect(options.api.csrf).toBe("option-csrf");
    expect(resolveOptions({ api: false }).api.enabled).toBe(false);
  });
});

describe("auth.methods normalisation (docs/kirby-compat/auth-and-sessions.md)", () => {
  it("wraps a string and turns list entries into method maps", () => {
    expect(resolveOptions({ "auth.methods": "password" }).auth.methods).toEqual({ password: {} });
    expect(resolveOptions({ "auth.methods": ["password", "code"] }).auth.methods).toEqual({ password: {}, code: {} });
    expect(resolveOptions({ "auth.methods": { password: { "2fa": true } } }).auth.methods).toEqual({
      password: { "2fa": true },
    });
  });

  it("drops code and password-reset when 2FA is required, and code when both are present", () => {
    expect(resolveOptions({ "auth.methods": { password: { "2fa": true }, code: true } }).auth.methods).toEqual({
      password: { "2fa": true },
    });
    expect(
      Object.keys(resolveOptions({ "auth.methods": ["password", "code", "password-reset"] }).auth.methods),
    ).toEqual(["password", "password-reset"]);
  });

  it("wraps a single challenge name (row 36)", () => {
    expect(resolveOptions({ "auth.challenges": "totp" }).auth.challenges).toEqual(["totp"]);
    expect(resolveOptions({ "auth.challenges": null }).auth.challenges).toEqual(["totp", "email"]);
  });
});

describe("validation errors name the option and what is expected", () => {
  it.each([
    [{ debug: "yes" }, /"debug".*true or false.*"yes"/],
    [{ api: { basicAuth: 1 } }, /"api\.basicAuth".*true or false.*number 1/],
    [{ "api.allowInsecure": "true" }, /"api\.allowInsecure".*true or false/],
    [{ "session.durationNormal": -5 }, /"session\.durationNormal".*positive whole number.*-5/],
    [{ "session.durationLong": 1.5 }, /"session\.durationLong".*positive whole number/],
    [{ "session.gcInterval": 0 }, /"session\.gcInterval".*positive whole number/],
    [{ "session.timeout": "30" }, /"session\.timeout".*positive whole number/],
    [{ "auth.trials": 0 }, /"auth\.trials".*positive whole number/],
    [{ "auth.timeout": "1h" }, /"auth\.timeout".*positive whole number/],
    [{ "auth.debug": "verbose" }, /"auth\.debug".*true, false or "log"/],
    [{ "auth.methods": "magic-link" }, /"auth\.methods"/],
    [{ "auth.challenges": [1] }, /"auth\.challenges\[0\]".*a string.*number 1/],
    [{ "api.slug": "" }, /"api\.slug".*URL path/],
    [{ "api.slug": "a b" }, /"api\.slug"/],
    [{ "api.csrf": "" }, /"api\.csrf".*non-empty string/],
    [{ api: "yes" }, /"api".*false or a map/],
    [{ url: "example.com" }, /"url".*absolute http\(s\) URL.*"example\.com"/],
    [{ url: 42 }, /"url"/],
    [{ url: ["https://a.example", "b.example"] }, /"url\[1\]".*absolute http\(s\) URL.*"b\.example"/],
    [{ cors: "yes" }, /"cors".*true, false or a map/],
    [{ cors: { allowOrigin: ["https://a.example"], maxAge: -1 } }, /"cors\.maxAge".*whole number/],
    [{ "content.uuid": "v7" }, /"content\.uuid"/],
    [{ "cookie.key": 5 }, /"cookie\.key".*non-empty string/],
  ])("%j", (input, message) => {
    const error = configError(input);
    expect(error.message).toMatch(/^Invalid option "/);
    expect(error.message).toMatch(message);
  });
});

describe("cors", () => {
  it("is off by default and enabled with Kirby's defaults by true", () => {
    expect(resolveOptions({ cors: false }).cors).toBe(false);
    expect(resolveOptions({ cors: true }).cors).toEqual({
      allowOrigin: "*",
      allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"],
      allowHeaders: null,
      maxAge: null,
      allowCredentials: false,
      exposeHeaders: [],
    });
  });

  it("accepts credentials with the wildcard origin: the server then fails every response, as Kirby (row 65)", () => {
    const cors = resolveOptions({ cors: { allowCredentials: true } }).cors;
    expect(cors).toMatchObject({ allowCredentials: true, allowOrigin: "*" });
    expect(corsCredentialsWithWildcard(cors)).toBe(true);
    expect(
      corsCredentialsWithWildcard(resolveOptions({ cors: { allowCredentials: true, allowOrigin: ["*"] } }).cors),
    ).toBe(false);
  });

  it("accepts credentials with listed origins", () => {
    const cors = resolveOptions({
      cors: { allowCredentials: true, allowOrigin: ["https://app.example"], allowHeaders: true, maxAge: 600 },
    }).cors;
    expect(cors).toMatchObject({
      allowCredentials: true,
      allowOrigin: ["https://app.example"],
      allowHeaders: true,
      maxAge: 600,
    });
  });
});

describe("loadConfig", () => {
  let root: string;
  let configDir: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "sheaf-config-"));
    configDir = path.join(root, "site", "config");
    await mkdir(configDir, { recursive: true });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("uses the defaults for a site without config", async () => {
    await rm(configDir, { recursive: true });
    const loaded = await loadConfig(root);
    expect(loaded.source).toBeNull();
    expect(loaded.warnings).toEqual([]);
    expect(loaded.options).toEqual(resolveOptions({}));
  });

  it("reads config.json", async () => {
    await writeFile(path.join(configDir, "config.json"), JSON.stringify({ debug: true, "api.basicAuth": true }));
    const loaded = await loadConfig(root);
    expect(loaded.source).toBe(path.join(configDir, "config.json"));
    expect(loaded.options.debug).toBe(true);
    expect(loaded.options.api.basicAuth).toBe(true);
    expect(loaded.warnings).toEqual([]);
  });

  it("applies overrides over the file", async () => {
    await writeFile(path.join(configDir, "config.json"), JSON.stringify({ debug: true }));
    expect((await loadConfig(root, { debug: false })).options.debug).toBe(false);
  });

  it("refuses a config.php alone with a message that explains what to do", async () => {
    await writeFile(path.join(configDir, "config.php"), "<?php return ['debug' => true];");
    const error = await loadConfig(root).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(path.join(configDir, "config.php"));
    expect(message).toContain("PHP");
    expect(message).toContain("config.json");
  });

  it("warns that config.php is ignored when config.json exists", async () => {
    await writeFile(path.join(configDir, "config.php"), "<?php return ['debug' => false];");
    await writeFile(path.join(configDir, "config.json"), JSON.stringify({ debug: true }));
    const loaded = await loadConfig(root);
    expect(loaded.options.debug).toBe(true);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toContain("config.php");
    expect(loaded.warnings[0]).toContain("ignored");
  });

  it("reads the default export of config.mjs", async () => {
    await writeFile(path.join(configDir, "config.mjs"), "export default { debug: true, api: { slug: 'rest' } };\n");
    const loaded = await loadConfig(root);
    expect(loaded.source).toBe(path.join(configDir, "config.mjs"));
    expect(loaded.options.debug).toBe(true);
    expect(loaded.options.api.slug).toBe("rest");
  });

  it("reads a TypeScript config.ts with types and an import", async () => {
    await writeFile(path.join(configDir, "helper.ts"), "export const trials: number = 4;\n");
    await writeFile(
      path.join(configDir, "config.ts"),
      [
        'import { trials } from "./helper";',
        "interface Options { debug: boolean; auth: { trials: number } }",
        "const options: Options = { debug: true, auth: { trials } };",
        "export default options;",
        "",
      ].join("\n"),
    );
    const loaded = await loadConfig(root);
    expect(loaded.source).toBe(path.join(configDir, "config.ts"));
    expect(loaded.options.debug).toBe(true);
    expect(loaded.options.auth.trials).toBe(4);
  });

  it("calls a default-exported function", async () => {
    await writeFile(path.join(configDir, "config.mjs"), "export default async () => ({ 'auth.trials': 3 });\n");
    expect((await loadConfig(root)).options.auth.trials).toBe(3);
  });

  it("refuses a module without a map as default export", async () => {
    await writeFile(path.join(configDir, "config.mjs"), "export const debug = true;\n");
    await expect(loadConfig(root)).rejects.toThrow(
      /config\.mjs must contain \(or export by default\) a map of options/,
    );
  });

  it("prefers config.json and warns about the other config files", async () => {
    await writeFile(path.join(configDir, "config.json"), JSON.stringify({ debug: true }));
    await writeFile(path.join(configDir, "config.mjs"), "export default { debug: false };\n");
    const loaded = await loadConfig(root);
    expect(loaded.options.debug).toBe(true);
    expect(loaded.warnings.join("\n")).toContain("config.mjs");
  });

  it("reports invalid JSON with the file name", async () => {
    await writeFile(path.join(configDir, "config.json"), "{ debug: true ");
    await expect(loadConfig(root)).rejects.toThrow(ConfigError);
    await expect(loadConfig(root)).rejects.toThrow(/config\.json could not be read/);
  });

  it("prefixes a validation error with the file it comes from", async () => {
    await writeFile(path.join(configDir, "config.json"), JSON.stringify({ session: { durationNormal: 0 } }));
    const error = (await loadConfig(root).catch((reason: unknown) => reason)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(path.join(configDir, "config.json"));
    expect(error.message).toContain('Invalid option "session.durationNormal"');
  });
});
