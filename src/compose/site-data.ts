import path from "node:path";
import {
  buildRoles,
  createAccountIndex,
  NOBODY_ROLE,
  type AccountIndex,
  type Role,
  type User,
} from "../accounts/index.js";
import { AccountWriter } from "../accounts/account-writer.js";
import { createBlueprintRegistry } from "../blueprints/index.js";
import type { BlueprintRegistry } from "../blueprints/types.js";
import type { SheafOptions } from "../config/index.js";
import { createContentIndex, type ContentIndex } from "../content/index.js";
import { ContentWriter } from "../content/content-writer.js";
import { recoverContent } from "../content/journal.js";
import { WatchedFolder, type WatchSettings } from "../fs/watched-folder.js";
import { openSiteLanguages } from "../languages/open.js";
import type { SiteLanguages } from "../languages/site-languages.js";
import type { PermissionContext } from "../permissions/can.js";
import type { Coordination } from "../coord/coordination.js";
import { SharedAccountWrites, SharedContentWrites } from "./shared-writes.js";

/** The roles of the site's user blueprints, rebuilt (never changed in place) whenever the blueprints change. */
export class RoleBook {
  private roles: ReadonlyMap<string, Role>;

  constructor(private readonly blueprints: BlueprintRegistry) {
    this.roles = buildRoles(blueprints);
  }

  rebuild(): void {
    this.roles = buildRoles(this.blueprints);
  }

  find(name: string): Role | undefined {
    return this.roles.get(name);
  }

  /** A user's role; a role that no longer exists is the role that may do nothing. */
  of(user: User): Role {
    return this.roles.get(user.role) ?? NOBODY_ROLE;
  }

  all(): Role[] {
    return [...this.roles.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** What a site folder holds, live: content, accounts, blueprints and roles, and the writers that change them. */
export interface SiteData {
  readonly content: ContentIndex;
  readonly accounts: AccountIndex;
  readonly blueprints: BlueprintRegistry;
  readonly roles: RoleBook;
  readonly permissions: PermissionContext;
  readonly writer: ContentWriter;
  readonly accountWriter: AccountWriter;
  /** Set on a multi-language site (option `languages`). */
  readonly languages?: SiteLanguages;
  close(): Promise<void>;
}

export interface SiteDataSettings {
  readonly root: string;
  readonly options: SheafOptions;
  /** Null: read once, do not follow the disk. */
  readonly watching: WatchSettings | null;
  readonly warn: (message: string) => void;
  /** Set when other processes serve the same site folder. */
  readonly coordination?: Coordination;
}

/** Recovers interrupted writes, then opens the indexes of `content/` and `site/` (following the disk if asked). */
export async function openSiteData({
  root,
  options,
  watching,
  warn,
  coordination,
}: SiteDataSettings): Promise<SiteData> {
  const siteDir = path.join(root, "site");
  const accountsDir = path.join(siteDir, "accounts");
  const contentRoot = path.join(root, "content");
  const watch = watching !== null;
  const shared = coordination?.shared === true ? coordination : null;
  // what another process is writing now is no leftover: recover only while holding the write lock; user files are
  // written like content files (journaled renames and trash folders below the accounts folder)
  const recoverAll = async () => {
    await recoverContent(contentRoot);
    await recoverContent(accountsDir);
  };
  const contentVersion = shared
    ? await shared.withLock("content", async () => {
        await recoverAll();
        return shared.version("content");
      })
    : await recoverAll().then(() => 0);
  const languages = options.languages
    ? await openSiteLanguages(path.join(siteDir, "languages"), options.content.extension, warn)
    : null;
  const [content, accounts, blueprints] = await Promise.all([
    createContentIndex({
      root: contentRoot,
      extension: options.content.extension,
      ignore: options.content.ignore,
      ...(languages ? { languages } : {}),
      watch,
      ...(watching ? { watching } : {}),
    }),
    createAccountIndex({
      root: accountsDir,
      watch,
      ...(watching ? { watching } : {}),
      onWarning: warn,
      ...(languages ? { languages } : {}),
    }),
    createBlueprintRegistry(siteDir),
  ]);
  languages?.attach(content);
  const warnError = (message: string, error?: unknown): void =>
    warn(error === undefined ? message : `${message}: ${error instanceof Error ? error.message : String(error)}`);
  const sharedContent = shared
    ? new SharedContentWrites(shared, content, contentRoot, contentVersion, warnError)
    : null;
  const sharedAccounts = shared ? new SharedAccountWrites(shared, accounts, warnError) : null;
  const roles = new RoleBook(blueprints);
  const blueprintWatcher = watching
    ? await WatchedFolder.open({
        ...watching,
        dir: path.join(siteDir, "blueprints"),
        name: "blueprints",
        reload: async () => {
          await blueprints.reload();
          roles.rebuild();
        },
      })
    : null;
  return {
    content,
    accounts,
    blueprints,
    roles,
    permissions: {
      blueprints,
      homeId: options.home,
      errorId: options.error,
      adminCount: () => accounts.users().filter((user) => roles.of(user).name === "admin").length,
    },
    writer: new ContentWriter({
      index: content,
      root: contentRoot,
      extension: options.content.extension,
      uuid: options.content.uuid,
      ...(languages ? { languages } : {}),
      ...(sharedContent
        ? { coordinate: <T>(task: Parameters<SharedContentWrites["run"]>[0]) => sharedContent.run(task) as Promise<T> }
        : {}),
    }),
    accountWriter: sharedAccounts
      ? new AccountWriter(accountsDir, sharedAccounts.refresher, languages ?? undefined, (name, task) =>
          sharedAccounts.lock(name, task),
        )
      : new AccountWriter(accountsDir, accounts, languages ?? undefined),
    ...(languages ? { languages } : {}),
    async close() {
      sharedContent?.close();
      sharedAccounts?.close();
      await blueprintWatcher?.close();
      await Promise.all([content.close(), accounts.close()]);
    },
  };
}
