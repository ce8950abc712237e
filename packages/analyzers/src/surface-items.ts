import { z } from 'zod';
import { redactEvidence } from './secrets.js';
import { type SecurityFinding, type Severity, testSeverity } from './security-finding.js';
import type { SourceFile } from './source-file.js';

/** The kinds of entry points and sinks in an attack-surface inventory. */
export const attackSurfaceKindSchema = z.enum([
  'http-route',
  'http-server',
  'child-process',
  'file-write',
  'deserialization',
  'outbound-request',
  'user-input',
]);
/** A kind of entry point or sink. */
export type AttackSurfaceKind = z.infer<typeof attackSurfaceKindSchema>;

/** Where outside input comes from. */
export const inputSourceSchema = z.enum(['http-request', 'command-line', 'environment', 'stdin']);
/** Where outside input comes from. */
export type InputSource = z.infer<typeof inputSourceSchema>;

/** An expression that carries outside input, e.g. `req.query.file` or a variable assigned from it. */
export const surfaceInputSchema = z.object({
  /** As written (`req.query.file`), or the name of a variable assigned from such an expression. */
  expression: z.string(),
  source: inputSourceSchema,
});
/** An expression that carries outside input. */
export type SurfaceInput = z.infer<typeof surfaceInputSchema>;

/** One entry point or sink, measured from the code. */
export const attackSurfaceItemSchema = z.object({
  kind: attackSurfaceKindSchema,
  /** Project-relative file. */
  file: z.string(),
  /** 1-based line. */
  line: z.number().int(),
  /**
   * What was found: `GET /users/:id` for a route, the callee (`exec`, `fs.writeFile`,
   * `requests.get`) for a sink, the expression (`req.query.file`, `sys.argv`) for user input.
   */
  name: z.string(),
  /** The line, with secret values redacted. */
  evidence: z.string(),
  /** For user input: where it comes from. */
  source: inputSourceSchema.optional(),
  /** For routes: the handler as written (`getUser`), or `inline function`. */
  handler: z.string().optional(),
  /**
   * For sinks: the outside input (request, command line, stdin; not the environment) that
   * appears in the call's arguments, directly or through a variable assigned from it in the
   * same file. Names, not a data-flow proof.
   */
  inputs: z.array(surfaceInputSchema).optional(),
  /** For child processes: the command runs through a shell. */
  shell: z.boolean().optional(),
  /** The file is test code or a test fixture. */
  testFixture: z.boolean(),
});
/** One entry point or sink. */
export type AttackSurfaceItem = z.infer<typeof attackSurfaceItemSchema>;

/** Rule ids and descriptions of the findings the inventory itself raises. */
export const SURFACE_RULES = {
  'surface/command-injection': 'request input reaches a command that runs in a shell',
  'surface/unsafe-deserialization-of-input':
    'request input reaches a deserialiser that can run code',
  'surface/path-traversal': 'request input names a file that is written or deleted',
  'surface/server-side-request-forgery': 'request input decides where an outbound request goes',
} as const;
/** A rule id of {@link SURFACE_RULES}. */
export type SurfaceRule = keyof typeof SURFACE_RULES;

const SURFACE_SEVERITY: Record<SurfaceRule, Severity> = {
  'surface/command-injection': 'critical',
  'surface/unsafe-deserialization-of-input': 'critical',
  'surface/path-traversal': 'high',
  'surface/server-side-request-forgery': 'high',
};

/** Input an attacker may control (the environment is the operator's). */
export const UNTRUSTED: ReadonlySet<InputSource> = new Set([
  'http-request',
  'command-line',
  'stdin',
]);

/** What one file adds to the inventory. */
export interface FileSurface {
  items: AttackSurfaceItem[];
  findings: SecurityFinding[];
}

/** Collects a file's items (one per kind, line and name) and findings. */
export class SurfaceCollector {
  readonly items: AttackSurfaceItem[] = [];
  readonly findings: SecurityFinding[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: SourceFile,
    private readonly lineText: (line: number) => string,
  ) {}

  add(
    kind: AttackSurfaceKind,
    line: number,
    name: string,
    extra: Partial<AttackSurfaceItem> = {},
  ): void {
    const key = `${kind}|${line}|${name}`;
    if (this.seen.has(key)) return;
    // `req.body` inside `req.body.name` on the same line adds nothing.
    if (
      kind === 'user-input' &&
      this.items.some(
        (item) => item.kind === kind && item.line === line && item.name.startsWith(`${name}.`),
      )
    ) {
      return;
    }
    this.seen.add(key);
    this.items.push({
      kind,
      file: this.file.path,
      line,
      name,
      evidence: redactEvidence(this.lineText(line)),
      ...extra,
      testFixture: this.file.isTest,
    });
  }

  flag(rule: SurfaceRule, line: number, inputs: readonly SurfaceInput[]): void {
    const { file } = this;
    if (this.findings.some((finding) => finding.ruleId === rule && finding.line === line)) return;
    const expressions = [...new Set(inputs.map((input) => input.expression))].join(', ');
    this.findings.push({
      ruleId: rule,
      category: 'code',
      severity: file.isTest ? testSeverity(SURFACE_SEVERITY[rule]) : SURFACE_SEVERITY[rule],
      file: file.path,
      line,
      message: `${capitalise(SURFACE_RULES[rule])} (${expressions})${file.isTest ? ' (in test code or fixtures)' : ''}`,
      evidence: redactEvidence(this.lineText(line)),
      testFixture: file.isTest,
    });
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
