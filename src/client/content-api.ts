import { collectionOf, modelOf, okOf } from "./envelopes.js";
import { filesApi } from "./files-api.js";
import { childrenParams, childrenPath, modelParams, pagePath } from "./paths.js";
import type { Transport } from "./transport.js";
import type { ContentInput, Page, PageFields, PageStatus, PageViews, Site, SiteFields, SiteViews } from "./types.js";
import type {
  ChildrenQuery,
  Collection,
  CreatePageInput,
  DeletePageOptions,
  DuplicatePageOptions,
  ItemShape,
  ModelQuery,
  ModelShape,
} from "./wire-types.js";

/** The site: `client.site`. */
export function siteApi(transport: Transport) {
  const write = async (path: string, body: unknown): Promise<Site> =>
    modelOf<Site>(await transport.send({ method: "PATCH", path, body }));
  return {
    /** `GET site`: the site in the default view, or the `select`ed fields, or a named `view`. */
    async get<K extends keyof SiteFields = never, V extends string = never>(
      query?: ModelQuery<K, V>,
    ): Promise<ModelShape<SiteFields, SiteViews, K, V>> {
      return modelOf(await transport.send({ method: "GET", path: "site", query: modelParams(query) }));
    },
    /** `GET site/children`: the top-level pages (compact unless `select`/`view` say otherwise). */
    async children<K extends keyof PageFields = never, V extends string = never>(
      query?: ChildrenQuery<K, V>,
    ): Promise<Collection<ItemShape<PageFields, PageViews, K, V>>> {
      return collectionOf(await transport.send({ method: "GET", path: "site/children", query: childrenParams(query) }));
    },
    /** `PATCH site`: changes the given fields; the others stay. */
    update: (fields: ContentInput): Promise<Site> => write("site", fields),
    changeTitle: (title: string): Promise<Site> => write("site/title", { title }),
    /** The site's files (`site/files`): list, read, upload, update, rename, sort, replace, delete. */
    files: filesApi(transport, () => "site"),
  };
}

/** Pages: `client.pages`. Ids are the page's path (`blog/hello`); `blog+hello` works as well. */
export function pagesApi(transport: Transport) {
  const write = async (method: "PATCH" | "POST", path: () => string, body: unknown): Promise<Page> =>
    modelOf<Page>(await transport.send({ method, path: path(), body }));
  return {
    /** `GET pages/<id>`: the page in the default view, or the `select`ed fields, or a named `view`. */
    async get<K extends keyof PageFields = never, V extends string = never>(
      id: string,
      query?: ModelQuery<K, V>,
    ): Promise<ModelShape<PageFields, PageViews, K, V>> {
      return modelOf(await transport.send({ method: "GET", path: pagePath(id), query: modelParams(query) }));
    },
    /** `GET pages/<id>/children`: listed and unlisted children unless `status` says otherwise. */
    async children<K extends keyof PageFields = never, V extends string = never>(
      id: string,
      query?: ChildrenQuery<K, V>,
    ): Promise<Collection<ItemShape<PageFields, PageViews, K, V>>> {
      return collectionOf(
        await transport.send({ method: "GET", path: `${pagePath(id)}/children`, query: childrenParams(query) }),
      );
    },
    /** Creates a page under `parentId`, or a top-level page when it is null; a draft unless `isDraft: false`. */
    create: (parentId: string | null, input: CreatePageInput): Promise<Page> =>
      write("POST", () => childrenPath(parentId), input),
    /** `PATCH pages/<id>`: changes the given fields; the others stay. */
    update: (id: string, fields: ContentInput): Promise<Page> => write("PATCH", () => pagePath(id), fields),
    /** `position` places a listed page among its listed siblings (1 = first). */
    changeStatus: (id: string, status: PageStatus, position?: number): Promise<Page> =>
      write("PATCH", () => `${pagePath(id)}/status`, position === undefined ? { status } : { status, position }),
    /** Answers with the page under its new id. */
    changeSlug: (id: string, slug: string): Promise<Page> => write("PATCH", () => `${pagePath(id)}/slug`, { slug }),
    changeTitle: (id: string, title: string): Promise<Page> => write("PATCH", () => `${pagePath(id)}/title`, { title }),
    changeTemplate: (id: string, template: string): Promise<Page> =>
      write("PATCH", () => `${pagePath(id)}/template`, { template }),
    /** Copies the page next to itself under `slug`; answers with the copy. */
    duplicate: (id: string, slug: string, options: DuplicatePageOptions = {}): Promise<Page> =>
      write("POST", () => `${pagePath(id)}/duplicate`, { slug, ...options }),
    /** The page's files (`pages/<id>/files`): list, read, upload, update, rename, sort, replace, delete. */
    files: (id: string) => filesApi(transport, () => pagePath(id)),
    /** A page with children or drafts needs `{ force: true }`. */
    async delete(id: string, options: DeletePageOptions = {}): Promise<void> {
      const body = options.force === undefined ? {} : { body: { force: options.force } };
      okOf(await transport.send({ method: "DELETE", path: pagePath(id), ...body }));
    },
  };
}

export type SiteApi = ReturnType<typeof siteApi>;
export type PagesApi = ReturnType<typeof pagesApi>;
