import { Type, type TBoolean, type TSchema } from "@sinclair/typebox";
import { FILE_ACTIONS, PAGE_ACTIONS, SITE_ACTIONS, USERS_ACTIONS } from "../../accounts/permissions.js";

/**
 * The models the API answers with. Only the fields of a model's default view are described, all optional but the
 * identifying ones: `select` and `view` choose which fields an answer holds. A schema with an `$id` becomes a named
 * component of the document.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Flags = <const K extends string>(id: string, names: readonly K[]) =>
  Type.Object(Object.fromEntries(names.map((name) => [name, Type.Boolean()])) as { [N in K]: TBoolean }, { $id: id });

type UserAction = (typeof USERS_ACTIONS)[number];
/** The own account's permissions: those on users but creating one. */
const OWN_USER_ACTIONS = USERS_ACTIONS.filter((action): action is Exclude<UserAction, "create"> => action !== "create");
const PageOptions = Flags("PageOptions", PAGE_ACTIONS);
const SiteOptions = Flags("SiteOptions", SITE_ACTIONS);
const UserOptions = Flags("UserOptions", USERS_ACTIONS);
const Json = Type.Unknown();

export const Content = Type.Union(
  [Type.Record(Type.String(), Json), Type.Array(Json, { maxItems: 0, description: "No values (PHP's empty array)" })],
  { $id: "Content", description: "Field values by lower-case field name" },
);

export const CompactPage = Type.Object(
  {
    id: Type.String(),
    num: Type.Optional(Nullable(Type.Number())),
    title: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    uuid: Type.Optional(Nullable(Type.String())),
  },
  { $id: "CompactPage" },
);

export const Page = Type.Object(
  {
    id: Type.String(),
    num: Type.Optional(Nullable(Type.Number())),
    title: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    uuid: Type.Optional(Nullable(Type.String())),
    content: Type.Optional(Content),
    options: Type.Optional(PageOptions),
    parent: Type.Optional(Nullable(CompactPage)),
    slug: Type.Optional(Type.String()),
    status: Type.Optional(Type.Union([Type.Literal("listed"), Type.Literal("unlisted"), Type.Literal("draft")])),
    template: Type.Optional(Type.String()),
  },
  { $id: "Page", description: "A page; `select` or `view` choose the fields (default view shown)" },
);

export const Site = Type.Object(
  {
    title: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    content: Type.Optional(Content),
    options: Type.Optional(SiteOptions),
  },
  { $id: "Site" },
);

export const File = Type.Object(
  {
    id: Type.Optional(Type.String()),
    filename: Type.Optional(Type.String()),
    type: Type.Optional(Nullable(Type.String())),
    mime: Type.Optional(Nullable(Type.String())),
    url: Type.Optional(Type.String()),
    uuid: Type.Optional(Nullable(Type.String())),
    content: Type.Optional(Content),
    template: Type.Optional(Nullable(Type.String())),
    size: Type.Optional(Type.Number()),
  },
  { $id: "File" },
);

export const CompactRole = Type.Object(
  { name: Type.String(), title: Type.Optional(Type.String()), description: Type.Optional(Nullable(Type.String())) },
  { $id: "CompactRole" },
);

export const Permissions = Type.Object(
  {
    access: Flags("AccessPermissions", ["account", "languages", "panel", "site", "system", "users"]),
    files: Flags("FilePermissions", FILE_ACTIONS),
    languages: Flags("LanguagePermissions", ["create", "delete", "update"]),
    pages: PageOptions,
    site: SiteOptions,
    users: UserOptions,
    user: Flags("OwnUserPermissions", OWN_USER_ACTIONS),
  },
  { $id: "Permissions", description: "What a role may do, by area and action" },
);

export const Role = Type.Object(
  {
    name: Type.String(),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Nullable(Type.String())),
    permissions: Type.Optional(Permissions),
  },
  { $id: "Role" },
);

const Avatar = Nullable(
  Type.Object({ filename: Type.String(), id: Type.String(), type: Type.String(), url: Type.String() }),
);

export const User = Type.Object(
  {
    id: Type.String(),
    email: Type.Optional(Type.String()),
    name: Type.Optional(Nullable(Type.String())),
    language: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    uuid: Type.Optional(Type.String()),
    avatar: Type.Optional(Avatar),
    role: Type.Optional(Nullable(Role)),
    content: Type.Optional(Content),
    options: Type.Optional(UserOptions),
    permissions: Type.Optional(Nullable(Permissions)),
  },
  { $id: "User" },
);

export const Language = Type.Object(
  {
    code: Type.String(),
    default: Type.Optional(Type.Boolean()),
    direction: Type.Optional(Type.Union([Type.Literal("ltr"), Type.Literal("rtl")])),
    locale: Type.Optional(Json),
    name: Type.Optional(Type.String()),
    rules: Type.Optional(Json),
    url: Type.Optional(Type.String()),
  },
  { $id: "Language" },
);

/** A template a new page or user may use (`…/blueprints`). */
export const TemplateChoice = Type.Object({ name: Type.String(), title: Type.String() }, { $id: "TemplateChoice" });

export const Blueprint = Type.Object(
  { name: Type.String(), title: Type.Optional(Type.String()) },
  { $id: "Blueprint", description: "A blueprint as the Panel reads it (tabs, sections, fields and options)" },
);

export const Translation = Type.Object(
  {
    id: Type.String(),
    name: Type.Optional(Type.String()),
    direction: Type.Optional(Type.String()),
    data: Type.Optional(Json),
  },
  { $id: "Translation" },
);

export const System = Type.Object(
  {
    isInstallable: Type.Optional(Type.Boolean()),
    isInstalled: Type.Optional(Type.Boolean()),
    isOk: Type.Optional(Type.Boolean()),
    title: Type.Optional(Type.String()),
    translation: Type.Optional(Translation),
  },
  { $id: "System", description: "The login view for anonymous callers, the panel view for a logged-in user" },
);

export const TokenScope = Type.Union(
  [
    Type.Literal("read"),
    Type.Literal("full"),
    Type.Object({ permissions: Type.Record(Type.String(), Type.Record(Type.String(), Type.Boolean())) }),
  ],
  { $id: "TokenScope", description: "`read`, `full`, or permissions narrowed per area and action" },
);

export const ApplicationPassword = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scope: TokenScope,
    createdAt: Type.String({ format: "date-time" }),
    expiresAt: Nullable(Type.String({ format: "date-time" })),
    lastUsedAt: Nullable(Type.String({ format: "date-time" })),
    lastUsedIp: Nullable(Type.String()),
    userId: Type.String(),
  },
  { $id: "ApplicationPassword" },
);

export const CreatedApplicationPassword = Type.Intersect([ApplicationPassword, Type.Object({ token: Type.String() })], {
  $id: "CreatedApplicationPassword",
  description: "The new application password; `token` is shown this once",
});

export const SessionInfo = Type.Object(
  {
    id: Type.String(),
    createdAt: Type.String({ format: "date-time" }),
    lastSeenAt: Type.String({ format: "date-time" }),
    expiresAt: Type.String({ format: "date-time" }),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    current: Type.Boolean(),
  },
  { $id: "SessionInfo" },
);

export const AuditEntry = Type.Object(
  {
    time: Type.String({ format: "date-time" }),
    event: Type.String(),
    actor: Nullable(Type.Object({ id: Type.String(), email: Type.String() })),
    target: Type.Optional(Type.Record(Type.String(), Type.String())),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Json)),
  },
  { $id: "AuditEntry" },
);

export const TwoFactorStatus = Type.Object(
  { enabled: Type.Boolean(), recoveryCodesLeft: Type.Integer({ minimum: 0 }) },
  { $id: "TwoFactorStatus" },
);

export const TwoFactorSetup = Type.Object(
  {
    secret: Type.String(),
    uri: Type.String({ description: "otpauth:// URI" }),
    qr: Type.String({ description: "The URI as a QR code (SVG)" }),
    expiresAt: Type.String({ format: "date-time" }),
  },
  { $id: "TwoFactorSetup" },
);
