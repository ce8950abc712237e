import { Writable } from 'node:stream';
import {
  BatonEmitter,
  BatonError,
  BatonErrorCode,
  type DecisionHandler,
  type Logger,
  type RunEvent,
  type TaskGraph,
} from '@baton/core';
import { JsonlEventWriter } from '@baton/runtime';
import { type Baton, createBaton, type RunReport, type TaskRunHandle } from '@baton/sdk';
import { closeWhenDone } from '../closers.js';
import type { RunCliOptions } from '../command.js';
import { type CliIo, createStderrLogger, ExitCode, UsageError } from '../io.js';
import { attachLiveOutput, createDecisionPrompt, type LiveDisplay } from './live.js';

/** How to show and steer a run from the command line. */
export interface RunPresentation {
  verbose: boolean;
  /** `--events jsonl`: the event stream as JSON lines, to `eventsFile` or stderr. */
  eventsJsonl: boolean;
  eventsFile: string | undefined;
  /** Ask a person on the terminal when a decision is pending. */
  prompt: boolean;
}

/** A Baton instance for a command, and where its log lines go (above a live display, if any). */
export interface CliBaton {
  baton: Baton;
  logger: Logger;
  /** Sends log lines through `print` (a live display) until the returned function is called. */
  routeLogs(print: (text: string) => void): () => void;
}

/** The SDK's Baton for the project a command works on, logging to stderr. */
export function openBaton(
  io: CliIo,
  cli: RunCliOptions,
  projectDir: string,
  options: { verbose: boolean },
): CliBaton {
  let print = (text: string): void => {
    io.stderr.write(text);
  };
  const stderr = new Writable({
    write(chunk, _encoding, done) {
      print(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stderr.isTTY = io.stderr.isTTY === true;
  const logger = createStderrLogger({ ...io, stderr }, options.verbose);
  const baton = createBaton({
    projectDir,
    env: io.env,
    logger,
    ...(cli.signal === undefined ? {} : { signal: cli.signal }),
    ...(cli.executorFactory === undefined ? {} : { createExecutor: cli.executorFactory }),
  });
  closeWhenDone(() => baton.close());
  return {
    baton,
    logger,
    routeLogs(next) {
      const previous = print;
      print = next;
      return () => {
        print = previous;
      };
    },
  };
}

/**
 * Runs (or resumes) a run through the SDK and shows it: progress on the terminal or JSON-lines
 * events, decisions asked on the terminal. The exit code is 0 when the run succeeded, else 1.
 */
export async function presentRun(
  io: CliIo,
  cli: RunCliOptions,
  session: CliBaton,
  options: {
    graph: TaskGraph;
    presentation: RunPresentation;
    start(steer: { events: BatonEmitter; onDecision?: DecisionHandler }): Promise<TaskRunHandle>;
  },
): Promise<{ report: RunReport; exitCode: ExitCode }> {
  const { presentation } = options;
  const events = new BatonEmitter();
  let writer: JsonlEventWriter | undefined;
  let detachWriter: (() => void) | undefined;
  let display: LiveDisplay;
  if (presentation.eventsJsonl && presentation.eventsFile === undefined) {
    const listener = (event: RunEvent): void => {
      io.stderr.write(`${JSON.stringify(event)}\n`);
    };
    events.on('event', listener);
    display = {
      stop: () => events.off('event', listener),
      pause() {},
      resume() {},
      print: (text) => io.stderr.write(text),
    };
  } else {
    if (presentation.eventsFile !== undefined) {
      writer = new JsonlEventWriter(presentation.eventsFile);
      detachWriter = writer.attach(events);
    }
    display = attachLiveOutput(io, events, options.graph, { verbose: presentation.verbose });
  }
  // What a resume found (damaged records, leftover agents, decisions to answer again) is said
  // whatever the verbosity; with --verbose the progress lines say it already.
  const onNotice = (event: RunEvent): void => {
    if (event.type === 'run-notice') display.print(`baton: ${event.message ?? ''}\n`);
  };
  const noticesShown = presentation.verbose || presentation.eventsJsonl;
  if (!noticesShown) events.on('event', onNotice);
  const unroute = session.routeLogs((text) => display.print(text));
  const input = cli.stdin;
  const interactive =
    presentation.prompt && input?.isTTY === true && io.stderr.isTTY === true && input !== undefined;
  let report: RunReport;
  try {
    const handle = await options.start({
      events,
      ...(interactive ? { onDecision: createDecisionPrompt(io, input, display) } : {}),
    });
    report = await handle.result;
  } catch (error) {
    // Another process runs it, or it is already finished: nothing ran here.
    if (BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT) {
      throw new UsageError(error.message);
    }
    throw error;
  } finally {
    unroute();
    events.off('event', onNotice);
    display.stop();
    detachWriter?.();
    await writer?.close();
  }
  if (presentation.eventsFile !== undefined)
    report = { ...report, eventsFile: presentation.eventsFile };
  return { report, exitCode: report.success ? ExitCode.OK : ExitCode.NEGATIVE };
}
