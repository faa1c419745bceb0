import { pino, type DestinationStream, type Logger } from "pino";
import pinoPretty from "pino-pretty";
import type { LogLevel } from "../config/options.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly level: LogLevel;
  /**
   * Where the lines go: `"stdout"` (JSON lines, readable lines when stdout is a terminal), or a function that takes
   * each JSON line (embedding, tests).
   */
  readonly destination?: "stdout" | ((line: string) => void);
  /** Force readable (true) or JSON (false) output on stdout; default: readable only in a terminal. */
  readonly pretty?: boolean;
}

/** The operator's log: one JSON object per line, with `level`, `time`, `msg` and the fields each event adds. */
export function createLogger(options: LoggerOptions): Logger {
  const settings = { level: options.level, base: { pid: process.pid }, serializers: { err: pino.stdSerializers.err } };
  const destination = options.destination ?? "stdout";
  if (typeof destination === "function") {
    const stream: DestinationStream = {
      write: (line: string) => destination(line.endsWith("\n") ? line.slice(0, -1) : line),
    };
    return pino(settings, stream);
  }
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty)
    return pino(
      settings,
      pinoPretty({ colorize: true, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss.l", sync: true }),
    );
  return pino(settings, pino.destination({ fd: 1, sync: true }));
}
