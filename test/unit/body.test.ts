import { describe, expect, it } from "vitest";
import { mediaTypeOf, parseBody, parseQuery } from "../../src/http/body.js";

const buffer = (text: string): Buffer => Buffer.from(text, "utf8");

describe("parseBody (docs/kirby-compat/auth-and-sessions.md, deviation d)", () => {
  it("reads form fields from application/x-www-form-urlencoded", () => {
    expect(
      parseBody(
        buffer("email=admin%40example.com&password=AdminPass123%21&long=0"),
        "application/x-www-form-urlencoded",
      ),
    ).toEqual({
      ok: true,
      values: { email: "admin@example.com", password: "AdminPass123!", long: "0" },
    });
  });

  it("ignores parameters and case of the content type", () => {
    expect(parseBody(buffer("a=1"), "Application/X-WWW-Form-Urlencoded; charset=UTF-8")).toEqual({
      ok: true,
      values: { a: "1" },
    });
    expect(mediaTypeOf("Application/JSON ; charset=utf-8")).toBe("application/json");
    expect(mediaTypeOf(undefined)).toBe("");
  });

  it("does not understand JSON sent with a form content type (row 19)", () => {
    const parsed = parseBody(
      buffer('{"email":"admin@example.com","password":"x"}'),
      "application/x-www-form-urlencoded",
    );
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.values["email"]).toBeUndefined();
      expect(parsed.values["password"]).toBeUndefined();
    }
  });

  it("reads a JSON object", () => {
    expect(parseBody(buffer('{"email":"a@b.c","long":true,"n":1}'), "application/json")).toEqual({
      ok: true,
      values: { email: "a@b.c", long: true, n: 1 },
    });
  });

  it("reads JSON whatever the non-form content type, or without one", () => {
    expect(parseBody(buffer('{"a":1}'), "text/plain")).toEqual({ ok: true, values: { a: 1 } });
    expect(parseBody(buffer('{"a":1}'), undefined)).toEqual({ ok: true, values: { a: 1 } });
  });

  it("reads a JSON list as a map of its indexes", () => {
    expect(parseBody(buffer('["notes","about"]'), "application/json")).toEqual({
      ok: true,
      values: { "0": "notes", "1": "about" },
    });
  });

  it.each(['"text"', "42", "true", "null"])("gives an empty body for the scalar JSON %s", (text) => {
    expect(parseBody(buffer(text), "application/json")).toEqual({ ok: true, values: {} });
  });

  it("gives an empty body for no body or only whitespace", () => {
    expect(parseBody(undefined, "application/json")).toEqual({ ok: true, values: {} });
    expect(parseBody(buffer(""), undefined)).toEqual({ ok: true, values: {} });
    expect(parseBody(buffer("  \n"), "application/json")).toEqual({ ok: true, values: {} });
  });

  it.each(['{"intro": "broken', "{bad json intro=hacked", "email=a@b.c"])("refuses the invalid JSON %j", (text) => {
    expect(parseBody(buffer(text), "application/json")).toEqual({ ok: false, message: "Invalid JSON in request body" });
  });

  it("reads the text fields of multipart/form-data like form fields", () => {
    const boundary = "----sheaf-boundary";
    const text =
      `--${boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\nadmin@example.com\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="long"\r\n\r\n0\r\n` +
      `--${boundary}--\r\n`;
    expect(parseBody(buffer(text), `multipart/form-data; boundary=${boundary}`)).toEqual({
      ok: true,
      values: { email: "admin@example.com", long: "0" },
    });
  });

  it("does not treat multipart/form-data as JSON", () => {
    const parsed = parseBody(buffer("--x\r\nnot json\r\n--x--\r\n"), "multipart/form-data; boundary=x");
    expect(parsed.ok).toBe(true);
  });

  it("reads UTF-8", () => {
    expect(parseBody(buffer('{"title":"Grüße"}'), "application/json")).toEqual({
      ok: true,
      values: { title: "Grüße" },
    });
  });
});

describe("parseQuery", () => {
  it("decodes values and lets the last of repeated keys win", () => {
    expect(parseQuery("csrf=abc&select=id,title&x=1&x=2&email=a%40b.c")).toEqual({
      csrf: "abc",
      select: "id,title",
      x: "2",
      email: "a@b.c",
    });
  });

  it("keeps empty values", () => {
    expect(parseQuery("csrf=&limit")).toEqual({ csrf: "", limit: "" });
  });
});
