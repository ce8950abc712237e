/**
 * Scripted answers of the security deep dive's agents for the `security-planted` fixture, shared
 * by the workflow tests (in process) and the CLI's end-to-end tests (behind a local model server
 * or a stand-in coding-agent CLI). Test utilities only.
 */
import type { Agent, AgentExecutionOutput, AgentExecutor } from '@baton/core';

/** Built at run time so that no test file holds the fixture's fake key in one piece. */
export const PLANTED_KEY = `${'AKIA'}FAKEBATONTEST7Q2`;

/** An auditor finding as a model would write it. */
function finding(
  id: string,
  title: string,
  severity: string,
  cwe: string | null,
  file: string,
  line: number,
  evidence: string,
  fix: string,
): Record<string, unknown> {
  return {
    id,
    title,
    severity,
    ...(cwe === null ? {} : { cwe }),
    file,
    line,
    evidence,
    exploitScenario: `An attacker exploits: ${title.toLowerCase()}`,
    fix,
  };
}

/**
 * Phase 1 on the planted fixture. The vulnerabilities auditor also invents a finding at
 * `src/server.js:412` (the file has 31 lines): it must be rejected, never reported.
 */
export const PLANTED_AUDITS: Readonly<Record<string, { findings: unknown[]; summary: string }>> = {
  vulnerabilities: {
    summary: 'Two injection paths and an unauthenticated write.',
    findings: [
      finding(
        'V1',
        'Command injection in GET /thumbnail',
        'critical',
        'CWE-78',
        'src/server.js',
        12,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: quoted source code of the fixture
        'exec(`convert uploads/${req.query.file} ...`)',
        'Use execFile with an argument list and an allow-listed file name',
      ),
      finding(
        'V2',
        'SQL injection in the orders query',
        'critical',
        'CWE-89',
        'src/server.js',
        412,
        'db.query("SELECT * FROM orders WHERE id = " + req.query.id)',
        'Use a parameterised query',
      ),
      finding(
        'V3',
        'POST /profile accepts unauthenticated requests',
        'medium',
        'CWE-306',
        'src/server.js',
        18,
        "app.post('/profile', (req, res) => {",
        'Require a session before restoring a profile',
      ),
    ],
  },
  threat_modeling: {
    summary: 'Two remote code execution paths from the internet.',
    findings: [
      finding(
        'T1',
        'Remote code execution through the thumbnail shell command',
        'critical',
        '78',
        './src/server.js',
        12,
        'req.query.file reaches exec()',
        'Never build shell commands from request input',
      ),
      finding(
        'T2',
        'Remote code execution through node-serialize',
        'critical',
        'CWE-502',
        'src/server.js',
        19,
        'serialize.unserialize(req.body.profile)',
        'Parse the profile with JSON.parse and validate it',
      ),
    ],
  },
  compliance: {
    summary: 'Secrets, TLS and headers against OWASP ASVS level 1.',
    findings: [
      finding(
        'C1',
        'TLS certificate verification disabled for partner calls',
        'high',
        'CWE-295',
        'src/server.js',
        24,
        'new https.Agent({ rejectUnauthorized: false })',
        'Remove rejectUnauthorized: false and pin the partner CA with the ca option',
      ),
      finding(
        'C2',
        'Hard-coded AWS access key id',
        'critical',
        'CWE-798',
        'src/config.js',
        2,
        `export const awsAccessKeyId = '${PLANTED_KEY}';`,
        `Remove ${PLANTED_KEY} from the code, rotate it and read it from the environment`,
      ),
      finding(
        'C3',
        'Framework banner (X-Powered-By) exposed',
        'low',
        'CWE-200',
        'src/server.js',
        7,
        'const app = express();',
        "app.disable('x-powered-by')",
      ),
    ],
  },
};

interface ListedFinding {
  id: string;
  cwe?: string | null;
  location?: string;
}

/** Which CWEs each auditor disputes in the debate (the auditors disagree; the majority decides). */
const DISPUTED_CWES: Readonly<Record<string, readonly string[]>> = {
  vulnerabilities: ['CWE-200'],
  threat_modeling: ['CWE-200', 'CWE-306'],
  compliance: [],
};

/**
 * Phase 2: each auditor confirms the findings it is shown except those with the CWEs it
 * disputes. The compliance auditor also adds a finding at a line that does not exist.
 */
export function debateAnswer(focus: string, findings: readonly ListedFinding[]) {
  const disputed = DISPUTED_CWES[focus] ?? [];
  return {
    votes: findings.map((item) =>
      disputed.includes(item.cwe ?? '')
        ? {
            findingId: item.id,
            verdict: 'dispute',
            reason:
              item.cwe === 'CWE-200'
                ? 'The header only names the framework; not exploitable on its own'
                : 'The route stores nothing; authentication is a product decision',
          }
        : { findingId: item.id, verdict: 'confirm', reason: 'Read the code: as described' },
    ),
    added:
      focus === 'compliance'
        ? [
            finding(
              'C4',
              'Session secret committed in the config',
              'high',
              'CWE-798',
              'src/config.js',
              99,
              "sessionSecret: 'dev'",
              'Read the secret from the environment',
            ),
          ]
        : [],
  };
}

const FIXES: Readonly<Record<string, string>> = {
  'package.json': 'Upgrade minimist to 1.2.8 or later',
  'src/config.js': 'Remove the key from src/config.js, rotate it and read it from the environment',
  'src/server.js:12':
    'Call execFile("convert", [...]) with an allow-listed file name instead of exec',
  'src/server.js:18': 'Require an authenticated session on POST /profile',
  'src/server.js:19': 'Replace node-serialize with JSON.parse and validate the profile',
  'src/server.js:24':
    'Remove rejectUnauthorized: false and trust the partner CA with the ca option',
};

/**
 * Phase 3: one step per location of the open findings it is shown, plus one wrong step (a
 * disputed finding and an unknown id, at a file that does not exist) that the workflow must
 * take out, and a note on each disputed finding.
 */
export function synthesisAnswer(
  open: readonly ListedFinding[],
  disputed: ReadonlyArray<{ findingId: string }>,
) {
  const byLocation = new Map<string, string[]>();
  for (const item of open) {
    const key = item.location ?? '?';
    byLocation.set(key, [...(byLocation.get(key) ?? []), item.id]);
  }
  const items = [...byLocation].map(([location, ids]) => {
    const file = location.replace(/:\d+$/, '');
    return {
      findingIds: ids,
      fix: FIXES[location] ?? FIXES[file] ?? `Fix ${location}`,
      ownerFile: file,
      effort: location.endsWith(':19') ? 'medium' : 'small',
    };
  });
  if (disputed.length > 0) {
    items.push({
      findingIds: [disputed[0]!.findingId, 'A-99'],
      fix: 'Harden the response headers',
      ownerFile: 'src/routes/missing.js',
      effort: 'small',
    });
  }
  return {
    summary: `${items.length} steps for ${open.length} open findings.`,
    items,
    disputedNotes: disputed.map((item) => ({
      findingId: item.findingId,
      note: 'Cheap to fix anyway: disable the header.',
    })),
  };
}

/** The answer of an agent in the phase its context names. */
export function scriptedAnswer(
  agentId: string,
  context: Record<string, unknown>,
  audits: Readonly<Record<string, unknown>> = PLANTED_AUDITS,
): Record<string, unknown> {
  const focus = agentId.replace(/^security_auditor__/, '');
  switch (context.phase) {
    case 'audit':
      return (audits[focus] as Record<string, unknown> | undefined) ?? { findings: [] };
    case 'debate':
      return debateAnswer(focus, (context.findings as ListedFinding[] | undefined) ?? []);
    case 'synthesis':
      return synthesisAnswer(
        (context.openFindings as ListedFinding[] | undefined) ?? [],
        (context.disputed as Array<{ findingId: string }> | undefined) ?? [],
      );
    default:
      throw new Error(`no script for phase ${String(context.phase)} of ${agentId}`);
  }
}

/** Where the executors put the context in a prompt. */
const CONTEXT_MARKER = 'Context (JSON, including evidence gathered so far):\n';

/** The agent id and the context of a prompt built by `buildAgentPrompt` of `@baton/executors`. */
export function readPrompt(text: string): { agentId: string; context: Record<string, unknown> } {
  const agentId = /agent id "([^"]+)"/.exec(text)?.[1];
  const start = text.indexOf(CONTEXT_MARKER);
  if (agentId === undefined || start === -1) throw new Error('not an agent prompt');
  return {
    agentId,
    context: JSON.parse(text.slice(start + CONTEXT_MARKER.length)) as Record<string, unknown>,
  };
}

/** One call a scripted executor received. */
export interface ScriptedCall {
  agentId: string;
  tier: string | undefined;
  phase: unknown;
  context: Record<string, unknown>;
}

/**
 * An executor that answers from the scripts, with measured-looking usage (100 tokens in, 40 out,
 * $0.001). Agents in `hang` never answer (they wait for their time limit); agents in `fail`
 * throw.
 */
export function scriptedSecurityExecutor(
  options: {
    hang?: readonly string[];
    fail?: readonly string[];
    audits?: Readonly<Record<string, unknown>>;
    calls?: ScriptedCall[];
  } = {},
): AgentExecutor<Agent> {
  return async (agent, context, { signal }): Promise<AgentExecutionOutput> => {
    options.calls?.push({ agentId: agent.id, tier: agent.tier, phase: context.phase, context });
    if (options.hang?.includes(agent.id)) {
      await new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    if (options.fail?.includes(agent.id)) throw new Error('the model service answered HTTP 500');
    return {
      output: scriptedAnswer(agent.id, context, options.audits),
      usage: { inputTokens: 100, outputTokens: 40, costUsd: 0.001, model: 'scripted' },
    };
  };
}
