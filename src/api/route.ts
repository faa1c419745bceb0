import type { ApiContext } from "./context.js";
import type { CollectionResult, ModelResult } from "./result.js";

/**
 * What an action may return; `api/envelope.ts` maps each kind to Kirby's response
 * (docs/kirby-compat/routes-and-envelopes.md#success-envelopes).
 */
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
  /** Largest body the route reads, in bytes; default the `api.maxBodySize` option. */
  readonly maxBodyBytes?: number;
  action(context: ApiContext, params: readonly string[]): ApiResult | Promise<ApiResult>;
}

export function route(
  methods: string | readonly string[],
  pattern: string,
  action: RouteDefinition["action"],
  { auth = true, maxBodyBytes }: { auth?: boolean; maxBodyBytes?: number } = {},
): RouteDefinition {
  const definition = { methods: typeof methods === "string" ? [methods] : methods, pattern, auth, action };
  return maxBodyBytes === undefined ? definition : { ...definition, maxBodyBytes };
}
