/**
 * The files and avatar methods without a server: the paths they call, the multipart bodies they send (read back
 * with busboy, the parser the server uses), and how answers become results.
 */
import { Readable } from "node:stream";
import busboy from "busboy";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createClient,
  SheafApiError,
  type CompactFile,
  type File as FileModel,
  type FileFields,
} from "../../src/client/index.js";

interface Part {
  readonly field: string;
  readonly filename: string;
  readonly bytes: Buffer;
}

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | null;
  readonly fields: Record<string, string>;
  readonly parts: Part[];
  readonly json: unknown;
}

/** Reads a multipart body as the server would. */
async function parseMultipart(contentType: string, body: Uint8Array): Promise<Pick<Seen, "fields" | "parts">> {
  const fields: Record<string, string> = {};
  const parts: Part[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = busboy({ headers: { "content-type": contentType } });
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("file", (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => parts.push({ field, filename: info.filename ?? "", bytes: Buffer.concat(chunks) }));
    });
    parser.on("close", resolve);
    parser.on("error", reject);
    Readable.from([Buffer.from(body)]).pipe(parser);
  });
  return { fields, parts };
}

const FILE = { filename: "a.png", id: "blog/a.png", url: "http://x/media/pages/blog/h/a.png" };

/** A client whose fetch answers `answer` and records what was sent. */
function recorded(
  answer: (seen: Seen) => { status?: number; body: unknown } = () => ({ body: { status: "ok", data: FILE } }),
) {
  const seen: Seen[] = [];
  const client = createClient({
    url: "http://sheaf.test",
    auth: { type: "basic", email: "a@example.com", password: "p" },
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const contentType = request.headers.get("content-type");
      const bytes = new Uint8Array(await request.arrayBuffer());
      const isMultipart = contentType?.startsWith("multipart/form-data") ?? false;
      const multipart = isMultipart ? await parseMultipart(contentType ?? "", bytes) : { fields: {}, parts: [] };
      const text = new TextDecoder().decode(bytes);
      const entry: Seen = {
        method: request.method,
        path: new URL(request.url).pathname + new URL(request.url).search,
        contentType,
        ...multipart,
        json: !isMultipart && text !== "" ? JSON.parse(text) : undefined,
      };
      seen.push(entry);
      const { status = 200, body } = answer(entry);
      return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    },
  });
  return { client, seen };
}

describe("files paths", () => {
  it("calls the routes of pages, the site, users and the account", async () => {
    const listing = {
      code: 200,
      status: "ok",
      type: "collection",
      data: [],
      pagination: { page: 1, total: 0, offset: 0, limit: 100 },
    };
    const model = { code: 200, status: "ok", type: "model", data: FILE };
    const { client, seen } = recorded((request) => ({
      body:
        request.method === "DELETE"
          ? { status: "ok", message: "ok", code: 200 }
          : request.path.includes("/files?") || request.path.endsWith("/files") || request.path.endsWith("/sort")
            ? listing
            : model,
    }));
    await client.pages.files("blog/hello").list({ limit: 5, select: ["filename"] });
    await client.pages.files("blog+hello").get("Ä b.png");
    await client.site.files.update("logo.png", { alt: "Logo" });
    await client.users.files("ann@example.com").list();
    await client.account.files.rename("cv.pdf", "resume");
    await client.pages.files("blog").sort({ files: ["blog/b.png", "blog/a.png"], index: 3 });
    await client.pages.files("blog").delete("a.png");
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /api/pages/blog+hello/files?select=filename&limit=5",
      "GET /api/pages/blog+hello/files/%C3%84%20b.png",
      "PATCH /api/site/files/logo.png",
      "GET /api/users/ann@example.com/files",
      "PATCH /api/account/files/cv.pdf/name",
      "PATCH /api/pages/blog/files/sort",
      "DELETE /api/pages/blog/files/a.png",
    ]);
    expect(seen[2]?.json).toEqual({ alt: "Logo" });
    expect(seen[4]?.json).toEqual({ name: "resume" });
    expect(seen[5]?.json).toEqual({ files: ["blog/b.png", "blog/a.png"], index: 3 });
  });

  it("rejects a bad page id or an empty filename without sending anything", async () => {
    const { client, seen } = recorded();
    await expect(client.pages.files("").list()).rejects.toBeInstanceOf(TypeError);
    await expect(client.site.files.delete("")).rejects.toBeInstanceOf(TypeError);
    expect(seen).toEqual([]);
  });
});

describe("files search", () => {
  const listing = {
    code: 200,
    status: "ok",
    type: "collection",
    data: [FILE],
    pagination: { page: 1, total: 1, offset: 0, limit: 100 },
  };

  it("sends a plain query as GET ?q= with select, limit, page and language, on every parent", async () => {
    const { client, seen } = recorded(() => ({ body: listing }));
    const found = await client.pages
      .files("blog/hello")
      .search("red ä", { select: ["filename", "url"], limit: 2, page: 3, language: "de" });
    expectTypeOf(found.data).toEqualTypeOf<readonly Pick<FileFields, "filename" | "url">[]>();
    expect(found.data).toEqual([FILE]);
    expect(found.pagination.total).toBe(1);
    await client.site.files.search("logo");
    await client.users.files("ann@example.com").search("cv");
    await client.account.files.search("cv", { view: "compact" });
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /api/pages/blog+hello/files/search?select=filename%2Curl&language=de&page=3&limit=2&q=red+%C3%A4",
      "GET /api/site/files/search?q=logo",
      "GET /api/users/ann@example.com/files/search?q=cv",
      "GET /api/account/files/search?view=compact&q=cv",
    ]);
    expect(seen.every((request) => request.json === undefined)).toBe(true);
  });

  it("posts the query and its options in the body when options are given; the rest stays in the query string", async () => {
    const { client, seen } = recorded(() => ({ body: listing }));
    await client.site.files.search("red", { limit: 5, options: { fields: ["alt"], words: true, minlength: 3 } });
    expect(seen[0]).toMatchObject({ method: "POST", path: "/api/site/files/search?limit=5" });
    expect(seen[0]?.json).toEqual({
      search: { query: "red", options: { fields: ["alt"], words: true, minlength: 3 } },
    });
  });

  it("rejects a bad page id without sending anything, and a non-collection answer as unexpected", async () => {
    const { client, seen } = recorded(() => ({ body: { status: "ok", data: FILE } }));
    await expect(client.pages.files("").search("x")).rejects.toBeInstanceOf(TypeError);
    expect(seen).toEqual([]);
    await expect(client.site.files.search("x")).rejects.toBeInstanceOf(SheafApiError);
  });
});

describe("upload bodies", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 0, 255]);

  it("sends a Blob or bytes as FormData: the part named file, template and sort as fields", async () => {
    const { client, seen } = recorded();
    const file = await client.pages
      .files("blog")
      .upload(new Blob([png]), { filename: 'ä "x".png', template: "image", sort: 2 });
    expect(file).toEqual(FILE);
    expect(seen[0]).toMatchObject({
      method: "POST",
      path: "/api/pages/blog/files",
      fields: { template: "image", sort: "2" },
    });
    expect(seen[0]?.parts).toHaveLength(1);
    expect(seen[0]?.parts[0]).toMatchObject({ field: "file" });
    expect(seen[0]?.parts[0]?.bytes.equals(Buffer.from(png))).toBe(true);
    await client.pages.files("blog").upload(png, { filename: "raw.png" });
    expect(seen[1]?.parts[0]?.filename).toBe("raw.png");
  });

  it("streams a ReadableStream or an async iterable as a multipart body of its own, byte for byte", async () => {
    const { client, seen } = recorded();
    const halves = [png.subarray(0, 4), png.subarray(4)];
    await client.site.files.upload(new Blob(halves).stream(), { filename: "web.png", template: "image" });
    await client.site.files.upload(Readable.from(halves.map((half) => Buffer.from(half))), {
      filename: "line\r\nbreak.png",
    });
    for (const request of seen) {
      expect(request.contentType).toMatch(/^multipart\/form-data; boundary=----SheafUpload[0-9a-f]{24}$/);
      expect(request.parts[0]?.bytes.equals(Buffer.from(png))).toBe(true);
    }
    expect(seen[0]?.fields).toEqual({ template: "image" });
    expect(seen[0]?.parts[0]?.filename).toBe("web.png");
    // a line break cannot end the part's header early
    expect(seen[1]?.parts[0]?.filename).toBe("line%0D%0Abreak.png");
  });

  it("sends several files in one body and reads the answer keyed by filename", async () => {
    const { client, seen } = recorded(() => ({
      body: { status: "ok", data: { "a.png": FILE, "b.png": { ...FILE, filename: "b.png" } } },
    }));
    const files = await client.pages
      .files("blog")
      .uploadMany([{ source: new File([png], "a.png") }, { source: png, filename: "b.png" }]);
    expect(files.map((file) => file.filename)).toEqual(["a.png", "b.png"]);
    expect(seen[0]?.parts.map((part) => part.filename)).toEqual(["a.png", "b.png"]);
    await expect(client.pages.files("blog").uploadMany([])).rejects.toBeInstanceOf(TypeError);
  });

  it("names a replacement after the file it replaces, and rejects a refusal with the server's message", async () => {
    const { client, seen } = recorded((request) =>
      request.path.endsWith("refused.png")
        ? { status: 400, body: { status: "error", message: "Invalid mime type: text/plain" } }
        : { body: { status: "ok", data: FILE } },
    );
    await client.pages.files("blog").replace("a.png", png);
    expect(seen[0]).toMatchObject({ method: "POST", path: "/api/pages/blog/files/a.png" });
    expect(seen[0]?.parts[0]?.filename).toBe("a.png");
    const error = await client.pages
      .files("blog")
      .replace("refused.png", png)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SheafApiError);
    expect(error).toMatchObject({ status: 400, code: 400, message: "Invalid mime type: text/plain", key: null });
  });

  it("refuses a source without a name, a fractional sort and an answer that is not an upload", async () => {
    const { client, seen } = recorded(() => ({ body: { code: 200, status: "ok", type: "model", data: [] } }));
    await expect(client.site.files.upload(new Blob([png]))).rejects.toThrow(/needs a filename/);
    await expect(client.site.files.upload(png, { filename: "a.png", sort: 1.5 })).rejects.toBeInstanceOf(TypeError);
    expect(seen).toEqual([]);
    await expect(client.site.files.upload(png, { filename: "a.png" })).rejects.toThrow(/not an upload answer/);
  });
});

describe("avatars", () => {
  it("gets null for a user without one, but rejects for an unknown user", async () => {
    const { client, seen } = recorded((request) =>
      request.path.includes("nobody")
        ? {
            status: 404,
            body: { status: "error", message: "The user cannot be found", code: 404, key: "error.user.notFound" },
          }
        : { status: 404, body: { status: "error", message: "not found", code: 404 } },
    );
    expect(await client.users.avatar("ann@example.com").get()).toBeNull();
    await expect(client.users.avatar("nobody").get()).rejects.toMatchObject({ key: "error.user.notFound" });
    expect(await client.account.avatar.get()).toBeNull();
    expect(seen.map((request) => request.path)).toEqual([
      "/api/users/ann@example.com/avatar",
      "/api/users/nobody/avatar",
      "/api/account/avatar",
    ]);
  });

  it("uploads an image under some name and removes it", async () => {
    const { client, seen } = recorded((request) =>
      request.method === "DELETE"
        ? { body: { status: "ok", message: "ok", code: 200 } }
        : { body: { status: "ok", data: FILE } },
    );
    await client.account.avatar.set(new Uint8Array([1, 2, 3]));
    await client.users.avatar("u1").set(new File([new Uint8Array([1])], "me.jpg"));
    await client.users.avatar("u1").remove();
    expect(seen.map((request) => `${request.method} ${request.path} ${request.parts[0]?.filename ?? ""}`)).toEqual([
      "POST /api/account/avatar avatar",
      "POST /api/users/u1/avatar me.jpg",
      "DELETE /api/users/u1/avatar ",
    ]);
  });
});

describe("types", () => {
  it("follow select and view (checked by the type checker; the calls are never made)", () => {
    const client = createClient({ url: "http://sheaf.test", fetch: () => Promise.reject(new Error("offline")) });
    const files = client.pages.files("blog");
    const checks = () => {
      expectTypeOf(files.get("a.png")).resolves.toEqualTypeOf<FileModel>();
      expectTypeOf(files.get("a.png", { view: "compact" })).resolves.toEqualTypeOf<CompactFile>();
      expectTypeOf(files.list({ select: ["filename", "size"] })).resolves.toMatchTypeOf<{
        data: readonly { filename: string; size: number }[];
      }>();
      expectTypeOf(files.list()).resolves.toMatchTypeOf<{ data: readonly FileModel[] }>();
    };
    expectTypeOf(checks).toBeFunction();
  });
});
