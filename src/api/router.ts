import type { RouteDefinition } from "./route.js";

/** Kirby's pattern placeholders: `(:any)` one segment, `(:all)` the rest (spec §7.1). */
const PLACEHOLDERS: Record<string, string> = {
  "(:any)": "([a-zA-Z0-9\\.\\-_%= \\+\\@\\(\\)]+)",
  "(:all)": "(.*)",
  "(:all?)": "(.*)",
  "(:num)": "(-?[0-9]+)",
  "(:alpha)": "([a-zA-Z]+)",
  "(:alphanum)": "([a-zA-Z0-9]+)",
};

export interface CompiledRoute {
  readonly definition: RouteDefinition;
  readonly regex: RegExp;
}

export interface RouteMatch {
  readonly route: CompiledRoute;
  readonly params: readonly string[];
}

function compilePattern(pattern: string): RegExp {
  let source = "";
  let rest = pattern;
  while (rest.length) {
    const placeholder = Object.keys(PLACEHOLDERS).find((name) => rest.startsWith(name));
    if (placeholder) {
      source += PLACEHOLDERS[placeholder];
      rest = rest.slice(placeholder.length);
    } else {
      source += (rest[0] as string).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      rest = rest.slice(1);
    }
  }
  return new RegExp(`^${source}$`);
}

/** Strips URL parameters (`/key:value` segments) and surrounding slashes, as Kirby's router sees a path. */
export function routablePath(path: string): string {
  // the common case: nothing to strip
  if (!path.includes(":") && !path.includes("//") && !path.startsWith("/") && !path.endsWith("/")) return path;
  return path
    .split("/")
    .filter((segment) => segment !== "" && !segment.includes(":"))
    .join("/");
}

/** First route (in registration order) whose method and pattern match; none ⇒ undefined. */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor(definitions: readonly RouteDefinition[]) {
    this.routes = definitions.map((definition) => ({ definition, regex: compilePattern(definition.pattern) }));
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (!route.definition.methods.includes(method)) continue;
      const match = route.regex.exec(path);
      if (match) return { route, params: match.slice(1).map((param) => param ?? "") };
    }
    return undefined;
  }

  get size(): number {
    return this.routes.length;
  }
}
