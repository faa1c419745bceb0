import { timingSafeEqual } from "node:crypto";

/** Constant-time string comparison (for equal lengths; a length difference answers false at once). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
