import { InvalidArgumentError } from "../errors.js";

/**
 * Template names from requests. A template name becomes the content file name (`<template>.txt`), so only plain
 * names are accepted: after lower-casing, 1 to 255 characters of a-z, 0-9, `-` and `_`.
 */

const PLAIN_TEMPLATE_NAME = /^[a-z0-9_-]{1,255}$/;

/**
 * The template a request names, lower-cased (`NOTE` is `note`); undefined when the request names none.
 *
 * @throws InvalidArgumentError for anything but a plain name, the empty name included.
 */
export function requestedTemplateName(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text =
    typeof value === "string"
      ? value
      : typeof value === "number" && Number.isInteger(value) && value >= 0
        ? String(value)
        : null;
  // the length is checked before lower-casing, so no work is done on a huge value
  if (text === null || text.length > 255) throw invalidTemplate();
  const name = text.toLowerCase();
  if (!PLAIN_TEMPLATE_NAME.test(name)) throw invalidTemplate();
  return name;
}

function invalidTemplate(): InvalidArgumentError {
  return new InvalidArgumentError({ message: "Invalid template name: use 1 to 255 characters of a-z, 0-9, - and _" });
}
