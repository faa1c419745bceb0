/**
 * Constant-time string comparison: every code unit is compared, whatever differs first. A length difference
 * answers false at once (the secrets compared here have fixed, public lengths).
 */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}
