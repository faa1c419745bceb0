/**
 * The client against a real `sheaf serve` process on a copy of the conformance fixture, over real HTTP.
 * Needs the build (`npm test` builds first): the server runs from dist/, the plain-Node check imports dist/client.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { access, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, isPendingLogin, SheafApiError, type FetchFunction } from "../../src/client/index.js";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURE_CANDIDATES = [path.join(PROJECT_ROOT, "test", "conformance", "fixture")];
const BUILT_CLIENT = path.join(PROJECT_ROOT, "dist", "client", "index.js");
const BUILT_SERVER = path.join(PROJECT_ROOT, "dist", "cli", "main.js");

const ADMIN = { email: "admin@example.com", password: "AdminPass123!" };
const EDITOR = { email: "editor@example.com", password: "EditorPass123!" };

let root = "";
let server: ChildProcess | null = null;
let url = "";

async function firstExisting(paths: readonly string[]): Promise<string> {
  for (const candidate of paths) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(`none of ${paths.join(", ")} exists`);
}

/** Starts `sheaf serve` on a port the system picks and resolves with the URL it prints once it listens. */
function startServer(site: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin", "sheaf.js"), "serve", site, "--port", "0"], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const timer = setTimeout(() => fail(new Error(`sheaf serve did not start within 20 s:\n${output}`)), 20_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    const read = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const match = / on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`sheaf serve exited with ${code}:\n${output}`)));
  });
}

/** Polls until the server answers an API request. */
async function waitUntilAnswering(base: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(`${base}/api/system`);
      if (response.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${base} does not answer`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** The client's fetch, recording the request headers it sent. */
function recordingFetch(): { fetch: FetchFunction; sent: Array<{ url: string; headers: Headers }> } {
  const sent: Array<{ url: string; headers: Headers }> = [];
  return {
    sent,
    fetch: (input, init) => {
      sent.push({ url: input, headers: new Headers(init.headers) });
      return fetch(input, init);
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<SheafApiError> {
  const caught: unknown = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(SheafApiError);
  return caught as SheafApiError;
}

beforeAll(async () => {
  for (const built of [BUILT_SERVER, BUILT_CLIENT]) {
    await access(built).catch(() => {
      throw new Error(`${built} is missing: run "npm run build" first (npm test does)`);
    });
  }
  const fixture = await firstExisting(FIXTURE_CANDIDATES);
  root = await mkdtemp(path.join(tmpdir(), "sheaf-client-"));
  await cp(fixture, root, { recursive: true });
  await mkdir(path.join(root, "site", "config"), { recursive: true });
  await writeFile(
    path.join(root, "site", "config", "config.json"),
    JSON.stringify({ api: { basicAuth: true, allowInsecure: true } }),
  );
  const started = await startServer(root);
  server = started.child;
  url = started.url;
  await waitUntilAnswering(url);
});

afterAll(async () => {
  if (server) await stopServer(server);
  if (root !== "") await rm(root, { recursive: true, force: true });
});

describe("session mode", () => {
  it("logs in, reads, writes and logs out; the session is gone afterwards", async () => {
    const { fetch, sent } = recordingFetch();
    const client = createClient({ url, fetch });
    expect(client.authType).toBe("session");

    const user = await client.login(ADMIN);
    if (isPendingLogin(user)) throw new Error("no login challenge expected");
    expect(user).toMatchObject({ email: ADMIN.email, id: "admin001", role: { name: "admin" } });
    expect(user.permissions?.access.panel).toBe(true);
    const token = await client.csrf();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(sent.filter((request) => request.url.endsWith("/api/auth/csrf"))).toHaveLength(1);

    expect((await client.auth.me()).email).toBe(ADMIN.email);
    const site = await client.site.get();
    expect(site.title).toBe("Oracle Site");
    const note = await client.pages.get("notes/first-note");
    expect(note).toMatchObject({
      id: "notes/first-note",
      slug: "first-note",
      status: "listed",
      template: "note",
      parent: { id: "notes" },
    });
    expect(note.options.update).toBe(true);

    const updated = await client.pages.update("notes/first-note", { text: "Written by the client.", tags: ["a", "b"] });
    expect(updated.content).toMatchObject({ text: "Written by the client.", tags: ["a", "b"] });
    expect((await client.pages.get("notes/first-note", { select: ["content"] })).content["text"]).toBe(
      "Written by the client.",
    );

    const loggedInCookie = sent.at(-1)?.headers.get("cookie") ?? "";
    expect(loggedInCookie).toMatch(/^kirby_session=/);

    await client.logout();
    expect(await client.csrf()).toBe(token);
    const afterLogout = await rejection(client.auth.me());
    expect(afterLogout).toMatchObject({ status: 401, key: "error.auth" });

    // The logged-in session itself is dead, not only forgotten by the client.
    const replay = await fetch(`${url}/api/auth`, { headers: { cookie: loggedInCookie, "x-csrf": token } });
    expect(replay.status).toBe(401);

    // The kept token serves the next login.
    await client.login(EDITOR);
    expect(await client.csrf()).toBe(token);
    expect((await client.auth.me()).email).toBe(EDITOR.email);
    await client.ping();
    await client.logout();
  });

  it("creates, changes and deletes a page", async () => {
    const client = createClient({ url });
    await client.login(ADMIN);
    const created = await client.pages.create("notes", {
      slug: "from-client",
      template: "note",
      content: { title: "From the client" },
    });
    expect(created).toMatchObject({
      id: "notes/from-client",
      status: "draft",
      title: "From the client",
      template: "note",
    });

    const listed = await client.pages.changeStatus("notes/from-client", "listed", 1);
    expect(listed).toMatchObject({ status: "listed", num: 1 });
    expect((await client.pages.changeTitle("notes/from-client", "Renamed")).title).toBe("Renamed");
    const moved = await client.pages.changeSlug("notes/from-client", "moved");
    expect(moved.id).toBe("notes/moved");
    const copy = await client.pages.duplicate("notes/moved", "moved-copy");
    expect(copy.id).toBe("notes/moved-copy");

    await client.pages.delete("notes/moved-copy");
    await client.pages.delete("notes+moved");
    expect(await rejection(client.pages.get("notes/moved"))).toMatchObject({ status: 404, key: "error.page.notFound" });
    await client.logout();
  });

  it("reports a wrong password as error.access.login", async () => {
    const client = createClient({ url });
    const error = await rejection(client.login({ email: EDITOR.email, password: "not-the-password" }));
    expect(error).toMatchObject({ status: 403, code: 403, key: "error.access.login", details: [] });
  });
});

describe("Basic mode", () => {
  const basic = (account: { email: string; password: string }) =>
    createClient({ url, auth: { type: "basic", email: account.email, password: account.password } });

  it("reads and writes with credentials on every request", async () => {
    const client = basic(ADMIN);
    expect(client.authType).toBe("basic");
    expect((await client.auth.me()).email).toBe(ADMIN.email);
    const site = await client.site.changeTitle("Renamed Site");
    expect(site.title).toBe("Renamed Site");
    expect((await client.site.get({ select: ["title"] })).title).toBe("Renamed Site");
    const updated = await client.site.update({ description: "Set over Basic auth" });
    expect(updated.content["description"]).toBe("Set over Basic auth");
    expect((await client.pages.get("about", { view: "compact" })).id).toBe("about");
  });

  it("answers a wrong password with a 403 error.access.login", async () => {
    const error = await rejection(basic({ email: ADMIN.email, password: "wrong-password" }).site.get());
    expect(error).toMatchObject({ status: 403, key: "error.access.login" });
    expect(error.message).toBe("Invalid login");
  });

  it("carries the user's permissions: the editor may not delete pages", async () => {
    const error = await rejection(basic(EDITOR).pages.delete("about"));
    expect(error).toMatchObject({ status: 403, key: "error.page.delete.permission" });
  });
});

describe("application passwords", () => {
  it("reads with a read-only token as Bearer and as the Basic password, and is refused a write", async () => {
    const created = (
      await createClient({ url, auth: { type: "basic", ...ADMIN } }).request<{ data: { token: string } }>(
        "POST",
        "account/tokens",
        { body: { name: "client test", scope: "read" } },
      )
    ).data;
    const bearer = createClient({ url, auth: { type: "bearer", token: created.token } });
    expect(bearer.authType).toBe("bearer");
    expect((await bearer.pages.get("about", { select: ["id"] })).id).toBe("about");
    const asPassword = createClient({ url, auth: { type: "basic", email: ADMIN.email, password: created.token } });
    expect((await asPassword.auth.me()).email).toBe(ADMIN.email);
    const error = await rejection(bearer.site.changeTitle("Not allowed"));
    expect(error).toBeInstanceOf(SheafApiError);
    expect(error).toMatchObject({ status: 403 });
  });
});

describe("errors", () => {
  const admin = () => createClient({ url, auth: { type: "basic", ...ADMIN } });

  it("404 for a page that does not exist", async () => {
    const error = await rejection(admin().pages.get("notes/does-not-exist"));
    expect(error).toMatchObject({ status: 404, code: 404, key: "error.page.notFound", details: [] });
    expect(error.message).toBe('The page "notes/does-not-exist" cannot be found');
  });

  it("400 for a duplicate slug", async () => {
    const error = await rejection(
      admin().pages.create("notes", { slug: "first-note", template: "note", content: { title: "Again" } }),
    );
    expect(error).toMatchObject({ status: 400, key: "error.page.duplicate" });
  });

  it("an unknown route becomes an error without a key", async () => {
    const error = await rejection(admin().request("GET", "no/such/route"));
    expect(error).toMatchObject({ status: 404, key: null });
  });
});

describe("collections", () => {
  const admin = () => createClient({ url, auth: { type: "basic", ...ADMIN } });

  it("pages through children with page and limit", async () => {
    const second = await admin().pages.children("bulk", { page: 2, limit: 50, select: ["id", "num"] });
    expect(second.pagination).toEqual({ page: 2, total: 200, offset: 50, limit: 50 });
    expect(second.data).toHaveLength(50);
    expect(second.data[0]).toEqual({ id: "bulk/item-051", num: 51 });
    const pastTheEnd = await rejection(admin().pages.children("bulk", { page: 5, limit: 50 }));
    expect(pastTheEnd).toMatchObject({ status: 404, key: "error.errorPage" });
  });

  it("lists users, roles and drafts", async () => {
    const client = admin();
    const users = await client.users.list();
    expect(users.pagination.total).toBe(3);
    expect(users.data.map((user) => user.email)).toContain(EDITOR.email);
    expect((await client.roles.list()).data.map((role) => role.name)).toEqual(["admin", "editor", "noaccess"]);
    expect((await client.roles.get("editor")).permissions.pages.delete).toBe(false);
    const drafts = await client.pages.children("notes", { status: "drafts" });
    expect(drafts.data.map((page) => page.id)).toEqual(["notes/secret-draft"]);
    expect((await client.users.get("editor@example.com")).id).toBe("editor01");
  });
});

describe("in a plain Node script", () => {
  it("works from the built ESM module", async () => {
    const script = `
      import { createClient, SheafApiError } from ${JSON.stringify(pathToFileURL(BUILT_CLIENT).href)};
      const url = process.argv[1];
      const basic = createClient({ url, auth: { type: "basic", email: "admin@example.com", password: "AdminPass123!" } });
      const page = await basic.pages.get("notes/second-note", { select: ["id", "title"] });
      const session = createClient({ url });
      const user = await session.login({ email: "editor@example.com", password: "EditorPass123!" });
      const me = await session.auth.me();
      await session.logout();
      const missing = await basic.pages.get("nope").catch((error) => error);
      console.log(JSON.stringify({ page, user: user.email, me: me.email, missing: [missing instanceof SheafApiError, missing.key] }));
    `;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, url], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))));
    });
    expect(JSON.parse(output)).toEqual({
      page: { id: "notes/second-note", title: "Second Note" },
      user: EDITOR.email,
      me: EDITOR.email,
      missing: [true, "error.page.notFound"],
    });
  });
});
