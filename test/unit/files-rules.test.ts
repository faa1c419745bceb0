import { describe, expect, it } from "vitest";
import { checkAccept, refuseDangerous, refuseMismatch, uploadFilename, UploadRefusal } from "../../src/files/accept.js";
import { extensionForMime, extensionOf, fileTypeOf, mimeOf, nameOf, niceSize } from "../../src/files/file-types.js";
import { parseRange } from "../../src/http/media.js";
import { safeName } from "../../src/api/routes/files-write.js";
import { mediaToken } from "../../src/api/views/file-model.js";

function refusal(task: () => void): string | null {
  try {
    task();
    return null;
  } catch (error) {
    if (error instanceof UploadRefusal) return error.message;
    throw error;
  }
}

describe("file types", () => {
  it("names extensions, types and MIME types as Kirby does", () => {
    expect(extensionOf("a-red.PNG")).toBe("png");
    expect(extensionOf(".htaccess")).toBe("");
    expect(nameOf("rotes-quadrat-u.jpg.png")).toBe("rotes-quadrat-u.jpg");
    expect(fileTypeOf("pdf")).toBe("document");
    expect(fileTypeOf("js")).toBe("code");
    expect(fileTypeOf("xyz")).toBe("unknown");
    expect(mimeOf("jpg")).toBe("image/jpeg");
    expect(extensionForMime("image/jpeg")).toBe("jpg");
  });

  it("formats sizes with a no-break space", () => {
    expect(niceSize(98)).toBe("98\u00a0B");
    expect(niceSize(9470)).toBe("9.25\u00a0KB");
    expect(niceSize(0)).toBe("0\u00a0B");
  });
});

describe("names", () => {
  it("makes names safe, keeping dots", () => {
    expect(safeName("Rotes Quadrat Ü.jpg")).toBe("rotes-quadrat-u.jpg");
    expect(safeName("../../etc/passwd")).toBe("..-..-etc-passwd");
  });

  it("names uploads from the part's name without any path", () => {
    expect(uploadFilename("Blue Ümlaut Photo.PNG", "image/png", safeName)).toBe("blue-umlaut-photo.png");
    expect(uploadFilename("noext", "image/jpeg", safeName)).toBe("noext.jpg");
    expect(uploadFilename("../../site/config/config.json", "application/json", safeName)).toBe("config.json");
    expect(uploadFilename("C:\\temp\\x.png", "image/png", safeName)).toBe("x.png");
  });
});

describe("refusals", () => {
  it.each([
    ["x.php", "text/plain", "You are not allowed to upload PHP files"],
    ["x.txt.phtml", "text/plain", "You are not allowed to upload PHP files"],
    ["x.png", "text/x-php", "You are not allowed to upload PHP files"],
    [".htaccess", "text/plain", "You are not allowed to upload Apache config files"],
    [".env", "text/plain", "You are not allowed to upload invisible files"],
    ["page.txt", "text/plain", 'The extension "txt" is not allowed'],
    ["x.html", "text/html", "You are not allowed to upload HTML files"],
    ["x.exe", "application/x-msdownload", 'The extension "exe" is not allowed'],
  ])("refuses %s (%s)", (name, mime, message) => {
    expect(refusal(() => refuseDangerous(name, mime, "txt"))).toBe(message);
  });

  it("accepts ordinary files", () => {
    expect(refusal(() => refuseDangerous("photo.jpg", "image/jpeg", "txt"))).toBeNull();
    expect(refusal(() => refuseDangerous("report.pdf", "application/pdf", "txt"))).toBeNull();
  });

  it("refuses bytes that are not what the extension claims", () => {
    expect(refusal(() => refuseMismatch("x.png", "text/plain"))).toContain("does not match");
    expect(refusal(() => refuseMismatch("x.jpg", "image/jpeg"))).toBeNull();
    expect(refusal(() => refuseMismatch("x.csv", "text/plain"))).toBeNull();
  });
});

describe("accept rules", () => {
  const png = { filename: "a.png", mime: "image/png", size: 98, dimensions: { width: 4, height: 3 } };

  it("checks MIME patterns, sizes and dimensions", () => {
    expect(refusal(() => checkAccept({ mime: "image/png, image/jpeg", maxsize: 2048 }, png))).toBeNull();
    expect(refusal(() => checkAccept({ mime: ["image/*"] }, png))).toBeNull();
    expect(refusal(() => checkAccept({ mime: "image/jpeg" }, png))).toBe("Invalid mime type: image/png");
    expect(refusal(() => checkAccept({ maxsize: 10 }, png))).toBe("The file is too large");
    expect(refusal(() => checkAccept({ minsize: 1000 }, png))).toBe("The file is too small");
    expect(refusal(() => checkAccept({ maxwidth: 2 }, png))).toBe("The width of the image must not exceed 2 pixels");
    expect(refusal(() => checkAccept({ orientation: "portrait" }, png))).toBe("The image must be in portrait format");
    expect(refusal(() => checkAccept({ extension: ["jpg"] }, png))).toBe("Invalid extension: png");
    expect(refusal(() => checkAccept({ type: "document" }, png))).toBe("Invalid file type: image");
  });

  it("takes only images, documents, archives, audio and video by default", () => {
    expect(refusal(() => checkAccept(undefined, { ...png, filename: "a.js", mime: "text/javascript" }))).toBe(
      "Invalid file type: code",
    );
    expect(refusal(() => checkAccept(true, { ...png, filename: "a.pdf", mime: "application/pdf" }))).toBeNull();
  });
});

describe("media", () => {
  it("reads single byte ranges", () => {
    expect(parseRange("bytes=0-7", 265)).toEqual({ start: 0, end: 7 });
    expect(parseRange("bytes=260-", 265)).toEqual({ start: 260, end: 264 });
    expect(parseRange("bytes=-5", 265)).toEqual({ start: 260, end: 264 });
    expect(parseRange("bytes=0-9999", 265)).toEqual({ start: 0, end: 264 });
    expect(parseRange("bytes=300-", 265)).toBe("unsatisfiable");
    expect(parseRange("bytes=5-1", 265)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-1,4-5", 265)).toBeNull();
    expect(parseRange("items=0-1", 265)).toBeNull();
    expect(parseRange(undefined, 265)).toBeNull();
  });

  it("makes a 10-character hex token per file id and content root", () => {
    const token = mediaToken("/srv/site/content", "gallery/a-red.png");
    expect(token).toMatch(/^[0-9a-f]{10}$/);
    expect(mediaToken("/srv/site/content", "gallery/b-photo.jpg")).not.toBe(token);
    expect(mediaToken("/elsewhere/content", "gallery/a-red.png")).not.toBe(token);
  });
});
