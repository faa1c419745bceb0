import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A bare `node:http` server on another port: a second origin whose pages try to use Sheaf's API. */
export interface SecondOrigin {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the same site as Sheaf on 127.0.0.1, but another origin. */
  readonly url: string;
  /** `http://localhost:<port>`: the same server reached under another host name, so another site. */
  readonly crossSiteUrl: string;
  /** Serves `html` at `pathname` from now on. */
  page(pathname: string, html: string): void;
  /** The `Cookie` header of the last request for `pathname` (undefined: none sent, or not requested). */
  cookieSentFor(pathname: string): string | undefined;
  stop(): Promise<void>;
}

export async function startSecondOrigin(): Promise<SecondOrigin> {
  const pages = new Map<string, string>();
  const cookies = new Map<string, string | undefined>();
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? "/", "http://placeholder").pathname;
    cookies.set(pathname, request.headers.cookie);
    const html = pages.get(pathname);
    response.writeHead(html === undefined ? 404 : 200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
    });
    response.end(html ?? "not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    crossSiteUrl: `http://localhost:${port}`,
    page: (pathname, html) => void pages.set(pathname, html),
    cookieSentFor: (pathname) => cookies.get(pathname),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A value as a JavaScript literal that is safe inside an inline `<script>`. */
function scriptLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function attribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

export interface ReadPageOptions {
  /** API URL to read, e.g. `http://127.0.0.1:8080/api/site?select=title`. */
  readonly target: string;
  /** CSRF token to send as `X-CSRF` (a header, so the browser sends a CORS preflight first). */
  readonly csrf?: string;
  /** Instead of `csrf`: first read the token from this URL (`{"csrf": …}`, e.g. Sheaf's `/api/auth/csrf`). */
  readonly csrfFrom?: string;
}

/**
 * A page whose own script reads the API with `credentials: "include"` and writes the outcome as JSON into
 * `#result`: `{ "read": true, "status": …, "body": … }` or `{ "read": false, "error": "TypeError: …" }`.
 */
export function readPage({ target, csrf, csrfFrom }: ReadPageOptions): string {
  return `<!doctype html>
<title>second origin: read</title>
<pre id="result"></pre>
<script>
  const target = ${scriptLiteral(target)};
  const givenCsrf = ${scriptLiteral(csrf ?? null)};
  const csrfFrom = ${scriptLiteral(csrfFrom ?? null)};
  const report = (outcome) => {
    const result = document.getElementById("result");
    result.textContent = JSON.stringify(outcome);
    result.dataset.done = "true";
  };
  const token = csrfFrom
    ? fetch(csrfFrom, { credentials: "include" }).then(async (response) => (await response.json()).csrf)
    : Promise.resolve(givenCsrf);
  token
    .then((csrf) => fetch(target, { credentials: "include", headers: csrf ? { "X-CSRF": csrf } : {} }))
    .then(async (response) => report({ read: true, status: response.status, body: await response.json() }))
    .catch((error) => report({ read: false, error: String(error) }));
</script>
`;
}

/** A page that submits an urlencoded form (no CSRF token) to `action` as soon as it loads. */
export function autoPostPage(action: string, fields: Readonly<Record<string, string>>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `  <input type="hidden" name="${attribute(name)}" value="${attribute(value)}">`)
    .join("\n");
  return `<!doctype html>
<title>second origin: form</title>
<form id="planted" method="post" action="${attribute(action)}">
${inputs}
</form>
<script>document.getElementById("planted").submit();</script>
`;
}
