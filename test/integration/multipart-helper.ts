/** Multipart request bodies for upload tests, sent through `server.inject()`. */
import type { Client, TestSite } from "./helpers.js";

export const BOUNDARY = "----SheafTestBoundary";

export interface Part {
  readonly name: string;
  readonly filename?: string;
  readonly type?: string;
  readonly body: Buffer | string;
}

export function multipart(parts: readonly Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`;
    chunks.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ""}\r\n`,
      ),
    );
    chunks.push(typeof part.body === "string" ? Buffer.from(part.body) : part.body);
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

export interface UploadReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** POSTs multipart parts as `client` (cookie and CSRF token when it has them; null: anonymous). */
export async function postParts(
  site: TestSite,
  client: Client | null,
  url: string,
  parts: readonly Part[],
  { csrf = true }: { csrf?: boolean } = {},
): Promise<UploadReply> {
  const response = await site.sheaf.server.inject({
    method: "POST",
    url,
    headers: {
      ...(client?.cookie ? { cookie: client.cookie } : {}),
      ...(csrf && client?.csrf ? { "x-csrf": client.csrf } : {}),
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
    },
    payload: multipart(parts),
  });
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, body: body as Record<string, unknown> };
}
