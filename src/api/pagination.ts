import { ErrorPageError, InvalidArgumentError } from "../errors.js";

export interface Pagination {
  readonly page: number;
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

/** A pagination value from the query: text, or a list when it was sent as `limit[]=…`. */
export type PaginationParam = string | readonly string[] | undefined;

/** PHP's largest integer: a page or limit beyond 64 bits is cast to it. */
// biome-ignore lint/correctness/noPrecisionLoss: written as PHP prints it; the double it rounds to is 2^63
const PHP_INT_MAX = 9223372036854775807;
/** Longest text read as a number: anything longer is beyond 64 bits anyway (and is not looked at further). */
const MAX_NUMBER_TEXT = 64;
const DECIMAL = /^[+-]?\d+(?:\.\d+)?$/;

/**
 * The integer PHP casts a numeric query value to (`2.5` is 2, more than 64 bits is PHP_INT_MAX); null when the
 * value is absent or empty.
 *
 * @throws InvalidArgumentError for a list, a non-number (`abc`, `1e308`, `Infinity`) or overlong text.
 */
function readInt(name: string, value: PaginationParam): number | null {
  if (value === undefined) return null;
  if (typeof value !== "string") throw invalid(name, "a list");
  const text = value.trim();
  if (text === "") return null;
  if (text.length > MAX_NUMBER_TEXT || !DECIMAL.test(text)) throw invalid(name, value);
  const number = Math.trunc(Number(text));
  return Math.abs(number) > PHP_INT_MAX ? Math.sign(number) * PHP_INT_MAX : number;
}

function invalid(name: string, value: string): InvalidArgumentError {
  const shown = value.length > 32 ? `${value.slice(0, 32)}…` : value;
  return new InvalidArgumentError({ message: `Invalid pagination ${name}: ${shown}` });
}

/**
 * Kirby's pagination of API collections (docs/kirby-compat/routes-and-envelopes.md#pagination, rule w): limit default
 * 100, an empty or plain `0` limit means 20, any other limit below 1 is refused; page default 1, `0`/empty is the first
 * page, a negative page is refused, a page past the end is a 404; an empty collection answers page 0. Refusals are
 * 400 error.invalidArgument.
 */
export function paginate(total: number, pageParam: PaginationParam, limitParam: PaginationParam): Pagination {
  const limitValue = readInt("limit", limitParam);
  const plainZero = typeof limitParam === "string" && limitParam.trim() === "0";
  const limit = limitParam === undefined ? 100 : limitValue === null || plainZero ? 20 : limitValue;
  if (limit < 1) throw invalid("limit", String(limitParam));

  const pageValue = readInt("page", pageParam);
  if (pageValue !== null && pageValue < 0) throw invalid("page", String(pageParam));
  const page = pageValue === null || pageValue === 0 ? 1 : pageValue;
  const pages = Math.ceil(total / limit);
  if (page > Math.max(pages, 1) || (total === 0 && page !== 1)) {
    const shown = page === PHP_INT_MAX ? "9223372036854775807" : String(page);
    throw new ErrorPageError({
      message: `Pagination page ${shown} does not exist, expected ${pages === 0 ? 0 : 1}-${pages}`,
    });
  }
  // an empty collection is on page 0 (Kirby), also when page 1 was asked for
  if (total === 0) return { page: 0, total, offset: 0, limit };
  return { page, total, offset: (page - 1) * limit, limit };
}
