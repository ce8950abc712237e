/** Who writes the tests; with none, why and what to set. */
export type WriterInfo =
  | { kind: 'model'; provider: string; model: string }
  | { kind: 'agent-cli'; chain: string[] }
  | { kind: 'custom' }
  | { kind: 'none'; reason: string };

/** Who writes the tests, in words (`none — why` when no one does). */
export function describeTestWriter(writer: WriterInfo): string {
  switch (writer.kind) {
    case 'model':
      return `model ${writer.model} (${writer.provider})`;
    case 'agent-cli':
      return `agent CLI ${writer.chain.join(', ')}`;
    case 'custom':
      return 'the executor given to createBaton';
    default:
      return `none — ${writer.reason}`;
  }
}
