/**
 * Crash safety of publishing changes (docs/changes.md#publishing-is-crash-safe): a real `sheaf serve` process saves
 * and publishes changes of one model in a loop and is killed with SIGKILL at a random moment, 50 times for a page and
 * 10 times for a file (its meta file), restarting after each kill. Each publish sets two fields from the same round
 * (a payload and a tag), so a mix of two versions shows. After each kill:
 * - the published file and the changes file parse completely, with intact payloads;
 * - the published version is the last acknowledged one or the one being published (never older, never mixed);
 * - saved changes are never lost: while the published file is not yet the new version, the changes file holds it;
 * - after the restart the API shows the published version and the next save and publish go through (a lock file
 *   left by the killed process does not block them).
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseTxt } from "../../src/content/txt.js";
import { FIXTURE_DIR } from "../paths.js";
import {
  AdminSession,
  cleanUpCrashes,
  crashSeed,
  httpRequest,
  killServer,
  requireBuiltCli,
  seededRandom,
  sleep,
  startServer,
  tempSite,
} from "./crash-helpers.js";

const MAX_DELAY_BEFORE_KILL_MS = 40;
/** Time allowed per kill: a restart of the server dominates it, and it takes seconds on a loaded machine. */
const KILL_BUDGET_MS = 12_000;

/** The model a run saves and publishes: its route, its two files, and the fields that carry a round. */
interface Target {
  readonly name: string;
  readonly fixture: string;
  readonly kills: number;
  readonly url: string;
  /** Folder (relative to the site) that holds the published file and `_changes/`. */
  readonly dir: string;
  /** Name of the published file, also the changes file's name in `_changes/`. */
  readonly file: string;
  /** Field with the self-checking payload, and the field with the round's tag. */
  readonly payloadField: string;
  readonly tagField: string;
  /** The tag as submitted (a tags field takes a list). */
  tagInput(round: number): unknown;
  /** Fields every version keeps whole. */
  readonly constant: Readonly<Record<string, string>>;
  /** Names the folder may hold besides the two versions and temp files. */
  readonly neighbours: readonly string[];
}

const PAGE: Target = {
  name: "a page",
  fixture: FIXTURE_DIR,
  kills: 50,
  url: "pages/notes+first-note",
  dir: path.join("content", "1_notes", "1_first-note"),
  file: "note.txt",
  payloadField: "text",
  tagField: "tags",
  tagInput: (round) => [`t${round}`],
  constant: { title: "First Note", uuid: "firstnote0000001" },
  neighbours: [],
};

const FILE: Target = {
  name: "a file",
  fixture: path.join(path.dirname(FIXTURE_DIR), "fixture-files"),
  kills: 10,
  url: "pages/gallery/files/a-red.png",
  dir: path.join("content", "4_gallery"),
  file: "a-red.png.txt",
  payloadField: "caption",
  tagField: "alt",
  tagInput: (round) => `t${round}`,
  constant: { template: "image", uuid: "redpng0000000001" },
  neighbours: ["a-red.png", "b-photo.jpg", "b-photo.jpg.txt", "c-doc.pdf", "c-doc.pdf.txt", "gallery.txt"],
};

/** A value that proves it was written completely, and the round it belongs to. */
function payloadFor(round: number): string {
  const tag = `r${round}`;
  return `${tag}:${createHash("sha256").update(tag).digest("hex").repeat(64)}`;
}

function roundOfPayload(value: string | undefined): number | null {
  if (value === undefined) return null;
  const match = /^r(\d+):/.exec(value);
  if (!match) return null;
  const round = Number(match[1]);
  return value === payloadFor(round) ? round : null;
}

/** What is on disk: the round of each version's payloads (null: no such file). */
interface DiskState {
  readonly published: number;
  readonly changes: number | null;
  readonly problems: string[];
}

function keepsConstants(target: Target, fields: Record<string, string>): boolean {
  return Object.entries(target.constant).every(([key, value]) => fields[key] === value);
}

async function readState(target: Target, root: string): Promise<DiskState> {
  const problems: string[] = [];
  const publishedText = await readFile(path.join(root, target.dir, target.file), "utf8");
  const published = parseTxt(publishedText);
  const payload = roundOfPayload(published[target.payloadField]);
  const tagText = published[target.tagField];
  const tag = tagText === undefined ? null : Number(/^t(\d+)$/.exec(tagText)?.[1] ?? Number.NaN);
  if (!keepsConstants(target, published)) problems.push(`published file torn: ${publishedText.slice(0, 120)}`);
  if (payload === null) problems.push("published payload is not whole");
  if (tag !== payload) problems.push(`published payload of round ${payload} with the tag of round ${tag}: a mix`);
  let changes: number | null = null;
  const changesText = await readFile(path.join(root, target.dir, "_changes", target.file), "utf8").catch(() => null);
  if (changesText !== null) {
    const fields = parseTxt(changesText);
    changes = roundOfPayload(fields[target.payloadField]);
    if (changes === null) problems.push("changes payload is not whole");
    if (!keepsConstants(target, fields) || fields["lock"] !== "admin001")
      problems.push(`changes file torn: ${changesText.slice(0, 120)}`);
  }
  return { published: payload ?? -1, changes, problems };
}

type Pending =
  | { readonly kind: "save"; readonly round: number }
  | { readonly kind: "publish"; readonly round: number; readonly saved: boolean };

afterAll(cleanUpCrashes);

describe.each([PAGE, FILE])("crash safety of publishing changes of $name", (target) => {
  it(
    `keeps the old or the new version through ${target.kills} SIGKILLs during save and publish`,
    async () => {
      requireBuiltCli();
      const seed = crashSeed();
      const random = seededRandom(seed);
      const context = `seed ${seed} (SHEAF_CRASH_SEED=${seed} repeats the random choices)`;
      const bulk = path.join(target.fixture, "content", "3_bulk");
      const root = await tempSite("sheaf-changes-crash-", target.fixture, (source) => source === bulk);
      const session = new AdminSession();
      const changesUrl = (action: string): string => `${target.url}/changes/${action}`;
      const publishBody = (round: number, withPayload: boolean): Record<string, unknown> => ({
        ...(withPayload ? { [target.payloadField]: payloadFor(round) } : {}),
        [target.tagField]: target.tagInput(round),
      });

      // the model: the acknowledged state and the one request whose outcome is unknown
      let published = 0;
      let changes: number | null = null;
      let round = 0;
      const stats = { kills: 0, publishes: 0, pendingPublishApplied: 0, pendingPublishNotApplied: 0 };

      // round 0: publish a first payload so the published file always carries one
      {
        const server = await startServer(root);
        const agent = new http.Agent({ keepAlive: true });
        const headers = await session.get(agent, server.origin);
        const reply = await httpRequest(
          agent,
          server.origin,
          "POST",
          changesUrl("publish"),
          headers,
          publishBody(0, true),
        );
        expect(reply.status, context).toBe(200);
        agent.destroy();
        await killServer(server);
      }

      for (let kill = 0; kill < target.kills; kill++) {
        const server = await startServer(root);
        const agent = new http.Agent({ keepAlive: true });
        try {
          const headers = await session.get(agent, server.origin);
          // after a restart the API shows what the disk holds
          const shown = await httpRequest(agent, server.origin, "GET", `${target.url}?select=content`, headers);
          const shownContent = (shown.body["data"] as { content: Record<string, string> }).content;
          expect(roundOfPayload(shownContent[target.payloadField]), `${context}, kill ${kill}: API after restart`).toBe(
            published,
          );

          let pending: Pending | null = null;
          let stopping = false;
          let acknowledged = 0;
          const errors: string[] = [];
          const worker = (async () => {
            while (!stopping) {
              round++;
              const twoSteps = random() < 0.5;
              try {
                if (twoSteps) {
                  pending = { kind: "save", round };
                  const saved = await httpRequest(agent, server.origin, "POST", changesUrl("save"), headers, {
                    [target.payloadField]: payloadFor(round),
                  });
                  if (saved.status !== 200) errors.push(`save answered ${saved.status}: ${JSON.stringify(saved.body)}`);
                  changes = round;
                  pending = { kind: "publish", round, saved: true };
                  const reply = await httpRequest(
                    agent,
                    server.origin,
                    "POST",
                    changesUrl("publish"),
                    headers,
                    publishBody(round, false),
                  );
                  if (reply.status !== 200) errors.push(`publish answered ${reply.status}`);
                } else {
                  pending = { kind: "publish", round, saved: false };
                  const reply = await httpRequest(
                    agent,
                    server.origin,
                    "POST",
                    changesUrl("publish"),
                    headers,
                    publishBody(round, true),
                  );
                  if (reply.status !== 200) errors.push(`publish answered ${reply.status}`);
                }
                published = round;
                changes = null;
                pending = null;
                acknowledged++;
                stats.publishes++;
              } catch {
                // the connection died with the process: the pending request's outcome is unknown
                return;
              }
            }
          })();
          for (let waited = 0; waited < 5_000 && acknowledged === 0; waited += 2) await sleep(2);
          await sleep(Math.floor(random() * (MAX_DELAY_BEFORE_KILL_MS + 1)));
          stopping = true;
          server.child.kill("SIGKILL");
          await worker;
          await server.exited;
          stats.kills++;
          expect(errors, context).toEqual([]);

          const state = await readState(target, root);
          const where = `${context}, kill ${kill}, pending ${JSON.stringify(pending)}, model published ${published} changes ${changes}`;
          expect(state.problems, where).toEqual([]);
          const now = pending as Pending | null;
          if (now === null) {
            expect(state.published, where).toBe(published);
          } else if (now.kind === "save") {
            expect(state.published, where).toBe(published);
            expect([changes, now.round], where).toContain(state.changes);
            changes = state.changes;
          } else {
            expect([published, now.round], where).toContain(state.published);
            if (state.published === now.round) {
              stats.pendingPublishApplied++;
              // published: the changes version may still be there until its deletion was durable
              expect([null, now.round], where).toContain(state.changes);
              published = now.round;
            } else {
              stats.pendingPublishNotApplied++;
              // not published: saved changes must still be there
              if (now.saved) expect(state.changes, where).toBe(now.round);
              else expect(state.changes, where).toBe(changes);
            }
            changes = state.changes;
          }
          const expected = new Set([target.file, "_changes", ".sheaf-changes.lock", ...target.neighbours]);
          const leftovers = (await readdir(path.join(root, target.dir))).filter(
            (name) => !expected.has(name) && !name.endsWith(".tmp"),
          );
          expect(leftovers, where).toEqual([]);
        } finally {
          agent.destroy();
          await killServer(server);
        }
      }

      // a last start: recovery leaves no temp files, and saving and publishing work at once
      const server = await startServer(root);
      const agent = new http.Agent({ keepAlive: true });
      try {
        const headers = await session.get(agent, server.origin);
        const started = Date.now();
        const final = round + 1;
        const saved = await httpRequest(agent, server.origin, "POST", changesUrl("save"), headers, {
          [target.payloadField]: payloadFor(final),
        });
        expect(saved.status, context).toBe(200);
        const reply = await httpRequest(
          agent,
          server.origin,
          "POST",
          changesUrl("publish"),
          headers,
          publishBody(final, false),
        );
        expect(reply.status, context).toBe(200);
        expect(Date.now() - started, "a stale lock file blocked the model").toBeLessThan(5_000);
        const state = await readState(target, root);
        expect(state, context).toEqual({ published: final, changes: null, problems: [] });
        const names = await readdir(path.join(root, target.dir));
        expect(
          names.filter((name) => name.endsWith(".tmp")),
          context,
        ).toEqual([]);
      } finally {
        agent.destroy();
        await killServer(server);
      }
      expect(stats.kills).toBe(target.kills);
      expect(stats.publishes, context).toBeGreaterThanOrEqual(target.kills);
      console.info(`changes crash safety of ${target.name}: ${JSON.stringify(stats)}; ${context}`);
    },
    target.kills * KILL_BUDGET_MS,
  );
});
