import { Type, type TSchema } from "@sinclair/typebox";
import { ERROR_MESSAGES } from "../../errors.js";
import { User } from "./models.js";

/** Kirby's answers around the models (docs/kirby-compat/routes-and-envelopes.md#success-envelopes). */

export const Pagination = Type.Object(
  {
    page: Type.Integer({ minimum: 0, description: "0 for an empty collection, as Kirby answers" }),
    total: Type.Integer({ minimum: 0 }),
    offset: Type.Integer({ minimum: 0 }),
    limit: Type.Integer({ minimum: 1 }),
  },
  { $id: "Pagination" },
);

/** `{"code":200,"data":{…},"status":"ok","type":"model"}` */
export const ModelEnvelope = <T extends TSchema>(model: T) =>
  Type.Object({ code: Type.Literal(200), data: model, status: Type.Literal("ok"), type: Type.Literal("model") });

/** `{"code":200,"data":[…],"pagination":{…},"status":"ok","type":"collection"}` */
export const CollectionEnvelope = <T extends TSchema>(model: T) =>
  Type.Object({
    code: Type.Literal(200),
    data: Type.Array(model),
    pagination: Pagination,
    status: Type.Literal("ok"),
    type: Type.Literal("collection"),
  });

/** Sheaf's routes answer plain data as `{"code":200,"status":"ok","data":…}`. */
export const DataEnvelope = <T extends TSchema>(data: T) =>
  Type.Object({ code: Type.Literal(200), status: Type.Literal("ok"), data });

/** An action's `true`: `{"status":"ok","message":"ok","code":200}`. */
export const Ok = Type.Object(
  { status: Type.Literal("ok"), message: Type.Literal("ok"), code: Type.Literal(200) },
  { $id: "Ok" },
);

/** `auth/login`, `auth/code`: the logged-in user, or the challenge a code must answer. */
export const LoginAnswer = Type.Union(
  [
    Type.Object({ code: Type.Literal(200), status: Type.Literal("ok"), user: User }),
    Type.Object({
      code: Type.Literal(200),
      status: Type.Literal("ok"),
      challenge: Type.Union([Type.String(), Type.Null()]),
    }),
  ],
  { $id: "LoginAnswer" },
);

/** Every key Sheaf's own messages are known for; plugins and other routes may answer others. */
export const ErrorKey = Type.Union(
  [
    Type.Union(
      Object.keys(ERROR_MESSAGES).map((key) => Type.Literal(`error.${key}`)),
      { description: "A known key (its English message is the default message)" },
    ),
    Type.String({ pattern: "^error\\." }),
    Type.Null(),
  ],
  { $id: "ErrorKey", description: "Kirby's error key, or null for failures that are not Kirby exceptions" },
);

/** `{"status":"error","message":…,"code":…,"key":…,"details":…}`; `exception`, `file`, `line`, `route` with `debug`. */
export const ErrorEnvelope = Type.Object(
  {
    status: Type.Literal("error"),
    message: Type.String(),
    code: Type.Optional(
      Type.Integer({ minimum: 400, maximum: 599, description: "Absent in upload refusals, as in Kirby's" }),
    ),
    key: Type.Optional(ErrorKey),
    details: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown(), { maxItems: 0 })]),
    ),
    exception: Type.Optional(Type.String()),
    file: Type.Optional(Type.String()),
    line: Type.Optional(Type.Integer()),
    route: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { $id: "ErrorEnvelope" },
);

/** The changes routes answer `{"status":"ok"}` only, as Kirby 5 does. */
export const StatusOk = Type.Object({ status: Type.Literal("ok") }, { $id: "StatusOk" });
