import path from "node:path";
import { AccountWriter } from "../accounts/account-writer.js";
import {
  buildRoles,
  createAccountIndex,
  NOBODY_ROLE,
  type AccountIndex,
  type Role,
  type User,
} from "../accounts/index.js";
import { normaliseEmail } from "../accounts/user-fields.js";
import type { ActingUser, UserDirectory } from "../permissions/user-rules.js";
import { AuditLog, type AuditRecord } from "../audit/index.js";
import { createBlueprintRegistry } from "../blueprints/index.js";
import { loadConfig } from "../config/index.js";
import { openSiteLanguages } from "../languages/open.js";
import { ConfigError } from "../errors.js";
import { TokenStore } from "../tokens/index.js";
import { requireSiteFolder } from "./site-folder.js";

/** Who the audit log names for actions taken at the command line (no user is logged in there). */
export const CLI_ACTOR = { id: "cli", email: "" } as const;

/** What the user and token commands work with: the same rules, writers and logs the API uses. */
export interface CliSite {
  readonly root: string;
  readonly accountsDir: string;
  readonly accounts: AccountIndex;
  readonly directory: UserDirectory;
  readonly writer: AccountWriter;
  /** The operator at the command line acts with the rights of an admin. */
  readonly operator: ActingUser;
  tokens(): Promise<TokenStore>;
  audit(record: Omit<AuditRecord, "actor" | "ip" | "userAgent">): Promise<void>;
  /** The user with this e-mail address or id, or a ConfigError naming the key. */
  findUser(key: string): User;
  close(): Promise<void>;
}

function operatorOf(admin: Role): ActingUser {
  const user: User = {
    id: CLI_ACTOR.id,
    dir: "",
    email: CLI_ACTOR.email,
    language: null,
    name: null,
    role: admin.name,
    passwordHash: null,
    secrets: {},
    passwordTimestamp: null,
    content: {},
  };
  return { user, role: admin };
}

/** Opens an existing site (refusing a folder that is not one) with its accounts, roles, options and audit log. */
export async function openSite(rootArgument: string): Promise<CliSite> {
  const root = await requireSiteFolder(rootArgument);
  const siteDir = path.join(root, "site");
  const accountsDir = path.join(siteDir, "accounts");
  const { options } = await loadConfig(root);
  const blueprints = await createBlueprintRegistry(siteDir);
  const roles = buildRoles(blueprints);
  // a multi-language site keeps user content in `user.<code>.txt`
  const languages = options.languages
    ? await openSiteLanguages(path.join(siteDir, "languages"), options.content.extension, () => undefined)
    : undefined;
  const accounts = await createAccountIndex({ root: accountsDir, watch: false, ...(languages ? { languages } : {}) });
  const roleOf = (user: User): Role => roles.get(user.role) ?? NOBODY_ROLE;
  const directory: UserDirectory = {
    users: () => accounts.users(),
    findUser: (key) => accounts.findUser(key),
    roles: () => [...roles.values()],
    roleOf,
    findRole: (name) => roles.get(name),
    permissions: {
      blueprints,
      homeId: options.home,
      errorId: options.error,
      adminCount: () => accounts.users().filter((user) => roleOf(user).name === "admin").length,
    },
  };
  const auditLog = new AuditLog({
    dir: path.join(siteDir, "logs"),
    maxBytes: options.audit.maxBytes,
    keep: options.audit.keep,
    log: (message) => process.stderr.write(`sheaf: ${message}\n`),
  });
  let tokenStore: TokenStore | null = null;
  return {
    root,
    accountsDir,
    accounts,
    directory,
    writer: new AccountWriter(accountsDir, accounts, languages),
    operator: operatorOf(roles.get("admin") ?? NOBODY_ROLE),
    async tokens() {
      tokenStore ??= await TokenStore.open(accountsDir);
      return tokenStore;
    },
    audit: (record) => auditLog.record({ ...record, actor: { ...CLI_ACTOR } }),
    findUser(key) {
      const user = accounts.findUser(normaliseEmail(key)) ?? accounts.findUser(key.trim());
      if (!user) throw new ConfigError(`The user "${key}" cannot be found`);
      return user;
    },
    async close() {
      await auditLog.idle();
      await tokenStore?.idle();
      await tokenStore?.close();
      await accounts.close();
    },
  };
}

/** Runs `task` with an open site and closes it afterwards, also when the task fails. */
export async function withSite<T>(root: string, task: (site: CliSite) => Promise<T>): Promise<T> {
  const site = await openSite(root);
  try {
    return await task(site);
  } finally {
    await site.close();
  }
}
