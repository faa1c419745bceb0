/**
 * The OpenAPI document (docs/openapi.md): every route of the table is declared, the document served at
 * `GET /api/openapi.json` is valid OpenAPI 3.1 (checked by @seriousme/openapi-schema-validator), names every route's
 * parameters, auth and envelopes, and a body checked with a route's declaration keeps the route's own answers.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterEach, describe, expect, it } from "vitest";
import { ERROR_MESSAGES } from "../../src/errors.js";
import { apiRoutes } from "../../src/api/routes/index.js";
import { languageRoutes } from "../../src/api/routes/languages.js";
import { placeholdersOf, routeSpecs, specKey } from "../../src/api/openapi/index.js";
import { ADMIN, cleanUp, send, startSite, UNAUTHENTICATED } from "./helpers.js";

afterEach(cleanUp);

const CONFIG = { api: { basicAuth: true, allowInsecure: true } };
const BASIC = { authorization: `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString("base64")}` };

interface Operation {
  readonly operationId: string;
  readonly parameters?: readonly { name: string; in: string }[];
  readonly security: readonly Record<string, unknown>[];
  readonly requestBody?: { content: Record<string, unknown> };
  readonly responses: Record<string, unknown>;
  readonly "x-sheaf"?: boolean;
}
type PathItem = Record<string, Operation> & { parameters?: readonly { name: string; in: string }[] };
interface Document {
  readonly openapi: string;
  readonly paths: Record<string, PathItem>;
  readonly components: { schemas: Record<string, { anyOf?: { anyOf?: { const: string }[] }[] }> };
}

async function fetchDocument(config: Record<string, unknown> = CONFIG): Promise<Document> {
  const site = await startSite({ config });
  const reply = await send(site.sheaf, "GET", "/api/openapi.json");
  expect(reply.status).toBe(200);
  expect(reply.headers["content-type"]).toContain("application/json");
  return reply.body as Document;
}

const METHODS = ["get", "post", "patch", "delete", "put"];

function operations(document: Document): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method): [string, string, Operation] => [
      path,
      method,
      item[method] as Operation,
    ]),
  );
}

describe("the route declarations", () => {
  it("declare every route of the table, with one name per placeholder, and nothing that is not a route", () => {
    const keys = apiRoutes.flatMap((definition) =>
      definition.methods.map((method) => ({ key: specKey(method, definition.pattern), definition })),
    );
    const undeclared = keys.filter(({ key }) => routeSpecs[key] === undefined).map(({ key }) => key);
    expect(undeclared).toEqual([]);
    for (const { key, definition } of keys) {
      expect(routeSpecs[key]?.params ?? [], key).toHaveLength(placeholdersOf(definition.pattern).length);
    }
    const stale = Object.keys(routeSpecs).filter((key) => !keys.some((entry) => entry.key === key));
    expect(stale).toEqual([]);
  });
});

describe("GET /api/openapi.json", () => {
  it("is public and a valid OpenAPI 3.1 document", async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // the validator does refuse a broken document: a parameter in no valid place
    const broken = structuredClone(document) as unknown as {
      paths: Record<string, Record<string, { parameters: { in: string }[] }>>;
    };
    const parameter = broken.paths["/pages/{id}"]?.["get"]?.parameters[0];
    if (parameter) parameter.in = "body";
    expect((await new Validator().validate(broken as unknown as Record<string, unknown>)).valid).toBe(false);
  });

  it("holds each route of the table under its method, with its path parameters, auth and envelopes", async () => {
    const document = await fetchDocument();
    const all = operations(document);
    const byKey = new Map(all.map(([path, method, operation]) => [`${method} ${path}`, operation]));
    expect(byKey.get("get /pages/{id}")?.security).toEqual([{ session: [], csrf: [] }, { basic: [] }, { bearer: [] }]);
    expect(byKey.get("post /auth/login")?.security).toEqual([]);
    expect(byKey.get("get /system")?.security).toEqual([]);
    expect(byKey.has("get /site/search") && byKey.has("post /site/search")).toBe(true);
    expect(byKey.get("post /account/tokens")?.["x-sheaf"]).toBe(true);
    expect(byKey.get("get /pages/{id}")?.["x-sheaf"]).toBeUndefined();
    expect(Object.keys(byKey.get("post /pages/{id}/files")?.requestBody?.content ?? {})).toEqual([
      "multipart/form-data",
    ]);
    expect(byKey.get("get /pages/{id}/children")?.responses["4XX"]).toEqual({ $ref: "#/components/responses/Error" });
    // the health and media paths of Sheaf, outside the API
    expect(document.paths["/_sheaf/ready"]?.["get"]).toBeDefined();
    expect(document.paths["/media/pages/{page}/{hash}/{filename}"]?.["get"]).toBeDefined();
    const apiOperations = all.filter(([path]) => !path.startsWith("/_sheaf/") && !path.startsWith("/media/"));
    const served = apiRoutes.filter((definition) => !languageRoutes.includes(definition));
    expect(apiOperations.length).toBe(served.reduce((count, definition) => count + definition.methods.length, 0));
    const ids = all.map(([, , operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, method, operation] of all) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = [...(operation.parameters ?? []), ...(document.paths[path]?.parameters ?? [])]
        .filter((parameter) => parameter.in === "path")
        .map((parameter) => parameter.name);
      expect(declared, `${method} ${path}`).toEqual(templated);
    }
  });

  it("names every error key Sheaf has a message for", async () => {
    const document = await fetchDocument();
    const known = document.components.schemas["ErrorKey"]?.anyOf?.[0]?.anyOf?.map((entry) => entry.const) ?? [];
    expect(known).toEqual(Object.keys(ERROR_MESSAGES).map((key) => `error.${key}`));
  });

  it("lists the language routes only on a site with languages, under the site's API slug and URL", async () => {
    const plain = await fetchDocument();
    expect(plain.paths["/languages"]).toBeUndefined();
    const site = await startSite({ config: { ...CONFIG, languages: true, api: { ...CONFIG.api, slug: "rest" } } });
    const reply = await send(site.sheaf, "GET", "/rest/openapi.json");
    expect(reply.status).toBe(200);
    const document = reply.body as Document & { servers: { url: string }[] };
    expect(document.paths["/languages/{code}"]?.["patch"]).toBeDefined();
    expect(document.servers[0]?.url).toBe("/rest");
    // a site with a fixed URL (in a folder, say) is described there
    const fixed = await startSite({ config: { ...CONFIG, url: "https://example.com/site/" } });
    const atUrl = (await send(fixed.sheaf, "GET", "/api/openapi.json")).body as typeof document;
    expect(atUrl.servers[0]?.url).toBe("https://example.com/site/api");
    expect((atUrl.paths["/_sheaf/live"] as unknown as { servers: { url: string }[] }).servers[0]?.url).toBe(
      "https://example.com/site",
    );
  });

  it("is the same document on every request, whoever asks", async () => {
    const site = await startSite({ config: CONFIG });
    const anonymous = await send(site.sheaf, "GET", "/api/openapi.json");
    const admin = await send(site.sheaf, "GET", "/api/openapi.json", { headers: BASIC });
    expect(admin.text).toBe(anonymous.text);
    // other methods on the path are Kirby's 404, and the route shadows no page
    const post = await send(site.sheaf, "POST", "/api/openapi.json", { headers: BASIC });
    expect(post.status).toBe(404);
    const page = await send(site.sheaf, "GET", "/api/pages/openapi.json");
    expect(page.body).toEqual(UNAUTHENTICATED);
  });
});

describe("a body checked with its declaration", () => {
  it("keeps the token route's answers for a missing, blank, too long or mistyped name, scope or expiry", async () => {
    const site = await startSite({ config: CONFIG });
    const create = (json: unknown) => send(site.sheaf, "POST", "/api/account/tokens", { headers: BASIC, json });
    const NAME = "Please give the application password a name (1–100 characters)";
    for (const body of [{}, { name: "   " }, { name: "x".repeat(101) }, { name: 42 }]) {
      const reply = await create(body);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ status: "error", code: 400, key: "error.invalidArgument", message: NAME });
    }
    expect((await create({ name: "ci", scope: 7 })).body).toMatchObject({
      message: 'The scope must be "read", "full" or a map of permissions such as {"pages": {"update": true}}',
    });
    expect((await create({ name: "ci", expiresIn: 0 })).body).toMatchObject({
      message: "expiresIn must be a positive number of seconds",
    });
    expect((await create({ name: "ci", expiresAt: 5 })).body).toMatchObject({
      message: "expiresAt must be a date in the future (ISO 8601)",
    });
    // the names are read as Kirby reads a body: case-insensitively
    const made = await create({ Name: " ci ", SCOPE: "full", expiresIn: "3600" });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ status: "ok", data: { name: "ci", scope: "full" } });
  });
});
