import { type StaticDecode, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { bool, commaList, type DeepReadonly, splitList } from "./schema-kit.js";

/** Kirby's `cors` option (docs/kirby-compat/csrf-and-cors.md#cors): off, Kirby's defaults, or a map. */

const CorsMap = Type.Object(
  {
    // only the string "*" is the wildcard: in a list, "*" is compared with the origin like any entry
    allowOrigin: Type.Transform(
      Type.Union(
        [Type.String(), Type.Array(Type.String({ expected: "a string" }), { expected: "a list of origins" })],
        {
          default: "*",
          expected: '"*", an origin or a list of origins',
        },
      ),
    )
      .Decode((value): "*" | string[] => (value === "*" ? "*" : typeof value === "string" ? [value] : value))
      .Encode((value) => value),
    allowMethods: commaList(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"]),
    // left out: not configured (requested headers are reflected); an explicit null sends none, as in Kirby
    allowHeaders: Type.Transform(
      Type.Union([Type.Null(), Type.Literal(true), Type.String(), Type.Array(Type.String({ expected: "a string" }))], {
        default: null,
        nullMeans: [],
        expected: "true, a list of header names or one comma-separated string",
      }),
    )
      .Decode((value): string[] | true | null => (typeof value === "string" ? splitList(value) : value))
      .Encode((value) => value),
    maxAge: Type.Union([Type.Null(), Type.Integer({ minimum: 0 })], {
      default: null,
      expected: "a whole number of seconds",
    }),
    allowCredentials: bool(false),
    exposeHeaders: commaList([]),
  },
  { expected: "a map of CORS options" },
);

const DEFAULT_CORS = Value.Decode(CorsMap, Value.Default(CorsMap, {}));

export const CorsSchema = Type.Transform(
  Type.Union([Type.Boolean(), CorsMap], { default: false, expected: "true, false or a map of CORS options" }),
)
  .Decode((value): StaticDecode<typeof CorsMap> | false => (value === true ? DEFAULT_CORS : value))
  .Encode((value) => value);

export type CorsOptions = DeepReadonly<StaticDecode<typeof CorsMap>>;

export const CORS_WILDCARD_CREDENTIALS_MESSAGE = "Cannot allow credentials when using wildcard origin (*)";

/**
 * Kirby fails every response of a site whose CORS options allow credentials with the wildcard origin
 * (docs/kirby-compat/csrf-and-cors.md#headers).
 */
export function corsCredentialsWithWildcard(cors: CorsOptions | false): boolean {
  return cors !== false && cors.allowCredentials && cors.allowOrigin === "*";
}
