import { ErrorPageError, GeneralError, UnexpectedError } from "../errors.js";

export interface Pagination {
  readonly page: number;
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

function readInt(value: string | undefined): number | null | "invalid" {
  if (value === undefined || value.trim() === "") return null;
  const text = value.trim();
  if (!/^[+-]?\d+(\.\d+)?$/.test(text)) return "invalid";
  return Math.trunc(Number(text));
}

/**
 * Kirby's pagination of API collections (spec §7.3): limit default 100, a falsy limit means 20, a negative one is
 * an error; page default 1, `0`/empty is the first page, a page past the end is a 404.
 */
export function paginate(total: number, pageParam: string | undefined, limitParam: string | undefined): Pagination {
  const limitValue = readInt(limitParam);
  if (limitValue === "invalid") throw new UnexpectedError(`Invalid pagination limit: ${limitParam}`, 500);
  const limit = limitParam === undefined ? 100 : limitValue === null || limitValue === 0 ? 20 : limitValue;
  if (limit < 0) throw new GeneralError({ message: `Invalid pagination limit: ${limit}` });

  const pageValue = readInt(pageParam);
  const page = pageValue === null || pageValue === "invalid" || pageValue === 0 ? 1 : pageValue;
  const pages = Math.ceil(total / limit);
  if (page < 1 || page > Math.max(pages, 1) || (total === 0 && page !== 1)) {
    throw new ErrorPageError({
      message: `Pagination page ${page} does not exist, expected ${pages === 0 ? 0 : 1}-${pages}`,
    });
  }
  return { page, total, offset: (page - 1) * limit, limit };
}
