import type { BatonEmitter, BatonEventMap, RunEvent } from '@baton/core';

/**
 * A run's events as an async iterable (`for await (const event of run.events)`), from the start
 * of the run to its end, none lost however late the loop starts; and as an emitter for
 * listeners that must see each event at once (`events.on('step-end', ...)`).
 */
export interface EventStream extends AsyncIterable<RunEvent> {
  /** Listens to one event type, or `event` for all of them. */
  on<Name extends keyof BatonEventMap>(
    name: Name,
    listener: (...event: BatonEventMap[Name]) => void,
  ): EventStream;
  /** Stops listening. */
  off<Name extends keyof BatonEventMap>(
    name: Name,
    listener: (...event: BatonEventMap[Name]) => void,
  ): EventStream;
  /** Ends the iteration (after the events so far); with an error, the loop throws it. */
  end(error?: unknown): void;
}

/** An {@link EventStream} over an emitter: every event it emits from now on. */
export function eventStream(emitter: BatonEmitter): EventStream {
  const buffered: RunEvent[] = [];
  const waiting: Array<() => void> = [];
  let ended = false;
  let failure: unknown;
  const wake = (): void => {
    for (const resume of waiting.splice(0)) resume();
  };
  emitter.on('event', (event) => {
    buffered.push(event);
    wake();
  });
  const stream: EventStream = {
    on(name, listener) {
      emitter.on(name, listener as never);
      return stream;
    },
    off(name, listener) {
      emitter.off(name, listener as never);
      return stream;
    },
    end(error) {
      ended = true;
      failure = error;
      wake();
    },
    async *[Symbol.asyncIterator]() {
      let next = 0;
      for (;;) {
        while (next < buffered.length) {
          yield buffered[next]!;
          next += 1;
        }
        if (ended) {
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
  };
  return stream;
}
