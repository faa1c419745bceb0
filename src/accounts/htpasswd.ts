/**
 * The `.htpasswd` of an account folder (docs/kirby-compat/content-format.md#account-files): line 1 is the bcrypt hash
 * (empty when the user has no password), the optional line 2 a JSON object of other secrets such as `{"totp":"…"}`.
 * Written without a trailing newline. Its modification time is the user's password timestamp.
 */

import { InvalidArgumentError } from "../errors.js";

export interface PasswordFile {
  /** bcrypt hash, or null when the user has no password. */
  readonly hash: string | null;
  readonly secrets: Readonly<Record<string, string>>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses the file text. A missing or empty line 2 means no secrets.
 *
 * @throws InvalidArgumentError `JSON string is invalid` when line 2 is not a JSON object.
 */
export function parseHtpasswd(text: string): PasswordFile {
  const newline = text.indexOf("\n");
  const firstLine = (newline === -1 ? text : text.slice(0, newline)).trim();
  const secretsLine = newline === -1 ? "" : text.slice(newline + 1).trim();

  let secrets: Record<string, string> = {};
  if (secretsLine !== "") {
    let decoded: unknown;
    try {
      decoded = JSON.parse(secretsLine);
    } catch {
      decoded = undefined;
    }
    // PHP decodes `[]` to an (empty) array too, so an empty JSON list is accepted as "no secrets".
    const isEmptyList = Array.isArray(decoded) && decoded.length === 0;
    if (!isPlainObject(decoded) && !isEmptyList) {
      throw new InvalidArgumentError({ message: "JSON string is invalid" });
    }
    secrets = Object.fromEntries(
      Object.entries(isPlainObject(decoded) ? decoded : {}).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
    );
  }

  return { hash: firstLine === "" ? null : firstLine, secrets };
}

/** Writes the file text: the hash (or an empty line) and, when there are secrets, a JSON line. No final newline. */
export function serializeHtpasswd(file: PasswordFile): string {
  const hash = file.hash ?? "";
  const hasSecrets = Object.keys(file.secrets).length > 0;
  return hasSecrets ? `${hash}\n${JSON.stringify(file.secrets)}` : hash;
}
