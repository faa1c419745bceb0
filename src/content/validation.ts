import type { Blueprint, BlueprintField } from "../blueprints/types.js";
import { parseDateInput } from "./date-input.js";
import type { ContentFields } from "./types.js";

/**
 * Blueprint field validation of stored values (`error.form.incomplete`, docs/kirby-compat/content-format.md#writes):
 * per field, a map of failed rule → message, with Kirby's rule names and English messages.
 */

export type FieldErrors = Record<string, { label: string; message: Record<string, string> }>;

const LIST_TYPES = new Set(["tags", "checkboxes", "multiselect"]);
const OPTION_TYPES = new Set(["select", "radio"]);
/** The longest address an `email` field accepts (RFC 5321's path limit); longer input is not looked at. */
const MAX_EMAIL_LENGTH = 254;
const WHITESPACE = /\s/;

/** `local@domain.tld`: one `@`, no whitespace, a dot inside the domain. Plain string scans, linear in the input. */
function isEmailAddress(text: string): boolean {
  if (text.length > MAX_EMAIL_LENGTH || WHITESPACE.test(text)) return false;
  const at = text.indexOf("@");
  if (at <= 0 || text.indexOf("@", at + 1) >= 0) return false;
  const domain = text.slice(at + 1);
  return domain.length >= 3 && domain.slice(1, -1).includes(".");
}

function numberProp(field: BlueprintField, name: string): number | undefined {
  const value = field.props[name];
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function labelOf(field: BlueprintField): string {
  return field.label ?? field.name.charAt(0).toUpperCase() + field.name.slice(1).replace(/_/g, " ");
}

function listItems(field: BlueprintField, stored: string): string[] {
  const separator = typeof field.props["separator"] === "string" ? (field.props["separator"] as string) : ",";
  return stored
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Values a select/radio/checkboxes field accepts, when its options are listed in the blueprint. */
function optionValues(field: BlueprintField): Set<string> | null {
  const options = field.props["options"];
  if (Array.isArray(options)) {
    return new Set(
      options.map((option) =>
        typeof option === "object" && option !== null
          ? String((option as Record<string, unknown>)["value"] ?? "")
          : String(option),
      ),
    );
  }
  if (typeof options === "object" && options !== null && !("type" in options) && !("query" in options)) {
    return new Set(Object.keys(options));
  }
  return null;
}

function isValidUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" || url.protocol === "tel:"
    );
  } catch {
    return false;
  }
}

/** Errors of one field for a stored value (empty object when valid). */
export function validateField(field: BlueprintField, stored: string | undefined): Record<string, string> {
  const errors: Record<string, string> = {};
  const value = stored ?? "";
  const isList = LIST_TYPES.has(field.type);
  const items = isList ? listItems(field, value) : [];
  // a date field reads what it cannot parse as no date at all (Kirby: the field's value is then empty)
  const unreadableDate = field.type === "date" && parseDateInput(value) === null;
  const empty = isList ? items.length === 0 : value.trim() === "" || unreadableDate;
  if (field.props["required"] === true && empty) errors["required"] = "Please enter something";
  if (empty) return errors;

  const min = numberProp(field, "min");
  const max = numberProp(field, "max");
  const minlength = numberProp(field, "minlength");
  const maxlength = numberProp(field, "maxlength");

  if (isList) {
    if (min !== undefined && items.length < min) errors["min"] = `Please select at least ${min} options`;
    if (max !== undefined && items.length > max) errors["max"] = `Please select at most ${max} options`;
    const allowed = field.type === "tags" ? null : optionValues(field);
    if (allowed && items.some((item) => !allowed.has(item))) errors["options"] = "Please select a valid option";
    return errors;
  }

  const length = [...value].length;
  if (minlength !== undefined && length < minlength)
    errors["minlength"] = `Please enter a longer value. (min. ${minlength} characters)`;
  if (maxlength !== undefined && length > maxlength)
    errors["maxlength"] = `Please enter a shorter value. (max. ${maxlength} characters)`;

  switch (field.type) {
    case "number":
    case "range": {
      const number = Number(value);
      if (!Number.isFinite(number)) {
        errors["number"] = "Please enter a valid number";
        break;
      }
      if (min !== undefined && number < min) errors["min"] = `Please enter a value equal to or greater than ${min}`;
      if (max !== undefined && number > max) errors["max"] = `Please enter a value equal to or lower than ${max}`;
      break;
    }
    case "email":
      if (!isEmailAddress(value.trim())) errors["email"] = "Please enter a valid email address";
      break;
    case "url":
      if (!isValidUrl(value.trim())) errors["url"] = "Please enter a valid URL";
      break;
    default:
      if (OPTION_TYPES.has(field.type)) {
        const allowed = optionValues(field);
        if (allowed && !allowed.has(value)) errors["option"] = "Please select a valid option";
      }
  }
  const pattern = field.props["pattern"];
  if (typeof pattern === "string") {
    let regex: RegExp | null = null;
    try {
      regex = new RegExp(`^(?:${pattern})$`, "u");
    } catch {
      regex = null;
    }
    if (regex && !regex.test(value)) errors["pattern"] = "The value does not match the expected pattern";
  }
  return errors;
}

/**
 * Validates the given fields of a blueprint (`only`: field names to check, default all fields). Returns the
 * error map, empty when everything is valid.
 */
export function validateContent(blueprint: Blueprint, content: ContentFields, only?: ReadonlySet<string>): FieldErrors {
  const result: FieldErrors = {};
  for (const field of blueprint.fields) {
    if (only && !only.has(field.name)) continue;
    const errors = validateField(field, Object.hasOwn(content, field.name) ? content[field.name] : undefined);
    if (Object.keys(errors).length) result[field.name] = { label: labelOf(field), message: errors };
  }
  return result;
}
