import type { ApiContext } from "./context.js";
import type { CollectionResult, ModelResult } from "./result.js";

/** What an action may return; `api/envelope.ts` maps each kind to Kirby's response (spec §7.2). */
export type ApiResult =
  | ModelResult
  | CollectionResult
  | true
  | false
  | null
  | { readonly [key: string]: unknown }
  | readonly unknown[];

export interface RouteDefinition {
  readonly methods: readonly string[];
  readonly pattern: string;
  /** False for Kirby's `auth: false` routes (login, logout, ping, system, …). */
  readonly auth: boolean;
  action(context: ApiContext, params: readonly string[]): ApiResult | Promise<ApiResult>;
}

export function route(
  methods: string | readonly string[],
  pattern: string,
  action: RouteDefinition["action"],
  { auth = true }: { auth?: boolean } = {},
): RouteDefinition {
  return { methods: typeof methods === "string" ? [methods] : methods, pattern, auth, action };
}
