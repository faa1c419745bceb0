import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ENVIRONMENT_VARIABLES } from "../../src/config/environment.js";
import { checkOptions, listenSettings, loadConfig, resolveConfig, resolveOptions } from "../../src/config/index.js";
import { IGNORED_KIRBY_OPTIONS, OptionsInput } from "../../src/config/schema.js";
import { closest } from "../../src/config/suggest.js";
import { optionPath, optionPaths } from "../../src/config/validate.js";
import { ConfigError } from "../../src/errors.js";

const DOCS = path.resolve(import.meta.dirname, "..", "..", "docs");

function problemsOf(input: Record<string, unknown>, environment: Record<string, string> = {}): readonly string[] {
  try {
    resolveConfig(input, environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected problems for ${JSON.stringify(input)}`);
}

describe("every problem at once, each with its path", () => {
  it("lists all problems of a config in one ConfigError, in the schema's order", () => {
    const input = {
      debug: "yes",
      api: { basicAuth: 1, slug: "a b" },
      "session.timeout": 0,
      auth: { challenge: { timeout: "10m" }, debug: "verbose" },
    };
    const problems = problemsOf(input);
    expect(problems).toEqual([
      'Invalid option "debug": expected true or false, got "yes"',
      'Invalid option "api.slug": expected a URL path such as "api", got "a b"',
      'Invalid option "api.basicAuth": expected true or false, got number 1',
      'Invalid option "auth.challenge.timeout": expected a positive whole number, got "10m"',
      'Invalid option "auth.debug": expected true, false or "log", got "verbose"',
      'Invalid option "session.timeout": expected a positive whole number, or false, got number 0',
    ]);
    const error = (() => {
      try {
        resolveOptions(input);
      } catch (thrown) {
        return thrown as ConfigError;
      }
    })();
    expect(error?.message).toBe(`6 problems in the configuration:\n  ${problems.join("\n  ")}`);
  });

  it("takes a media Cache-Control value of printable characters only, so no header can be injected", () => {
    expect(resolveOptions({}).server.mediaCacheControl).toBe(false);
    expect(resolveOptions({ server: { mediaCacheControl: "public, max-age=60" } }).server.mediaCacheControl).toBe(
      "public, max-age=60",
    );
    expect(problemsOf({ server: { mediaCacheControl: "max-age=1\r\nSet-Cookie: a=b" } })).toEqual([
      expect.stringContaining('Invalid option "server.mediaCacheControl": expected a Cache-Control header value'),
    ]);
    expect(problemsOf({ server: { mediaCacheControl: true } })).toHaveLength(1);
  });

  it("names the option inside a map or list that a union of forms allows", () => {
    expect(
      problemsOf({
        url: ["https://a.example", "b.example"],
        trustedProxies: ["10.0.0.0/8", "::1", "proxy.example"],
        cors: { allowOrigin: ["https://a.example"], maxAge: -1, allowCredentials: "yes" },
        email: { transport: { type: "smtp", port: 70000 } },
        "auth.methods": { password: true, "magic-link": true },
      }),
    ).toEqual([
      'Invalid option "url[1]": expected an absolute http(s) URL, got "b.example"',
      'Invalid option "email.transport.port": expected a port number (1–65535); default by security, got number 70000',
      'Invalid option "auth.methods.magic-link": expected a map of method names to true, false or their options, got the key "magic-link"',
      'Invalid option "cors.maxAge": expected a whole number of seconds, got number -1',
      'Invalid option "cors.allowCredentials": expected true or false, got "yes"',
      'Invalid option "trustedProxies[2]": expected an address or CIDR range such as "10.0.0.0/8" or "::1", got "proxy.example"',
    ]);
  });

  it("reports a group that is not a map once, not each of its options", () => {
    expect(problemsOf({ session: "long", api: "yes" })).toEqual([
      'Invalid option "api": expected false or a map of API options, got "yes"',
      'Invalid option "session": expected a map of options, got "long"',
    ]);
  });

  it("checks options against each other once each is valid on its own", () => {
    expect(problemsOf({ server: { headersTimeout: 90_000, requestTimeout: 60_000 } })).toEqual([
      'Invalid option "server.headersTimeout": expected at most server.requestTimeout (60000), got number 90000',
    ]);
    expect(problemsOf({ email: { transport: { type: "smtp", auth: true, username: "u" } } })).toEqual([
      'Invalid option "email.transport.auth": expected username and password (or SHEAF_SMTP_PASSWORD) with auth: true, got boolean true',
    ]);
  });

  it("never echoes a secret it refuses", () => {
    const problems = problemsOf({ "cookie.key": 12345678, email: { transport: { type: "smtp", password: 987654 } } });
    expect(problems.join("\n")).not.toMatch(/12345678|987654/);
    expect(problems).toContain('Invalid option "cookie.key": expected a non-empty string, got a number (not shown)');
  });

  it("reads null as the default, as Kirby does, except where null has a meaning of its own", () => {
    const options = resolveOptions({ api: null, "auth.trials": null, cors: { allowHeaders: null } });
    expect(options.api.slug).toBe("api");
    expect(options.auth.trials).toBe(10);
    expect(options.cors === false ? null : options.cors.allowHeaders).toEqual([]);
    expect(resolveOptions({ cors: {} }).cors).toMatchObject({ allowHeaders: null });
  });

  it("turns JSON pointers into option paths", () => {
    expect(optionPath("", "/api/basicAuth")).toBe("api.basicAuth");
    expect(optionPath("", "/trustedProxies/2")).toBe("trustedProxies[2]");
    expect(optionPath("auth.methods", "/a~1b")).toBe("auth.methods.a/b");
  });
});

describe("unknown keys warn, with the nearest option", () => {
  it("suggests the option a key was meant to be, at any depth", () => {
    const { warnings, options } = resolveConfig({
      "api.basicAuht": true,
      sesion: { timeout: 10 },
      debgu: true,
      auth: { challenge: { timout: 5 } },
    });
    expect(warnings).toEqual([
      'Unknown option "api.basicAuht" is ignored; did you mean "api.basicAuth"?',
      'Unknown option "sesion" is ignored; did you mean "session"?',
      'Unknown option "debgu" is ignored; did you mean "debug"?',
      'Unknown option "auth.challenge.timout" is ignored; did you mean "auth.challenge.timeout"?',
    ]);
    expect(options.api.basicAuth).toBe(false);
    expect(options.session.timeoutSeconds).toBe(1800);
  });

  it("says nothing about plugin options or Kirby options that have no effect here", () => {
    const { warnings } = resolveConfig({
      "acme.seo.title": "x",
      "getkirby.staticache": { enabled: true },
      thumbs: { quality: 80 },
      routes: [],
      "email.presets": { contact: {} },
      panel: { css: "assets/panel.css" },
      "api.methodOverride": true,
    });
    expect(warnings).toEqual([]);
  });

  it("warns about an unknown top-level value that is no plugin map, without a far-fetched suggestion", () => {
    expect(resolveConfig({ colour: "red" }).warnings).toEqual(['Unknown option "colour" is ignored']);
    expect(closest("acme", ["api", "auth", "cors"])).toBeNull();
    expect(closest("basicauth", ["basicAuth", "allowInsecure"])).toBe("basicAuth");
  });

  it("leaves unknown keys out of the options", () => {
    const { options } = resolveConfig({ api: { basicAuht: true }, acme: { plugin: 1 } });
    expect(Object.keys(options.api)).not.toContain("basicAuht");
    expect(Object.keys(options)).not.toContain("acme");
  });
});

describe("the options are frozen", () => {
  it("at every depth, and never freeze the caller's objects", () => {
    const proxies = ["10.0.0.1"];
    const input = {
      trustedProxies: proxies,
      cors: { allowOrigin: ["https://a.example"] },
      auth: { methods: { password: { "2fa": true } } },
    };
    const options = resolveOptions(input);
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.api)).toBe(true);
    expect(Object.isFrozen(options.trustedProxies)).toBe(true);
    expect(Object.isFrozen(options.auth.methods["password"])).toBe(true);
    expect(() => {
      (options.api as { basicAuth: boolean }).basicAuth = true;
    }).toThrow(TypeError);
    expect(() => (options.trustedProxies as string[]).push("10.0.0.2")).toThrow(TypeError);
    expect(Object.isFrozen(proxies)).toBe(false);
    expect(Object.isFrozen(input.auth.methods.password)).toBe(false);
    expect(Object.isFrozen(resolveOptions({}).content.ignore)).toBe(true);
  });

  it("ignores a __proto__ key instead of reaching Object.prototype through it", () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "__proto__.debug": true, "api": {"__proto__.x": 1}}');
    const options = resolveOptions(input as Record<string, unknown>);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(options.debug).toBe(false);
  });
});

describe("environment variables go through the same checks", () => {
  it("SHEAF_URL and SHEAF_DEBUG set options; a wrong value names its variable", () => {
    expect(
      resolveOptions({ url: "https://a.example" }, { SHEAF_URL: "https://b.example/", SHEAF_DEBUG: "Yes" }),
    ).toMatchObject({
      url: "https://b.example",
      debug: true,
    });
    expect(problemsOf({}, { SHEAF_URL: "cms.example", SHEAF_DEBUG: "maybe" })).toEqual([
      'Invalid environment variable "SHEAF_DEBUG": expected true or false (or 1 or 0), got "maybe"',
      'Invalid option "url" (from SHEAF_URL): expected "*", an absolute http(s) URL or a list of them, got "cms.example"',
    ]);
  });

  it("SHEAF_SMTP_PASSWORD fills the transport's password only where there is an SMTP transport", () => {
    const smtp = { email: { transport: { type: "smtp", auth: true, username: "u" } } };
    expect(resolveOptions(smtp, { SHEAF_SMTP_PASSWORD: "s3cret" }).email.transport).toMatchObject({
      auth: { username: "u", password: "s3cret" },
    });
    expect(resolveOptions({}, { SHEAF_SMTP_PASSWORD: "s3cret" }).email.transport).toEqual({ type: "file" });
  });

  it("listenSettings: --port, else SHEAF_PORT, else PORT, else 8080; only the deciding variables are checked", () => {
    expect(listenSettings({}, {})).toEqual({ port: 8080, host: "127.0.0.1", problems: [] });
    expect(listenSettings({}, { PORT: "3000", SHEAF_HOST: " 0.0.0.0 " })).toMatchObject({
      port: 3000,
      host: "0.0.0.0",
    });
    expect(listenSettings({}, { PORT: "3000", SHEAF_PORT: "4000" }).port).toBe(4000);
    expect(listenSettings({ port: 5000, host: "::1" }, { SHEAF_PORT: "nope", SHEAF_HOST: "a b" })).toEqual({
      port: 5000,
      host: "::1",
      problems: [],
    });
    expect(
      listenSettings({}, { SHEAF_PORT: "70000", PORT: "3000", SHEAF_HOST: "a b" }).problems.map((p) => p.path),
    ).toEqual(["SHEAF_PORT", "SHEAF_HOST"]);
  });

  describe("loadConfig", () => {
    let root: string;
    beforeEach(async () => {
      root = await mkdtemp(path.join(tmpdir(), "sheaf-schema-"));
      await mkdir(path.join(root, "site", "config"), { recursive: true });
    });
    afterEach(() => rm(root, { recursive: true, force: true }));

    it("reports the file's and the environment's problems together, naming where each comes from", async () => {
      const file = path.join(root, "site", "config", "config.json");
      await writeFile(file, JSON.stringify({ "api.basicAuth": "no", audit: { keep: 0 }, cookie: { kee: "x" } }));
      const error = (await loadConfig(root, {}, { SHEAF_DEBUG: "2" }).catch(
        (reason: unknown) => reason,
      )) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.problems).toEqual([
        'Invalid environment variable "SHEAF_DEBUG": expected true or false (or 1 or 0), got "2"',
        `${file}: Invalid option "api.basicAuth": expected true or false, got "no"`,
        `${file}: Invalid option "audit.keep": expected a positive whole number, got number 0`,
      ]);
      await writeFile(file, JSON.stringify({ cookie: { kee: "x" } }));
      expect((await loadConfig(root, {}, {})).warnings).toEqual([
        `${file}: Unknown option "cookie.kee" is ignored; did you mean "cookie.key"?`,
      ]);
    });
  });

  it("checkOptions returns problems instead of throwing", () => {
    const outcome = checkOptions({ debug: 1 });
    expect(outcome.options).toBeNull();
    expect(outcome.problems.map((problem) => problem.path)).toEqual(["debug"]);
  });
});

describe("the options reference matches the schema", () => {
  /** Option names in the first column of the tables of docs/kirby-compat/options.md (`a.b`, `.c` = `a.c`). */
  async function documentedOptions(): Promise<Set<string>> {
    const text = await readFile(path.join(DOCS, "kirby-compat", "options.md"), "utf8");
    const names = new Set<string>();
    for (const line of text.split("\n")) {
      const cell = /^\| ([^|]+) \|/.exec(line)?.[1];
      if (!cell) continue;
      let previous = "";
      for (const [, name] of cell.matchAll(/`([^`]+)`/g)) {
        const full = name?.startsWith(".") ? `${previous.slice(0, previous.lastIndexOf("."))}${name}` : (name ?? "");
        names.add(full);
        previous = full;
      }
    }
    return names;
  }

  it("documents every option the schema declares, and every Kirby option it ignores", async () => {
    const documented = await documentedOptions();
    const missing = [...optionPaths(OptionsInput), ...IGNORED_KIRBY_OPTIONS].filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it("documents no option the schema does not know", async () => {
    const known = new Set<string>([...optionPaths(OptionsInput), ...IGNORED_KIRBY_OPTIONS]);
    for (const name of optionPaths(OptionsInput)) {
      for (let cut = name.indexOf("."); cut > 0; cut = name.indexOf(".", cut + 1)) known.add(name.slice(0, cut));
    }
    const unknown = [...(await documentedOptions())].filter((name) => !known.has(name) && !/^[A-Z_]+$/.test(name));
    expect(unknown).toEqual([]);
  });

  it("documents every environment variable in the deployment guide and the options reference", async () => {
    const deploy = await readFile(path.join(DOCS, "deploy.md"), "utf8");
    const documented = await documentedOptions();
    for (const name of ENVIRONMENT_VARIABLES) {
      expect(deploy).toContain(`\`${name}\``);
      expect(documented.has(name)).toBe(true);
    }
  });
});
