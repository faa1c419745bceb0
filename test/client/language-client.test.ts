import { describe, expect, it } from "vitest";
import { createClient, type FetchFunction } from "../../src/client/index.js";

const PAGE = {
  code: 200,
  data: { id: "about", title: "About", url: "http://x/de/about" },
  status: "ok",
  type: "model",
};
const CSRF = "c".repeat(64);

interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
}

function fakeFetch(): { fetch: FetchFunction; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchFunction = async (input, init) => {
    const url = new URL(input);
    seen.push({ method: init.method ?? "GET", url, headers: new Headers(init.headers) });
    const body = url.pathname === "/api/auth/csrf" ? { code: 200, status: "ok", csrf: CSRF } : PAGE;
    const headers: Array<[string, string]> = [["content-type", "application/json"]];
    if (url.pathname === "/api/auth/csrf") headers.push(["set-cookie", "kirby_session=s1; path=/; HttpOnly"]);
    return new Response(JSON.stringify(body), { status: 200, headers });
  };
  return { fetch, seen };
}

describe("the client's content language", () => {
  it("sends the client's language as X-Language with every request", async () => {
    const { fetch, seen } = fakeFetch();
    const client = createClient({
      url: "http://sheaf.test",
      fetch,
      language: "de",
      auth: { type: "bearer", token: "t" },
    });
    await client.pages.get("about");
    await client.pages.update("about", { text: "Hallo" });
    expect(seen.map((request) => request.headers.get("x-language"))).toEqual(["de", "de"]);
  });

  it("takes a language per read (as ?language=) and per client view, sharing the session", async () => {
    const { fetch, seen } = fakeFetch();
    const client = createClient({ url: "http://sheaf.test", fetch });
    await client.pages.get("about", { select: ["title"], language: "de" });
    expect(seen[1]?.url.searchParams.get("language")).toBe("de");
    expect(seen[1]?.headers.get("x-language")).toBeNull();

    const german = client.inLanguage("de");
    await german.pages.changeSlug("about", "ueber-uns");
    const write = seen.at(-1);
    expect(write?.method).toBe("PATCH");
    expect(write?.headers.get("x-language")).toBe("de");
    expect(write?.headers.get("x-csrf")).toBe(CSRF);
    expect(write?.headers.get("cookie")).toBe("kirby_session=s1");
    // the CSRF token was asked for once, by whichever view needed it first
    expect(seen.filter((request) => request.url.pathname === "/api/auth/csrf")).toHaveLength(1);
    await german.request("GET", "site", { language: "en" });
    expect(seen.at(-1)?.headers.get("x-language")).toBe("en");
    await client.site.get();
    expect(seen.at(-1)?.headers.get("x-language")).toBeNull();
  });
});
