/**
 * Date input as Kirby's date field reads it before storing (docs/kirby-compat/content-values.md#dates): the forms
 * PHP's date parser accepts that people send (ISO dates with an optional time, `15.01.2024 13:45`, `20240115`,
 * `today`/`now`/`tomorrow`/`yesterday`, relative parts like `+1 day`, a bare signed number which PHP reads as a UTC
 * offset and so as "now"), with overflowing days carried over (`2024-02-30` is March 1st). Everything in UTC, the
 * server time zone Sheaf assumes. Anything else is not a date (null).
 */

const MAX_INPUT_LENGTH = 200;
const DAY_MS = 86_400_000;

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?![\d])/;
const TIME = /^(?:[ T]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/;
const RELATIVE = /^\s*([+-]?\d+)\s*(sec|second|min|minute|hour|day|week|fortnight|month|year)s?\b/i;
const OFFSET_ONLY = /^[+-]\d{1,4}$/;
const WORDS: Readonly<Record<string, number>> = { today: 0, now: 0, tomorrow: 1, yesterday: -1 };

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function fromClock(now: Date, keepTime: boolean): Parts {
  return {
    year: now.getUTCFullYear(),
    month: now.getUTCMonth() + 1,
    day: now.getUTCDate(),
    hour: keepTime ? now.getUTCHours() : 0,
    minute: keepTime ? now.getUTCMinutes() : 0,
    second: keepTime ? now.getUTCSeconds() : 0,
  };
}

function addRelative(parts: Parts, amount: number, unit: string): void {
  switch (unit.toLowerCase()) {
    case "sec":
    case "second":
      parts.second += amount;
      return;
    case "min":
    case "minute":
      parts.minute += amount;
      return;
    case "hour":
      parts.hour += amount;
      return;
    case "day":
      parts.day += amount;
      return;
    case "week":
      parts.day += 7 * amount;
      return;
    case "fortnight":
      parts.day += 14 * amount;
      return;
    case "month":
      parts.month += amount;
      return;
    default:
      parts.year += amount;
  }
}

/** The date part of the input and what is left of it, or null. */
function datePart(text: string, now: Date): { parts: Parts; rest: string } | null {
  const word = /^[a-z]+/i.exec(text)?.[0]?.toLowerCase();
  if (word !== undefined && Object.hasOwn(WORDS, word)) {
    const parts = fromClock(now, word === "now");
    parts.day += WORDS[word] as number;
    return { parts, rest: text.slice(word.length) };
  }
  const iso = ISO.exec(text) ?? null;
  const dotted = iso ? null : DOTTED.exec(text);
  const compact = iso || dotted ? null : COMPACT.exec(text);
  const match = iso ?? dotted ?? compact;
  if (!match) return null;
  const [year, month, day] = dotted
    ? [Number(match[3]), Number(match[2]), Number(match[1])]
    : [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day > 31) return null;
  return { parts: { year, month, day, hour: 0, minute: 0, second: 0 }, rest: text.slice(match[0].length) };
}

/** Milliseconds since the epoch (UTC) of a date input, or null when it is not a date. */
export function parseDateInput(input: string, now: Date = new Date()): number | null {
  const text = input.trim();
  if (text === "" || text.length > MAX_INPUT_LENGTH) return null;
  if (OFFSET_ONLY.test(text)) return now.getTime();
  const found = datePart(text, now);
  if (!found) return null;
  const { parts } = found;
  let rest = found.rest;
  const time = TIME.exec(rest);
  if (time) {
    parts.hour = Number(time[1]);
    parts.minute = Number(time[2]);
    parts.second = time[3] === undefined ? 0 : Number(time[3]);
    if (parts.hour > 24 || parts.minute > 59 || parts.second > 60) return null;
    rest = rest.slice(time[0].length);
  }
  for (let relative = RELATIVE.exec(rest); relative; relative = RELATIVE.exec(rest)) {
    addRelative(parts, Number(relative[1]), relative[2] as string);
    rest = rest.slice(relative[0].length);
  }
  if (rest.trim() !== "") return null;
  const time0 = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Number.isFinite(time0) ? time0 : null;
}

/** `Y-m-d` of a time rounded to the nearest day: up to and including 12:00:00 the same day, after it the next. */
export function roundedDay(time: number): string {
  const dayStart = Math.floor(time / DAY_MS) * DAY_MS;
  const day = time - dayStart > DAY_MS / 2 ? dayStart + DAY_MS : dayStart;
  return new Date(day).toISOString().slice(0, 10);
}

/** `Y-m-d H:i:s` of a time. */
export function dateTimeText(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
