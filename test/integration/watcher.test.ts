/**
 * Files replaced atomically (written to a temporary name, then renamed over the old one, as Sheaf, the CLI, `git
 * pull` and many editors do) stay followed: an edit made after the replace is served within 2 s, for every folder
 * Sheaf keeps in memory.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/accounts/passwords.js";
import {
  ADMIN,
  EDITOR,
  basicAuth,
  bearer,
  cleanUp,
  createToken,
  dataOf,
  send,
  startSite,
  until,
  type Reply,
  type TestSite,
} from "./helpers.js";

afterEach(cleanUp);

const SERVED_WITHIN_MS = 2_000;
/** Basic auth over plain HTTP for reading as the admin; enough trials for polling logins; no cached passwords. */
const CONFIG = { api: { basicAuth: true, allowInsecure: true }, auth: { trials: 1000, basicCache: 0 } };

async function start(
  prepare?: (root: string) => Promise<void>,
  log: (message: string) => void = () => undefined,
): Promise<TestSite> {
  const site = await startSite({ config: CONFIG, extra: { watch: true, log } });
  if (prepare === undefined) return site;
  // files the fixture lacks are written before a second instance starts on the same copy
  await site.close();
  await prepare(site.root);
  return startSite({ root: site.root, config: CONFIG, extra: { watch: true, log } });
}

async function replaceAtomically(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}

function asAdmin(site: TestSite, url: string): Promise<Reply> {
  return send(site.sheaf, "GET", url, { headers: { authorization: basicAuth(ADMIN.email, ADMIN.password) } });
}

async function servedWithin(what: string, check: () => Promise<boolean>): Promise<void> {
  await until(what, check, SERVED_WITHIN_MS);
}

describe("an edit after an atomic replace is served", () => {
  it("content: a page's .txt", async () => {
    const site = await start();
    const file = path.join(site.root, "content", "1_notes", "1_first-note", "note.txt");
    const title = async (): Promise<unknown> =>
      dataOf(await asAdmin(site, "/api/pages/notes+first-note?select=title"))["title"];

    await replaceAtomically(file, "Title: Replaced\n");
    await servedWithin("the replaced page is served", async () => (await title()) === "Replaced");
    await writeFile(file, "Title: Edited in place\n");
    await servedWithin("the page edited in place is served", async () => (await title()) === "Edited in place");
  });

  it("content: a page's .txt written by the API first", async () => {
    const site = await start();
    const file = path.join(site.root, "content", "1_notes", "1_first-note", "note.txt");
    const admin = await site.client().loginOrThrow(ADMIN);
    const patched = await admin.request("PATCH", "/api/pages/notes+first-note", {
      withCsrf: true,
      json: { text: "Through the API" },
    });
    expect(patched.status).toBe(200);

    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("Through the API", "Edited in place"));
    await servedWithin("the page edited in place is served", async () => {
      const reply = await asAdmin(site, "/api/pages/notes+first-note?select=content");
      return (dataOf(reply)["content"] as Record<string, unknown>)["text"] === "Edited in place";
    });
  });

  it("accounts: an account's index.php", async () => {
    const site = await start();
    const file = path.join(site.root, "site", "accounts", EDITOR.id, "index.php");
    const original = await readFile(file, "utf8");
    const name = async (): Promise<unknown> =>
      dataOf(await asAdmin(site, `/api/users/${EDITOR.id}?select=name`))["name"];

    await replaceAtomically(file, original.replace("Ed Editor", "Replaced Name"));
    await servedWithin("the replaced account is served", async () => (await name()) === "Replaced Name");
    await writeFile(file, original.replace("Ed Editor", "Edited Name"));
    await servedWithin("the account edited in place is served", async () => (await name()) === "Edited Name");
  });

  it("accounts: an account's .htpasswd", async () => {
    const site = await start();
    const file = path.join(site.root, "site", "accounts", EDITOR.id, ".htpasswd");
    const logsIn = async (password: string): Promise<boolean> =>
      (await send(site.sheaf, "GET", "/api/auth", { headers: { authorization: basicAuth(EDITOR.email, password) } }))
        .status === 200;

    await replaceAtomically(file, await hashPassword("replaced-password-1"));
    await servedWithin("the replaced password is accepted", () => logsIn("replaced-password-1"));
    await writeFile(file, await hashPassword("edited-password-2"));
    await servedWithin("the password edited in place is accepted", () => logsIn("edited-password-2"));
    expect(await logsIn("replaced-password-1")).toBe(false);
  });

  it("blueprints: a role's .yml", async () => {
    const site = await start();
    const file = path.join(site.root, "site", "blueprints", "users", "editor.yml");
    const original = await readFile(file, "utf8");
    const title = async (): Promise<unknown> => dataOf(await asAdmin(site, "/api/roles/editor"))["title"];

    await replaceAtomically(file, original.replace("title: Editor", "title: Replaced Editor"));
    await servedWithin("the replaced blueprint is served", async () => (await title()) === "Replaced Editor");
    await writeFile(file, original.replace("title: Editor", "title: Edited Editor"));
    await servedWithin("the blueprint edited in place is served", async () => (await title()) === "Edited Editor");
  });

  it("templates: an .eta template", async () => {
    const templateOf = (root: string): string => path.join(root, "site", "templates", "default.eta");
    const site = await start((root) => writeFile(templateOf(root), "<p>original</p>"));
    const rendered = async (): Promise<string> => (await send(site.sheaf, "GET", "/")).text;
    expect(await rendered()).toContain("original");

    await replaceAtomically(templateOf(site.root), "<p>replaced</p>");
    await servedWithin("the replaced template renders", async () => (await rendered()).includes("replaced"));
    await writeFile(templateOf(site.root), "<p>edited in place</p>");
    await servedWithin("the template edited in place renders", async () =>
      (await rendered()).includes("edited in place"),
    );
  });

  it("tokens: the token file", async () => {
    const site = await start();
    const file = path.join(site.root, "site", "accounts", ".tokens.json");
    const { token } = await createToken(await site.client().loginOrThrow(EDITOR), { name: "script", scope: "full" });
    const accepted = async (): Promise<boolean> =>
      (await send(site.sheaf, "GET", "/api/auth", { headers: bearer(token) })).status === 200;
    expect(await accepted()).toBe(true);
    // the first use is recorded in the file; that write must not land after the replace
    await site.sheaf.services.security.tokens?.idle();
    const stored = await readFile(file, "utf8");

    await replaceAtomically(file, "{}");
    await servedWithin("the emptied token file revokes the token", async () => !(await accepted()));
    await writeFile(file, stored);
    await servedWithin("the token file edited in place grants it again", accepted);
  });
});

describe("a change that cannot be read", () => {
  it("is logged once through the site's log while the last good version keeps serving, until it is fixed", async () => {
    const logged: string[] = [];
    const site = await start(undefined, (message) => logged.push(message));
    const file = path.join(site.root, "site", "blueprints", "users", "editor.yml");
    const original = await readFile(file, "utf8");
    const title = async (): Promise<unknown> => dataOf(await asAdmin(site, "/api/roles/editor"))["title"];
    const failures = (): string[] =>
      logged.filter((message) => message.includes("blueprints folder could not be read"));

    for (let attempt = 0; attempt < 3; attempt++) {
      await replaceAtomically(file, `title: [unclosed ${attempt}\n`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await until("the broken blueprint is logged", async () => failures().length > 0, SERVED_WITHIN_MS);
    expect(failures()).toHaveLength(1);
    expect(JSON.parse(failures()[0] as string)).toMatchObject({ level: 50 });
    expect(await title()).toBe("Editor");

    await writeFile(file, original.replace("title: Editor", "title: Fixed Editor"));
    await servedWithin("the fixed blueprint is served", async () => (await title()) === "Fixed Editor");
    expect(failures()).toHaveLength(1);
  });
});
