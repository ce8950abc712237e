/** Small executables standing in for the coding-agent CLIs in tests. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Behaviours a stand-in CLI can have. */
export type FakeBehaviour =
  | { kind: 'claude-ok'; result: string }
  | { kind: 'codex-ok'; message: string }
  | { kind: 'gemini-ok'; response: string }
  | { kind: 'text'; stdout: string; exitCode?: number; stderr?: string }
  | { kind: 'hang' }
  | { kind: 'write-file'; file: string; next: FakeBehaviour }
  /** Writes (or overwrites) each file with its content, relative to the working directory. */
  | { kind: 'write-files'; files: Record<string, string>; next: FakeBehaviour };

/** A directory of stand-in CLIs plus the files they record (stdin, args, pids). */
export function fakeCliDirectory(clis: Record<string, FakeBehaviour>): {
  bin: string;
  record: string;
} {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-fake-cli-'));
  const bin = path.join(root, 'bin');
  const record = path.join(root, 'record');
  mkdirSync(bin);
  mkdirSync(record);
  for (const [name, behaviour] of Object.entries(clis)) {
    const file = path.join(bin, name);
    writeFileSync(
      file,
      `#!/bin/sh\ncat > "${record}/${name}.stdin"\nprintf '%s\\n' "$@" > "${record}/${name}.args"\npwd > "${record}/${name}.cwd"\n${body(behaviour, record, name)}\n`,
    );
    chmodSync(file, 0o755);
  }
  return { bin, record };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function body(behaviour: FakeBehaviour, record: string, name: string): string {
  switch (behaviour.kind) {
    case 'claude-ok':
      return `printf '%s\\n' ${shellQuote(
        JSON.stringify({
          type: 'result',
          subtype: 'success',
          is_error: false,
          duration_ms: 1234,
          result: behaviour.result,
          total_cost_usd: 0.0123,
          usage: { input_tokens: 300, cache_read_input_tokens: 200, output_tokens: 120 },
          modelUsage: { 'claude-haiku-4-5-20251001': {} },
        }),
      )}`;
    case 'codex-ok':
      return [
        { type: 'thread.started', thread_id: 't1' },
        { type: 'turn.started' },
        {
          type: 'item.completed',
          item: { id: 'i1', type: 'agent_message', text: behaviour.message },
        },
        {
          type: 'turn.completed',
          usage: { input_tokens: 900, cached_input_tokens: 0, output_tokens: 80 },
        },
      ]
        .map((event) => `printf '%s\\n' ${shellQuote(JSON.stringify(event))}`)
        .join('\n');
    case 'gemini-ok':
      return `printf '%s\\n' ${shellQuote(
        JSON.stringify({
          session_id: 's1',
          response: behaviour.response,
          stats: {
            models: { 'gemini-2.5-flash': { tokens: { prompt: 400, candidates: 60, total: 460 } } },
          },
        }),
      )}`;
    case 'text':
      return `printf '%s' ${shellQuote(behaviour.stdout)}\n${
        behaviour.stderr === undefined ? '' : `printf '%s\\n' ${shellQuote(behaviour.stderr)} >&2\n`
      }exit ${behaviour.exitCode ?? 0}`;
    case 'hang':
      return `sleep 30 &\necho $! > "${record}/${name}.sleep.pid"\nwait`;
    case 'write-file':
      return `echo written-by-agent > ${shellQuote(behaviour.file)}\n${body(behaviour.next, record, name)}`;
    case 'write-files':
      return [
        ...Object.entries(behaviour.files).map(
          ([file, content]) =>
            `mkdir -p "$(dirname ${shellQuote(file)})" && printf '%s' ${shellQuote(content)} > ${shellQuote(file)}`,
        ),
        body(behaviour.next, record, name),
      ].join('\n');
  }
}
