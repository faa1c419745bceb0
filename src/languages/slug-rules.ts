/**
 * Per-language transliteration for slugs (the `rules` of a language model). Languages without special rules
 * have none (`[]` in the API).
 */
const RULES: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  de: Object.freeze({ Ä: "AE", Ö: "OE", Ü: "UE", ß: "ss", ä: "ae", ö: "oe", ü: "ue" }),
  fr: Object.freeze({
    À: "A",
    Â: "A",
    Æ: "AE",
    Ç: "C",
    É: "E",
    È: "E",
    Ê: "E",
    Ë: "E",
    Ï: "I",
    Î: "I",
    Ô: "O",
    Œ: "OE",
    Ù: "U",
    Û: "U",
    Ü: "U",
    à: "a",
    â: "a",
    æ: "ae",
    ç: "c",
    é: "e",
    è: "e",
    ê: "e",
    ë: "e",
    ï: "i",
    î: "i",
    ô: "o",
    œ: "oe",
    ù: "u",
    û: "u",
    ü: "u",
    ÿ: "y",
    Ÿ: "Y",
  }),
});

const NO_RULES: Readonly<Record<string, string>> = Object.freeze({});

/** The slug rules of a language code (empty when it has none). */
export function slugRules(code: string): Readonly<Record<string, string>> {
  return Object.hasOwn(RULES, code) ? (RULES[code] as Readonly<Record<string, string>>) : NO_RULES;
}
