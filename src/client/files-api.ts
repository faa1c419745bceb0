import { collectionOf, modelOf, okOf } from "./envelopes.js";
import { unexpectedAnswer } from "./errors.js";
import { SheafApiError } from "./errors.js";
import type {
  File,
  FileFields,
  FileViews,
  SortFilesInput,
  UploadItem,
  UploadOptions,
  UploadSource,
} from "./file-types.js";
import { filenameOf, multipartBody, type UploadPart } from "./multipart.js";
import { collectionParams, modelParams } from "./paths.js";
import { searchRequest, type SearchQuery } from "./search-blueprints-api.js";
import type { ApiAnswer, Transport } from "./transport.js";
import type { ContentInput } from "./types.js";
import type { Collection, CollectionQuery, ModelQuery, ModelShape } from "./wire-types.js";

/** A file listing's item: every file in the default view unless `select` (which wins) or `view` say otherwise. */
export type FileItemShape<K extends keyof FileFields, V extends string> = [K] extends [never]
  ? ModelShape<FileFields, FileViews, never, V>
  : Pick<FileFields, K>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{"status":"ok","data":<file>}`, or `data` keyed by filename when several files were uploaded at once. */
function uploadedOf(answer: ApiAnswer): File[] {
  const { body } = answer;
  if (!isRecord(body) || body["status"] !== "ok" || !isRecord(body["data"])) {
    throw unexpectedAnswer(answer, answer.status, "not an upload answer");
  }
  const data = body["data"];
  if (typeof data["filename"] === "string") return [data as unknown as File];
  return Object.values(data) as File[];
}

function onlyFile(answer: ApiAnswer): File {
  const [file, ...more] = uploadedOf(answer);
  if (file === undefined || more.length > 0) throw unexpectedAnswer(answer, answer.status, "not one uploaded file");
  return file;
}

/** `template` and `sort` as form fields; the names are checked by the server. */
function uploadFields(options: UploadOptions): Record<string, string> {
  const fields: Record<string, string> = {};
  if (options.template !== undefined) fields["template"] = options.template;
  if (options.sort !== undefined) {
    if (!Number.isInteger(options.sort)) throw new TypeError(`sort must be an integer, not ${options.sort}`);
    fields["sort"] = String(options.sort);
  }
  return fields;
}

function filePath(parent: string, filename: string): string {
  if (filename === "") throw new TypeError("Invalid filename: empty");
  return `${parent}/files/${encodeURIComponent(filename)}`;
}

/**
 * The files of one parent: `client.pages.files(id)`, `client.site.files`, `client.users.files(id)`,
 * `client.account.files`. `parent` builds the parent's path inside each call, so a bad id rejects instead of throwing.
 */
export function filesApi(transport: Transport, parent: () => string) {
  const model = async (method: "GET" | "PATCH", path: () => string, body?: unknown, query?: ModelQuery) =>
    modelOf<File>(
      await transport.send({
        method,
        path: path(),
        query: modelParams(query),
        ...(body === undefined ? {} : { body }),
      }),
    );
  const upload = async (path: () => string, items: readonly UploadPart[], fields: Record<string, string>) =>
    transport.send({ method: "POST", path: path(), multipart: multipartBody(items, fields) });
  return {
    /** `GET …/files`: the files the current user may list, by `Sort` and then name; each in the default view. */
    async list<K extends keyof FileFields = never, V extends string = never>(
      query?: CollectionQuery<K, V>,
    ): Promise<Collection<FileItemShape<K, V>>> {
      return collectionOf(
        await transport.send({ method: "GET", path: `${parent()}/files`, query: collectionParams(query) }),
      );
    },
    /**
     * `…/files/search`: the files the current user may list whose meta fields (in the request's language) or id
     * match, best first; `GET ?q=`, or a `POST` body when `options` are given.
     */
    async search<K extends keyof FileFields = never, V extends string = never>(
      text: string,
      query?: SearchQuery<K, V>,
    ): Promise<Collection<FileItemShape<K, V>>> {
      return collectionOf(await transport.send(searchRequest(`${parent()}/files/search`, text, query)));
    },
    /** `GET …/files/<filename>`: one file (the name is matched case-insensitively). */
    async get<K extends keyof FileFields = never, V extends string = never>(
      filename: string,
      query?: ModelQuery<K, V>,
    ): Promise<ModelShape<FileFields, FileViews, K, V>> {
      return modelOf(
        await transport.send({ method: "GET", path: filePath(parent(), filename), query: modelParams(query) }),
      );
    },
    /** `PATCH …/files/<filename>`: changes the given meta fields; the others stay. */
    update: (filename: string, fields: ContentInput): Promise<File> =>
      model("PATCH", () => filePath(parent(), filename), fields),
    /** `PATCH …/files/<filename>/name`: the server makes the name safe and keeps the extension. */
    rename: (filename: string, name: string): Promise<File> =>
      model("PATCH", () => `${filePath(parent(), filename)}/name`, { name }),
    /** `PATCH …/files/sort`: numbers the given files from `index + 1` on; answers with the whole listing. */
    async sort(input: SortFilesInput): Promise<Collection<File>> {
      const body = { files: [...input.files], index: input.index ?? 0 };
      return collectionOf<File>(await transport.send({ method: "PATCH", path: `${parent()}/files/sort`, body }));
    },
    /** `POST …/files`: uploads one file; a file the server refuses rejects with its message (400). */
    async upload(source: UploadSource, options: UploadOptions = {}): Promise<File> {
      const part = { source, filename: filenameOf(source, options.filename) };
      return onlyFile(await upload(() => `${parent()}/files`, [part], uploadFields(options)));
    },
    /** Several files in one request, all with the same `template`; answers with them in the server's order. */
    async uploadMany(items: readonly UploadItem[], options: Omit<UploadOptions, "filename"> = {}): Promise<File[]> {
      if (items.length === 0) throw new TypeError("uploadMany() needs at least one file");
      const parts = items.map((item) => ({ source: item.source, filename: filenameOf(item.source, item.filename) }));
      return uploadedOf(await upload(() => `${parent()}/files`, parts, uploadFields(options)));
    },
    /** `POST …/files/<filename>`: new bytes of the same MIME type; name, meta fields and UUID stay. */
    async replace(filename: string, source: UploadSource): Promise<File> {
      const part = { source, filename: filenameOf(source, filenameOrNameOf(source, filename)) };
      return onlyFile(await upload(() => filePath(parent(), filename), [part], {}));
    },
    /** `DELETE …/files/<filename>`: the file and its meta file. */
    async delete(filename: string): Promise<void> {
      okOf(await transport.send({ method: "DELETE", path: filePath(parent(), filename) }));
    },
  };
}

/** A replacement's part is named after the file it replaces unless the source is a File with a name of its own. */
function filenameOrNameOf(source: UploadSource, filename: string): string {
  return typeof File !== "undefined" && source instanceof File && source.name !== "" ? source.name : filename;
}

/**
 * A user's avatar (`users/<id>/avatar`, `account/avatar`). `get()` resolves to null when the user has none (the
 * server's 404 without an error key); an unknown user still rejects.
 */
export function avatarApi(transport: Transport, user: () => string) {
  const path = () => `${user()}/avatar`;
  return {
    async get(): Promise<File | null> {
      try {
        return modelOf<File>(await transport.send({ method: "GET", path: path() }));
      } catch (error) {
        if (error instanceof SheafApiError && error.status === 404 && error.key === null) return null;
        throw error;
      }
    },
    /** Uploads an image as the avatar (replacing any other, also in another format); answers with its file model. */
    async set(source: UploadSource, options: Pick<UploadOptions, "filename"> = {}): Promise<File> {
      const part = { source, filename: filenameOf(source, options.filename ?? defaultAvatarName(source)) };
      return onlyFile(await transport.send({ method: "POST", path: path(), multipart: multipartBody([part]) }));
    },
    async remove(): Promise<void> {
      okOf(await transport.send({ method: "DELETE", path: path() }));
    },
  };
}

/** The server names the avatar `profile.<ext>` whatever the upload is called; it needs some name to read. */
function defaultAvatarName(source: UploadSource): string | undefined {
  return typeof File !== "undefined" && source instanceof File && source.name !== "" ? undefined : "avatar";
}

export type FilesApi = ReturnType<typeof filesApi>;
export type AvatarApi = ReturnType<typeof avatarApi>;
