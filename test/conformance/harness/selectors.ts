/** Scenario selectors shared by deviation rules, the scenario table and SHEAF_CONFORMANCE_ONLY. */

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) {
        source += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith("!")) body = "^" + body.slice(1);
      source += "[" + body.replace(/\\/g, "\\\\") + "]";
      i = end;
    } else source += ch.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * A number selects by the file's leading number (`5` and `05` both select `05-…`); anything else is a glob
 * (`*`, `?`, `[…]`) matched against the file name with or without `.json`.
 */
export function matchesScenarioSelector(selector: string | number, fileName: string): boolean {
  const text = String(selector).trim();
  if (/^\d+$/.test(text)) {
    const leading = /^(\d+)/.exec(fileName);
    return leading !== null && Number(leading[1]) === Number(text);
  }
  const pattern = globToRegExp(text);
  return pattern.test(fileName) || pattern.test(fileName.replace(/\.json$/, ""));
}

/** Parses a comma list such as `01,1[0-3],*cors*`. */
export function parseSelectorList(list: string): string[] {
  return list
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
