import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { BatonEmitter, RunEvent } from '@baton/core';

/**
 * Writes a run's events as JSON lines to a file (`--events jsonl --events-file F`). Appends,
 * creating the folder unless `createFolder: false`; a write error is reported by `close()`.
 *
 * @example
 * ```ts
 * const writer = new JsonlEventWriter('events.jsonl');
 * const detach = writer.attach(events);
 * await runtime.run(graph, { executor, events });
 * detach();
 * await writer.close();
 * ```
 */
export class JsonlEventWriter {
  readonly path: string;
  readonly #stream: WriteStream;
  #error: Error | undefined;

  constructor(path: string, options: { createFolder?: boolean } = {}) {
    this.path = path;
    if (options.createFolder !== false) mkdirSync(dirname(path), { recursive: true });
    this.#stream = createWriteStream(path, { flags: 'a', encoding: 'utf8' });
    this.#stream.on('error', (error) => {
      this.#error ??= error;
    });
  }

  /** Writes one event as one line. */
  write(event: RunEvent): void {
    this.#stream.write(`${JSON.stringify(event)}\n`);
  }

  /** Writes every event of an emitter until the returned function is called. */
  attach(emitter: BatonEmitter): () => void {
    const listener = (event: RunEvent): void => this.write(event);
    emitter.on('event', listener);
    return () => {
      emitter.off('event', listener);
    };
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#error !== undefined || this.#stream.destroyed) {
        reject(this.#error ?? new Error(`could not write ${this.path}`));
        return;
      }
      this.#stream.end((error?: Error | null) => {
        const failure = error ?? this.#error;
        if (failure) reject(failure);
        else resolve();
      });
    });
  }
}
