import { describe, expect, it } from "vitest";
import { codeField, loginFields, loginPassword, MAX_PASSWORD_UNITS } from "../../src/auth/login-input.js";
import { passwordLength } from "../../src/auth/passwords.js";
import { isValidEmail } from "../../src/accounts/user-fields.js";
import { InvalidArgumentError } from "../../src/errors.js";

function fields(values: Record<string, unknown>) {
  return { values, get: (name: string) => values[name] };
}

function login(values: Record<string, unknown>) {
  const body = fields(values);
  return loginFields(body, loginPassword(body));
}

describe("login body fields", () => {
  it("reads what PHP coerces as PHP does", () => {
    expect(login({ email: 42, password: "x", long: 1 })).toEqual({ email: "42", long: true });
    expect(login({ email: true, password: "x", long: "false" })).toEqual({ email: "1", long: true });
    expect(login({ email: false, password: "x", long: 0 })).toEqual({ email: "", long: false });
    expect(loginPassword(fields({ password: true })).password).toBe("1");
    expect(loginPassword(fields({ password: false })).password).toBe("");
  });

  it("refuses what PHP cannot coerce with a 400 naming the field", () => {
    for (const values of [
      { email: null, password: "x" },
      { email: ["a@b.c"], password: "x" },
      { email: { toString: "a@b.c" }, password: "x" },
      { email: "a@b.c", password: ["x"] },
      { email: "a@b.c", password: { a: 1 } },
      { email: "a@b.c", password: "x", long: null },
      { email: "a@b.c", password: "x", long: [true] },
      { email: "a@b.c", password: "x", long: {} },
      { "email[]": "a@b.c", password: "x" },
      { email: "a@b.c", "Password[0]": "x" },
      { email: "a@b.c", password: "x", "long[]": "1" },
    ]) {
      expect(() => login(values), JSON.stringify(values)).toThrow(InvalidArgumentError);
    }
    expect(() => login({ email: null, password: "x" })).toThrow('The "email" field must be a string, not null');
  });

  it("takes a falsy password (null, empty list or object) as no password, as PHP does", () => {
    for (const password of [null, [], {}, ""]) {
      expect(loginPassword(fields({ password }))).toEqual({ password: "", wrongType: null });
    }
  });

  it("leaves a body without e-mail but with a password to the failed-login path whatever long holds", () => {
    expect(login({ password: "secret-password", long: null })).toEqual({ email: "", long: false });
  });

  it("refuses over-long e-mails, passwords and codes before any work", () => {
    expect(() => login({ email: `${"a".repeat(250)}@x.de`, password: "x" })).toThrow(InvalidArgumentError);
    expect(() => loginPassword(fields({ password: "p".repeat(MAX_PASSWORD_UNITS + 1) }))).toThrow(InvalidArgumentError);
    expect(loginPassword(fields({ password: "😀".repeat(1000) })).password).toHaveLength(2000);
    expect(() => codeField(fields({ code: "1".repeat(65) }))).toThrow(InvalidArgumentError);
    expect(codeField(fields({ code: 123456 }))).toBe("123456");
    expect(codeField(fields({}))).toBeUndefined();
    expect(() => codeField(fields({ code: null }))).toThrow(InvalidArgumentError);
  });

  it("does not count the characters of a password certainly over the limit", () => {
    expect(passwordLength("😀".repeat(1000))).toBe(1000);
    expect(passwordLength("x".repeat(15_000_000))).toBeGreaterThan(1000);
  });

  it("user rules refuse a 15 MB xn-- e-mail without converting it", () => {
    const huge = `a@xn--${"a".repeat(15_000_000)}.com`;
    const started = performance.now();
    expect(isValidEmail(huge)).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
