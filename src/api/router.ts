import type { RouteDefinition } from "./route.js";

/**
 * Kirby's pattern placeholders: `(:any)` one segment, `(:all)` the rest
 * (docs/kirby-compat/routes-and-envelopes.md#routing).
 */
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

/** The routes one method could match, by the first path segment they need. */
interface MethodIndex {
  /** For each literal first segment: the routes with that segment or an open one, in registration order. */
  readonly bySegment: Map<string, readonly CompiledRoute[]>;
  /** Routes whose first segment is a placeholder: the candidates for any other path. */
  readonly open: readonly CompiledRoute[];
}

/** The first segment of a pattern when it is literal text, else null (it holds a placeholder). */
function literalFirstSegment(pattern: string): string | null {
  const slash = pattern.indexOf("/");
  const first = slash < 0 ? pattern : pattern.slice(0, slash);
  return first.includes("(") ? null : first;
}

/**
 * First route (in registration order) whose method and pattern match; none ⇒ undefined. Only the routes that
 * could match the path's first segment are tried.
 */
export class Router {
  private readonly routes: CompiledRoute[];
  private readonly byMethod = new Map<string, MethodIndex>();

  constructor(definitions: readonly RouteDefinition[]) {
    this.routes = definitions.map((definition) => ({ definition, regex: compilePattern(definition.pattern) }));
    const methods = new Set(this.routes.flatMap((route) => route.definition.methods));
    for (const method of methods) {
      const routes = this.routes.filter((route) => route.definition.methods.includes(method));
      const segments = new Set(
        routes.map((route) => literalFirstSegment(route.definition.pattern)).filter((segment) => segment !== null),
      );
      const bySegment = new Map<string, readonly CompiledRoute[]>();
      for (const segment of segments) {
        bySegment.set(
          segment,
          routes.filter((route) => [segment, null].includes(literalFirstSegment(route.definition.pattern))),
        );
      }
      this.byMethod.set(method, {
        bySegment,
        open: routes.filter((route) => literalFirstSegment(route.definition.pattern) === null),
      });
    }
  }

  match(method: string, path: string): RouteMatch | undefined {
    const index = this.byMethod.get(method);
    if (!index) return undefined;
    const slash = path.indexOf("/");
    const candidates = index.bySegment.get(slash < 0 ? path : path.slice(0, slash)) ?? index.open;
    for (const route of candidates) {
      const match = route.regex.exec(path);
      if (match) return { route, params: match.slice(1).map((param) => param ?? "") };
    }
    return undefined;
  }

  get size(): number {
    return this.routes.length;
  }
}
