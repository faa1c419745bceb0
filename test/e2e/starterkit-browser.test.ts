/**
 * The starterkit in real Chromium (playwright-core driving Debian's `chromium`; see browser.ts), against real
 * `sheaf serve` processes on temporary copies of examples/starterkit, and a bare second server on another port.
 *
 * What these tests show about browsers and Sheaf:
 * - The session cookie is `HttpOnly; SameSite=Lax`: page scripts never see it in `document.cookie`. But cookies
 *   ignore ports: any other server on the same host name gets `kirby_session` with every request, so nothing
 *   untrusted should be served under Sheaf's host name, whatever the port.
 * - 127.0.0.1:<sheaf> and 127.0.0.1:<other> are the same *site* (ports do not count) but different *origins*, so
 *   SameSite=Lax lets a page on the other port send requests that carry the cookie. What protects the API from
 *   such a page is the CSRF token: a form POST that carries the cookie but no token gets 401 and writes nothing
 *   (the same form with the token in `?csrf=` does create the page). `localhost:<other>` is another site: there the
 *   browser leaves the cookie out, even when CORS allows that origin with credentials.
 * - Without CORS, a cross-origin `fetch` rejects. A request with `X-CSRF` needs a preflight, which Sheaf does not
 *   answer with CORS headers (PreflightMissingAllowOriginHeader), so the request itself is never sent. A request
 *   that needs no preflight (token in `?csrf=`) is sent with the cookie and answered by Sheaf; only the reading is
 *   refused (MissingAllowOriginHeader). CORS stops reading, not sending: writes rely on the CSRF check.
 * - With `cors: {allowOrigin: [<origin>], allowCredentials: true}`, the page on that origin reads the API as the
 *   user who is logged in to Sheaf in the same browser. Its token here is a fixed `api.csrf` shared with that
 *   page: without CORS it has no way to learn a token (Sheaf's HTML and JSON are unreadable for it). Basic auth
 *   would pass CORS as well, but it ignores the session, so it would not show the cookie crossing origins. Once
 *   an origin is allowed *with credentials*, though, it can read `GET /api/auth/csrf` (the session's own token)
 *   and act as the user: `allowOrigin` must list only origins trusted as much as Sheaf's own pages.
 * - Playwright does not report CORS preflights and cannot give the body of a fetch the page never read; the
 *   reasons for CORS failures come from the DevTools protocol (`Network.loadingFailed`). `chromium.launch()`
 *   gives the browser a fresh temporary profile and refuses a `--user-data-dir` argument.
 */
import { access, mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsSkipReason, launchChromium } from "./browser.js";
import { autoPostPage, readPage, startSecondOrigin, type SecondOrigin } from "./second-origin.js";
import { PROJECT_ROOT, startSheaf, type SheafProcess } from "./sheaf-process.js";

const ADMIN = { email: "admin@example.com", password: "sheaf-admin-2026", name: "Mira Castell" };
const SCREENSHOT = path.join(PROJECT_ROOT, "test-results", "starterkit-logged-in.png");
/** The `api.csrf` token shared with the second origin's page (see the comment above). */
const FIXED_CSRF = "e2e-fixed-csrf-token-0123456789abcdef";
const STARTERKIT_API = { basicAuth: true, allowInsecure: true };
const UNAUTHENTICATED = { status: "error", message: "Unauthenticated", code: 401, key: "error.auth" };

let browser: Browser;
let second: SecondOrigin;
/** The starterkit as shipped: per-session CSRF tokens, CORS off. */
let plain: SheafProcess;
/** Fixed `api.csrf`, CORS off. */
let fixedNoCors: SheafProcess;
/** Fixed `api.csrf`, CORS on for the second origin (both host names), with credentials. */
let fixedCors: SheafProcess;
/** Per-session CSRF tokens, CORS on for the second origin, with credentials. */
let sessionCors: SheafProcess;
const contexts: BrowserContext[] = [];

/** The value of a settled start, or undefined after noting why it failed. */
function started<T>(result: PromiseSettledResult<T>, failures: unknown[]): T {
  if (result.status === "fulfilled") return result.value;
  failures.push(result.reason);
  return undefined as T;
}

const skipReason = await browserTestsSkipReason();
if (skipReason) process.stderr.write(`\n  NOTICE: ${skipReason}\n\n`);
/** Every browser test goes through this, so a machine without Chromium skips them all (outside CI). */
const describeBrowser = skipReason ? describe.skip : describe;

beforeAll(async () => {
  if (skipReason) return;
  second = await startSecondOrigin();
  const allowSecond = { allowOrigin: [second.url, second.crossSiteUrl], allowCredentials: true };
  // Settle every start before failing, so afterAll stops whatever did start (e.g. when Chromium is missing).
  const results = await Promise.allSettled([
    launchChromium(),
    startSheaf(),
    startSheaf({ api: { ...STARTERKIT_API, csrf: FIXED_CSRF } }),
    startSheaf({ api: { ...STARTERKIT_API, csrf: FIXED_CSRF }, cors: allowSecond }),
    startSheaf({ cors: allowSecond }),
  ] as const);
  const failures: unknown[] = [];
  browser = started(results[0], failures);
  plain = started(results[1], failures);
  fixedNoCors = started(results[2], failures);
  fixedCors = started(results[3], failures);
  sessionCors = started(results[4], failures);
  if (failures.length) throw failures[0];
});

afterAll(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await browser?.close();
  await Promise.allSettled([
    plain?.stop(),
    fixedNoCors?.stop(),
    fixedCors?.stop(),
    sessionCors?.stop(),
    second?.stop(),
  ]);
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  return context.newPage();
}

/** Logs in through the site's own /login form and waits for /app to show the account. */
async function logInThroughForm(page: Page, sheaf: SheafProcess): Promise<void> {
  await page.goto(`${sheaf.url}/login`);
  await page.fill("#email", ADMIN.email);
  await page.fill("#password", ADMIN.password);
  const answer = page.waitForResponse((response) => isApiCall(response, `${sheaf.url}/api/auth/login`, "POST"));
  await page.click("button[type=submit]");
  const response = await answer.catch((error: unknown) => {
    throw new Error(
      `Sheaf did not answer POST /api/auth/login in time (${String(error)})\nsheaf stderr: ${sheaf.stderr()}`,
    );
  });
  // (the body is only readable before the page navigates away, i.e. when the login failed)
  if (response.status() !== 200)
    throw new Error(`POST /api/auth/login answered ${response.status()}: ${await response.text()}`);
  await page.waitForURL(`${sheaf.url}/app`);
  await page.locator("#account").waitFor({ state: "visible" });
}

function isApiCall(response: Response, url: string, method = "GET"): boolean {
  return response.url() === url && response.request().method() === method;
}

interface ReadOutcome {
  readonly read: boolean;
  readonly status?: number;
  readonly body?: { data?: Record<string, unknown>; code?: number };
  readonly error?: string;
}

async function outcomeOf(page: Page): Promise<ReadOutcome> {
  const result = page.locator("#result[data-done]");
  await result.waitFor({ state: "attached" });
  return JSON.parse((await result.textContent()) ?? "null") as ReadOutcome;
}

interface CorsFailure {
  readonly url: string;
  readonly corsError: string;
}

/** Collects the requests of a page that Chromium failed for a CORS reason (`Network.loadingFailed`). */
async function watchCorsFailures(page: Page): Promise<CorsFailure[]> {
  const failures: CorsFailure[] = [];
  const urls = new Map<string, string>();
  const devtools = await page.context().newCDPSession(page);
  devtools.on("Network.requestWillBeSent", (event) => urls.set(event.requestId, event.request.url));
  devtools.on("Network.loadingFailed", (event) => {
    const corsError = event.corsErrorStatus?.corsError;
    if (corsError) failures.push({ url: urls.get(event.requestId) ?? "?", corsError });
  });
  await devtools.send("Network.enable");
  return failures;
}

/** Every path under the site's content folder, sorted. */
async function contentTree(root: string): Promise<string[]> {
  return (await readdir(path.join(root, "content"), { recursive: true })).sort();
}

describeBrowser("logging in through the starterkit's /login page", () => {
  it("shows API data on /app, keeps the session cookie away from scripts, and logs out", async () => {
    const page = await newPage();
    const authCalls: number[] = [];
    page.on("response", (response) => {
      if (isApiCall(response, `${plain.url}/api/auth`)) authCalls.push(response.status());
    });

    await logInThroughForm(page, plain);
    expect(new URL(page.url()).pathname).toBe("/app");
    await expect.poll(() => page.textContent("#user-name")).toBe(ADMIN.name);
    expect(await page.textContent("#user-role")).toBe("Admin");
    const titles = await page.locator("#pages li a").allTextContents();
    expect(titles).toEqual(expect.arrayContaining(["Blog", "About", "Projects"]));
    expect(await page.locator("#pages li[data-id=blog]").textContent()).toContain("listed");
    expect(await page.locator("#anonymous").isHidden()).toBe(true);
    expect(authCalls).toEqual([200]);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect((await readFile(SCREENSHOT)).subarray(1, 4).toString("latin1")).toBe("PNG");

    const cookies = await page.context().cookies(plain.url);
    const session = cookies.find((cookie) => cookie.name === "kirby_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(await page.evaluate(() => document.cookie)).not.toContain("kirby_session");

    await Promise.all([page.waitForURL(`${plain.url}/login`), page.click("#logout")]);
    const refused = page.waitForResponse((response) => isApiCall(response, `${plain.url}/api/auth`));
    await page.goto(`${plain.url}/app`);
    expect((await refused).status()).toBe(401);
    // (Playwright cannot give the body of a fetch the page never reads, so ask again with the page's own token.)
    const again = await page.evaluate("fetch('/api/auth', { headers: { 'X-CSRF': csrf } }).then((r) => r.json())");
    expect(again).toMatchObject(UNAUTHENTICATED);
    await page.locator("#anonymous").waitFor({ state: "visible" });
    expect(await page.locator("#account").isHidden()).toBe(true);
    expect(await page.getAttribute("#anonymous a", "href")).toBe("/login");
  });
});

describeBrowser("a page on another origin reading the API with credentials", () => {
  it("cannot read it with CORS off, although the browser is logged in", async () => {
    const page = await newPage();
    await logInThroughForm(page, fixedNoCors);
    const failures = await watchCorsFailures(page);
    const target = `${fixedNoCors.url}/api/site?select=title`;

    // With X-CSRF the browser asks first (a preflight); Sheaf answers it without CORS headers, so the GET is never
    // sent. Playwright reports neither the preflight nor a response, so the reason is read from the DevTools protocol.
    const answered: string[] = [];
    page.on("response", (response) => {
      if (response.url().startsWith(`${fixedNoCors.url}/api/site`)) answered.push(response.url());
    });
    second.page("/read-header.html", readPage({ target, csrf: FIXED_CSRF }));
    await page.goto(`${second.url}/read-header.html`);
    const withHeader = await outcomeOf(page);
    expect(withHeader.read).toBe(false);
    expect(withHeader.error).toMatch(/TypeError/);
    expect(failures).toEqual([{ url: target, corsError: "PreflightMissingAllowOriginHeader" }]);

    // With the token in the query no preflight is needed: the GET goes to Sheaf with the session cookie and comes
    // back, but without Access-Control-Allow-Origin, so the page still cannot read it.
    const queryTarget = `${target}&csrf=${FIXED_CSRF}`;
    second.page("/read-query.html", readPage({ target: queryTarget }));
    await page.goto(`${second.url}/read-query.html`);
    const withQuery = await outcomeOf(page);
    expect(withQuery.read).toBe(false);
    expect(withQuery.error).toMatch(/TypeError/);
    expect(failures.at(-1)).toEqual({ url: queryTarget, corsError: "MissingAllowOriginHeader" });
    expect(answered).toEqual([]);
  });

  it("reads it as the logged-in user when CORS allows the origin with credentials", async () => {
    const target = `${fixedCors.url}/api/site?select=title`;
    second.page("/read-cors.html", readPage({ target, csrf: FIXED_CSRF }));

    const page = await newPage();
    await logInThroughForm(page, fixedCors);
    const answered = page.waitForResponse((response) => isApiCall(response, target));
    await page.goto(`${second.url}/read-cors.html`);
    expect(await outcomeOf(page)).toEqual({
      read: true,
      status: 200,
      body: { code: 200, data: { title: "Kestrel Studio" }, status: "ok", type: "model" },
    });
    // The GET was sent at all, so the preflight for X-CSRF passed.
    expect(await (await answered).request().headerValue("x-csrf")).toBe(FIXED_CSRF);
    expect((await answered).headers()).toMatchObject({
      "access-control-allow-origin": second.url,
      "access-control-allow-credentials": "true",
    });
    expect(await (await answered).request().headerValue("cookie")).toMatch(/(^|; )kirby_session=/);

    // The same page in a browser that is not logged in reads a 401: the session cookie is what authenticated.
    const anonymous = await newPage();
    await anonymous.goto(`${second.url}/read-cors.html`);
    expect(await outcomeOf(anonymous)).toEqual({
      read: true,
      status: 401,
      body: expect.objectContaining(UNAUTHENTICATED),
    });
  });

  it("can also read the session's own CSRF token once CORS allows the origin with credentials", async () => {
    const target = `${sessionCors.url}/api/site?select=title`;
    second.page("/read-session-token.html", readPage({ target, csrfFrom: `${sessionCors.url}/api/auth/csrf` }));

    const page = await newPage();
    await logInThroughForm(page, sessionCors);
    const sessionToken = await page.evaluate("csrf");
    const answered = page.waitForResponse((response) => isApiCall(response, target));
    await page.goto(`${second.url}/read-session-token.html`);
    expect(await outcomeOf(page)).toMatchObject({
      read: true,
      status: 200,
      body: { data: { title: "Kestrel Studio" } },
    });
    expect(await (await answered).request().headerValue("x-csrf")).toBe(sessionToken);
  });

  it("gets no session cookie from another site (localhost), even when CORS allows it: SameSite=Lax", async () => {
    const target = `${fixedCors.url}/api/site?select=title`;
    second.page("/read-cross-site.html", readPage({ target, csrf: FIXED_CSRF }));

    const page = await newPage();
    await logInThroughForm(page, fixedCors);
    const answered = page.waitForResponse((response) => isApiCall(response, target));
    await page.goto(`${second.crossSiteUrl}/read-cross-site.html`);
    expect(await outcomeOf(page)).toEqual({ read: true, status: 401, body: expect.objectContaining(UNAUTHENTICATED) });
    expect((await answered).headers()["access-control-allow-origin"]).toBe(second.crossSiteUrl);
    expect(await (await answered).request().headerValue("cookie")).toBeNull();
  });
});

describeBrowser("a form on another origin posting to the API", () => {
  it("is refused for want of the CSRF token although it carries the session cookie, and writes nothing", async () => {
    const page = await newPage();
    await logInThroughForm(page, plain);
    const before = await contentTree(plain.root);

    const action = `${plain.url}/api/site/children`;
    second.page("/post.html", autoPostPage(action, { slug: "planted-by-form", template: "default" }));
    const refused = page.waitForResponse((response) => isApiCall(response, action, "POST"));
    await page.goto(`${second.url}/post.html`);
    // Cookies ignore ports: the other server on this host name got Sheaf's session cookie with its own page.
    expect(second.cookieSentFor("/post.html")).toMatch(/(^|; )kirby_session=/);
    const response = await refused;
    expect(response.status()).toBe(401);
    expect(await response.json()).toMatchObject(UNAUTHENTICATED);
    const sent = await response.request().allHeaders();
    expect(sent["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(sent["origin"]).toBe(second.url);
    expect(sent["cookie"]).toMatch(/(^|; )kirby_session=/);
    expect(sent["x-csrf"]).toBeUndefined();
    expect(await contentTree(plain.root)).toEqual(before);

    // Control: the same form with the session's token in the query creates the page, so the token was the only
    // thing missing (cookie and form body were accepted).
    await page.goto(`${plain.url}/app`);
    const token = await page.evaluate("csrf");
    const withToken = `${action}?csrf=${String(token)}`;
    second.page("/post-with-token.html", autoPostPage(withToken, { slug: "created-by-form", template: "default" }));
    const accepted = page.waitForResponse((response) => isApiCall(response, withToken, "POST"));
    await page.goto(`${second.url}/post-with-token.html`);
    expect((await accepted).status()).toBe(200);
    expect(await (await accepted).json()).toMatchObject({
      code: 200,
      status: "ok",
      data: { id: "created-by-form", status: "draft" },
    });
    const created = ["_drafts", "_drafts/created-by-form", "_drafts/created-by-form/default.en.txt"];
    expect(await contentTree(plain.root)).toEqual([...new Set([...before, ...created])].sort());
  });
});

/** Whether the image has loaded and decoded (naturalWidth is 0 for a broken or missing image). */
function naturalWidth(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluate((image: HTMLImageElement) => (image.complete ? image.naturalWidth : 0));
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describeBrowser("the starterkit's /app on sheaf/client", () => {
  it("loads the SDK from Sheaf, shows a page's images, uploads one, shows it rendered and deletes it", async () => {
    const page = await newPage();
    const sdk = page.waitForResponse((response) => response.url() === `${plain.url}/_sheaf/client/index.js`);
    await logInThroughForm(page, plain);
    expect((await sdk).status()).toBe(200);
    expect((await sdk).headers()["content-type"]).toBe("text/javascript; charset=utf-8");

    const shipped = "#images li[data-filename='studio-sign.png'] img";
    await page.locator(shipped).waitFor();
    expect(await page.getAttribute(shipped, "src")).toMatch(
      /\/media\/pages\/about\/[0-9a-f]{10}-\d+\/studio-sign\.png$/,
    );
    await expect.poll(() => naturalWidth(page, shipped)).toBe(320);

    const upload = await sharp({ create: { width: 24, height: 16, channels: 3, background: "#d33" } })
      .png()
      .toBuffer();
    await page.setInputFiles("#image-file", { name: "red-card.png", mimeType: "image/png", buffer: upload });
    const answered = page.waitForResponse((response) =>
      isApiCall(response, `${plain.url}/api/pages/about/files`, "POST"),
    );
    await page.click("#upload button[type=submit]");
    expect((await answered).status()).toBe(200);
    expect((await answered).request().headers()["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const uploaded = "#images li[data-filename='red-card.png'] img";
    await page.locator(uploaded).waitFor();
    await expect.poll(() => naturalWidth(page, uploaded)).toBe(24);
    const onDisk = path.join(plain.root, "content", "2_about", "red-card.png");
    expect((await readFile(onDisk)).equals(upload)).toBe(true);

    // a file the server refuses: its message is shown, nothing is stored
    await page.setInputFiles("#image-file", {
      name: "notes.png",
      mimeType: "image/png",
      buffer: Buffer.from("plain text"),
    });
    await page.click("#upload button[type=submit]");
    await expect.poll(() => page.textContent("#upload-message")).not.toBe("");
    expect(await exists(path.join(plain.root, "content", "2_about", "notes.png"))).toBe(false);

    const deleted = page.waitForResponse((response) =>
      isApiCall(response, `${plain.url}/api/pages/about/files/red-card.png`, "DELETE"),
    );
    await page.click("#images li[data-filename='red-card.png'] button.delete");
    expect((await deleted).status()).toBe(200);
    await page.locator(uploaded).waitFor({ state: "detached" });
    expect(await exists(onDisk)).toBe(false);
    expect(await page.locator(shipped).count()).toBe(1);
  });

  it("switches the content language with the SDK's language option and shows the German content", async () => {
    const page = await newPage();
    await logInThroughForm(page, plain);
    const about = "#pages li[data-id=about] a";
    await expect.poll(() => page.textContent(about)).toBe("About");
    expect(await page.textContent("#gallery-title")).toBe("About");
    expect(await page.getAttribute("#languages button[data-language=en]", "aria-pressed")).toBe("true");

    const german = page.waitForResponse((response) => response.url().startsWith(`${plain.url}/api/site/children`));
    await page.click("#languages button[data-language=de]");
    expect(await (await german).request().headerValue("x-language")).toBe("de");
    await expect.poll(() => page.textContent(about)).toBe("Über uns");
    await expect.poll(() => page.textContent("#gallery-title")).toBe("Über uns");
    expect(await page.locator("#pages li a").allTextContents()).toEqual(
      expect.arrayContaining(["Journal", "Projekte", "Übersicht"]),
    );
    expect(await page.getAttribute("#languages button[data-language=de]", "aria-pressed")).toBe("true");
    // the images are the page's in every language
    await expect.poll(() => naturalWidth(page, "#images li[data-filename='studio-sign.png'] img")).toBe(320);

    await page.click("#languages button[data-language=en]");
    await expect.poll(() => page.textContent(about)).toBe("About");
  });
});
