import { createInterface } from 'node:readline/promises';
import { type Readable, Writable } from 'node:stream';
import {
  type DecisionHandler,
  formatEventLine,
  ProgressTracker,
  type RunEmitter,
  type RunEvent,
  renderProgress,
  type TaskGraph,
} from '@baton/runtime';
import { type CliIo, stripControlCharacters } from '../io.js';

/** A terminal input the person answers decisions on. */
export type PromptInput = Readable & { isTTY?: boolean };

/**
 * Shows a run on stderr: on a terminal, bars for the run and each running step, redrawn in
 * place; elsewhere (with `--verbose`) one plain line per event. Returns the function that stops
 * the display, and `pause`/`resume` for prompts.
 */
export function attachLiveOutput(
  io: CliIo,
  events: RunEmitter,
  graph: TaskGraph,
  options: { verbose: boolean; intervalMs?: number },
): LiveDisplay {
  const terminal = io.stderr.isTTY === true;
  const print = (text: string): void => {
    io.stderr.write(text);
  };
  if (!terminal) {
    if (!options.verbose) return { stop() {}, pause() {}, resume() {}, print };
    const listener = (event: RunEvent): void => {
      io.stderr.write(`${stripControlCharacters(formatEventLine(event))}\n`);
    };
    events.on('event', listener);
    return {
      stop: () => events.off('event', listener),
      pause() {},
      resume() {},
      print,
    };
  }
  const tracker = new ProgressTracker(graph);
  let drawn = 0;
  let paused = false;
  const clear = (): void => {
    if (drawn > 0) io.stderr.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = (): void => {
    if (paused) return;
    const width = Math.max(
      10,
      Math.min(30, ((io.stderr as { columns?: number }).columns ?? 80) - 60),
    );
    const lines = renderProgress(tracker.snapshot(), { width });
    clear();
    io.stderr.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const listener = (event: RunEvent): void => {
    tracker.apply(event);
    if (options.verbose && event.type !== 'state-change' && event.type !== 'step-usage') {
      clear();
      io.stderr.write(`${stripControlCharacters(formatEventLine(event))}\n`);
    }
    draw();
  };
  events.on('event', listener);
  const timer = setInterval(draw, options.intervalMs ?? 200);
  timer.unref?.();
  return {
    stop() {
      clearInterval(timer);
      events.off('event', listener);
      draw();
    },
    pause() {
      clear();
      paused = true;
    },
    resume() {
      paused = false;
      draw();
    },
    print(text) {
      clear();
      io.stderr.write(text);
      draw();
    },
  };
}

/** A live display on stderr; `print` writes above it (log lines) without breaking it. */
export interface LiveDisplay {
  stop(): void;
  pause(): void;
  resume(): void;
  print(text: string): void;
}

/** A stderr stand-in whose writes go through the display (for the logger). */
export function displayStream(io: CliIo, display: LiveDisplay): CliIo['stderr'] {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      display.print(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = io.stderr.isTTY === true;
  return stream;
}

/**
 * Asks the person on the terminal (stdin, prompts on stderr) to approve or reject a decision;
 * "skip" (or an empty answer) leaves it pending for `baton decisions approve|reject`. One
 * question at a time.
 */
export function createDecisionPrompt(
  io: CliIo,
  input: PromptInput,
  display: { pause(): void; resume(): void },
): DecisionHandler {
  let queue: Promise<unknown> = Promise.resolve();
  return (decision, { signal }) => {
    const ask = async (): Promise<{ action: 'approve' | 'reject'; note?: string } | undefined> => {
      if (signal.aborted) return undefined;
      display.pause();
      const readline = createInterface({ input, output: io.stderr, terminal: true });
      try {
        io.stderr.write(
          stripControlCharacters(
            `\nDecision ${decision.id} (${decision.kind}) for step ${decision.stepId}:\n  ${decision.reason}\n`,
          ),
        );
        const meaning =
          decision.kind === 'approval'
            ? 'approve = run the step'
            : decision.kind === 'escalation'
              ? 'approve = try the step again, reject = fail it'
              : 'approve = accept the result';
        for (;;) {
          const answer = (
            await readline.question(
              `Approve? y / n / s = leave pending (${meaning}); a note may follow a colon, e.g. "n: wrong file": `,
              { signal },
            )
          ).trim();
          const [word = '', ...rest] = answer.split(':');
          const choice = word.trim().toLowerCase();
          const note = rest.join(':').trim();
          if (choice === '' || choice === 's' || choice === 'skip') return undefined;
          if (['y', 'yes', 'n', 'no'].includes(choice)) {
            return {
              action: choice.startsWith('y') ? 'approve' : 'reject',
              ...(note === '' ? {} : { note }),
            };
          }
        }
      } catch {
        return undefined; // aborted or input closed: the decision stays pending
      } finally {
        readline.close();
        display.resume();
      }
    };
    const next = queue.then(ask, ask);
    queue = next;
    return next;
  };
}
