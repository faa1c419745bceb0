import { FormatRegistry } from "@sinclair/typebox";

/**
 * The string formats the declarations use. TypeBox checks only registered formats; the document shows them as
 * JSON Schema's. The checks are linear: a length cap, then Date.parse.
 */
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => value.length <= 64 && !Number.isNaN(Date.parse(value)));
}
