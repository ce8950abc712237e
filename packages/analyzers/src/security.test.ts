import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { auditDependencies, parseAuditOutput, parseAuditReport } from './audit.js';
import { createProjectIndex } from './project-index.js';
import { redactSecrets } from './secrets.js';
import { scanSecurity, securityResultSchema } from './security.js';
import { fixturePath, tempProject } from './test-helpers.js';

const AUDIT_V7 = fixturePath('audit/npm-audit-v7.json');

describe('scanSecurity on a project with planted problems', () => {
  it('finds every planted secret, dangerous pattern and advisory with rule, severity, file and line', async () => {
    const result = await scanSecurity({ root: fixturePath('security-app'), auditFile: AUDIT_V7 });
    expect(securityResultSchema.parse(result)).toEqual(result);
    const brief = result.findings
      .filter((finding) => finding.category !== 'dependency')
      .map((finding) => `${finding.severity} ${finding.ruleId} ${finding.file}:${finding.line}`);
    expect(brief).toEqual([
      'critical secret/private-key keys/deploy.pem:1',
      'critical secret/aws-access-key-id src/config.ts:1',
      'high py/subprocess-shell-true scripts/tool.py:9',
      'high py/unsafe-deserialization scripts/tool.py:15',
      'high py/tls-verification-disabled scripts/tool.py:19',
      'high py/dynamic-eval scripts/tool.py:24',
      'high secret/generic-credential src/config.ts:4',
      'high js/shell-command-from-string src/run.ts:5',
      'high js/dynamic-eval src/run.ts:11',
      'high js/tls-verification-disabled src/run.ts:14',
      'high js/tls-verification-disabled src/run.ts:16',
      'high js/shell-command-from-string src/run.ts:19',
      'medium py/os-system scripts/tool.py:11',
      'low secret/github-token test/fixtures/tokens.ts:1',
    ]);
    // 2 secrets outside fixtures + 1 critical advisory (minimist)
    expect(result.criticalCount).toBe(3);
    expect(result.counts).toEqual({ critical: 3, high: 12, medium: 2, low: 1, info: 0 });
    expect(result.parseFailures).toMatchObject([{ path: 'src/broken.ts', line: 1 }]);
    expect(result.warnings).toEqual([
      '1 file(s) could not be parsed; their code patterns were not checked',
    ]);
  });

  it('never prints a secret value', async () => {
    const result = await scanSecurity({ root: fixturePath('security-app') });
    const json = JSON.stringify(result);
    expect(json).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(json).not.toContain('Qx7rT2pLm9ZkW4vB8nJc');
    expect(json).not.toContain('aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789');
    expect(json).not.toContain('MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu');
    const aws = result.findings.find((finding) => finding.ruleId === 'secret/aws-access-key-id');
    expect(aws?.evidence).toBe("export const awsAccessKeyId = 'AKIA****************';");
    const fixture = result.findings.find((finding) => finding.ruleId === 'secret/github-token');
    expect(fixture).toMatchObject({ testFixture: true, severity: 'low' });
  });

  it('redacts every value on an evidence line, including low-entropy passwords', async () => {
    const project = await tempProject();
    try {
      const token = `${'ghp_'}${'aB3dE5'.repeat(6)}`;
      await project.write(
        'src/setup.ts',
        `export const login = { password: 'hunter2', token: '${token}' };\nexport const run = (x: string) => eval(x + '${token}');\n`,
      );
      const result = await scanSecurity({ root: project.root });
      const json = JSON.stringify(result);
      expect(json).not.toContain(token);
      expect(json).not.toContain('hunter2');
      expect(result.findings.map((finding) => [finding.ruleId, finding.evidence])).toEqual([
        [
          'secret/github-token',
          "export const login = { password: 'h******', token: 'ghp_************************************' };",
        ],
        [
          'secret/github-token',
          "export const run = (x: string) => eval(x + 'ghp_************************************');",
        ],
        [
          'js/dynamic-eval',
          "export const run = (x: string) => eval(x + 'ghp_************************************');",
        ],
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('redacts secrets in free text, every occurrence, and leaves the rest as it is', () => {
    const key = 'AKIAIOSFODNN7EXAMPLE';
    const token = `ghp_${'a1B2'.repeat(9)}`;
    const text = [
      `Rotate ${key} now; ${key} is also in the CI settings.`,
      `The token ${token} is live.`,
      'password = "hunter2hunter2" was committed',
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEAuZ1234567890abcdef',
      '-----END RSA PRIVATE KEY-----',
      'Nothing secret on this line.',
    ].join('\n');
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(key);
    expect(redacted).not.toContain(token);
    expect(redacted).not.toContain('hunter2hunter2');
    expect(redacted).not.toContain('MIIEowIBAAKCAQEAuZ');
    expect(redacted.split('\n')[0]).toBe(
      'Rotate AKIA**************** now; AKIA**************** is also in the CI settings.',
    );
    expect(redacted).toContain(
      '-----BEGIN RSA PRIVATE KEY----- [redacted] -----END RSA PRIVATE KEY-----',
    );
    expect(redacted.endsWith('\nNothing secret on this line.')).toBe(true);
  });

  it('classifies the same secrets under a test fixture path as non-critical', async () => {
    const project = await tempProject();
    try {
      await project.write(
        'src/__fixtures__/keys.ts',
        `export const k = '${'AKIA'}IOSFODNN7EXAMPLE';\n`,
      );
      await project.write('src/live.test.ts', `const k = '${'AKIA'}IOSFODNN7EXAMPLE';\n`);
      const result = await scanSecurity({ root: project.root });
      expect(result.criticalCount).toBe(0);
      expect(result.findings.map((finding) => [finding.file, finding.severity])).toEqual([
        ['src/__fixtures__/keys.ts', 'low'],
        ['src/live.test.ts', 'low'],
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('lists a test fixture that is broken on purpose without a warning', async () => {
    const project = await tempProject();
    try {
      await project.write('src/__fixtures__/broken.ts', 'export const = ;\n');
      await project.write('src/ok.ts', 'export const ok = 1;\n');
      const result = await scanSecurity({ root: project.root });
      expect(result.parseFailures.map((failure) => failure.path)).toEqual([
        'src/__fixtures__/broken.ts',
      ]);
      expect(result.warnings.filter((warning) => warning.includes('could not be parsed'))).toEqual(
        [],
      );
    } finally {
      await project.cleanup();
    }
  });

  it('recognises provider tokens and leaves placeholders alone', async () => {
    const project = await tempProject();
    try {
      const lines = [
        `slack = "${'xox'}b-123456789012-abcdefghijkl"`,
        `stripe = "${'sk_'}live_${'a1B2'.repeat(6)}"`,
        `stripeTest = "${'sk_'}test_${'a1B2'.repeat(6)}"`,
        `npm = "${'npm_'}${'aB3d'.repeat(9)}"`,
        `gitlab = "${'glpat-'}${'x1Y2'.repeat(5)}"`,
        `api_key = "your-api-key-here"`,
        `secret = "\${SECRET_FROM_ENV}"`,
        `client_secret = "9fJ2kQ7xLp0aZ3mW8vR1"`,
      ];
      await project.write('.env', 'DATABASE_PASSWORD=s3cr3tV4lu3Xy9Zq2w\nDEBUG=true\nAPI_TOKEN=\n');
      await project.write('config.json', '{\n  "apiKey": "Zm9vYmFyYmF6cXV4MTIzNDU2"\n}\n');
      // in code an unquoted value is a variable, not a secret
      await project.write('src/use.ts', 'const secretKey = someVariableName123abcXYZ\n');
      await project.write('settings.py', `${lines.join('\n')}\n`);
      const result = await scanSecurity({ root: project.root });
      expect(
        result.findings.map(
          (finding) => `${finding.file}:${finding.line} ${finding.ruleId} ${finding.severity}`,
        ),
      ).toEqual([
        'settings.py:1 secret/slack-token critical',
        'settings.py:2 secret/stripe-live-key critical',
        'settings.py:4 secret/npm-token critical',
        'settings.py:5 secret/gitlab-token critical',
        '.env:1 secret/generic-credential high',
        'config.json:2 secret/generic-credential high',
        'settings.py:8 secret/generic-credential high',
        'settings.py:3 secret/stripe-test-key low',
      ]);
      const env = result.findings.find((finding) => finding.file === '.env');
      expect(env?.evidence).toBe('DATABASE_PASSWORD=s3cr**************');
      expect(env?.message).toBe('High-entropy credential assigned to "DATABASE_PASSWORD"');
    } finally {
      await project.cleanup();
    }
  });

  it('leaves provider-shaped placeholders of one repeated character alone', async () => {
    const project = await tempProject();
    try {
      await project.write(
        '.env.example',
        [
          `STRIPE_SECRET_KEY=${'sk_'}live_${'x'.repeat(24)}`,
          `GITHUB_TOKEN=${'ghp_'}${'X'.repeat(36)}`,
          `AWS_ACCESS_KEY_ID=${'AKIA'}${'0'.repeat(16)}`,
          `STRIPE_REAL=${'sk_'}live_${'a1B2'.repeat(6)}`,
        ].join('\n'),
      );
      const result = await scanSecurity({ root: project.root });
      expect(result.findings.map((finding) => `${finding.line} ${finding.ruleId}`)).toEqual([
        '4 secret/stripe-live-key',
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('flags code built at run time and leaves literal code alone', async () => {
    const project = await tempProject();
    try {
      const lines = [
        "import vm from 'node:vm';",
        "import { spawn } from 'node:child_process';",
        "import { unserialize } from 'node-serialize';",
        'export function run(code: string, cmd: string, blob: string) {',
        '  new Function(code);',
        "  new Function('return 1');",
        '  vm.runInNewContext(code);',
        "  eval('1 + 1');",
        '  spawn(cmd, { shell: true });',
        "  spawn('ls', { shell: true });",
        '  unserialize(blob);',
        '  const options = { strictSSL: false };',
        '  return options;',
        '}',
      ];
      await project.write('src/run.ts', `${lines.join('\n')}\n`);
      // an AST class named Function and a parser's Node.Script are not code execution
      await project.write(
        'src/ast.ts',
        'export class Function {}\nexport const make = (x: string) => new Function(x);\n',
      );
      await project.write(
        'src/parser.ts',
        'export const n = (Node: any, b: string) => new Node.Script(b);\n',
      );
      const result = await scanSecurity({ root: project.root });
      expect(result.findings.map((finding) => `${finding.line} ${finding.ruleId}`)).toEqual([
        '5 js/function-constructor',
        '11 js/unsafe-deserialization',
        '12 js/tls-verification-disabled',
        '7 js/vm-run-code',
        '9 js/spawn-shell',
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('reuses a shared project index', async () => {
    const index = await createProjectIndex({ root: fixturePath('security-app') });
    const result = await scanSecurity({ root: index.root, index });
    expect(result.scannedFiles).toBe(index.files.length);
    expect(result.audit).toEqual({
      status: 'skipped',
      reason: 'dependency audit not requested (use runAudit or auditFile)',
    });
    expect(result.warnings).toContain(
      'Dependency advisories not checked: dependency audit not requested (use runAudit or auditFile)',
    );
  });
});

describe('dependency audit', () => {
  it('reads the npm 7+ report: unique advisories by severity', () => {
    const report = parseAuditReport(JSON.parse(readFileSync(AUDIT_V7, 'utf8')));
    expect(report.format).toBe('npm');
    expect(report.counts).toEqual({ critical: 1, high: 2, medium: 1, low: 0, info: 0 });
    expect(report.dependencyCount).toBe(5);
    expect(report.advisories[0]).toEqual({
      id: 'GHSA-xvch-5gv4-984h',
      packageName: 'minimist',
      severity: 'critical',
      title: 'Prototype Pollution in minimist',
      url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
      vulnerableVersions: '<0.2.4',
    });
  });

  it('reads the pnpm / npm 6 report', async () => {
    const result = await auditDependencies({
      root: fixturePath('security-app'),
      auditFile: fixturePath('audit/pnpm-audit.json'),
    });
    if (result.status !== 'ok') throw new Error(JSON.stringify(result));
    expect(result.format).toBe('npm-legacy');
    expect(result.counts).toEqual({ critical: 1, high: 0, medium: 1, low: 0, info: 0 });
    expect(result.advisories[0]).toMatchObject({
      id: 'GHSA-xvch-5gv4-984h',
      installedVersions: ['0.0.8'],
    });
    expect(result.dependencyCount).toBe(3);
  });

  it('reads the JSON lines of yarn 1 and yarn 2+ audits', async () => {
    for (const file of ['audit/yarn-classic-audit.ndjson', 'audit/yarn-berry-audit.ndjson']) {
      const result = await auditDependencies({ root: '.', auditFile: fixturePath(file) });
      if (result.status !== 'ok') throw new Error(JSON.stringify(result));
      expect(result.counts).toEqual({ critical: 1, high: 0, medium: 1, low: 0, info: 0 });
      expect(result.advisories.map((advisory) => [advisory.id, advisory.packageName])).toEqual([
        ['GHSA-xvch-5gv4-984h', 'minimist'],
        ['GHSA-c2qf-rxjj-qqgw', 'semver'],
      ]);
      expect(result.advisories[0]).toMatchObject({
        vulnerableVersions: '<0.2.4',
        installedVersions: ['0.0.8'],
      });
    }
    expect(
      parseAuditOutput('{"type":"error","data":"Request failed \\"405 Method Not Allowed\\""}'),
    ).toEqual({
      error: { message: 'Request failed "405 Method Not Allowed"' },
    });
  });

  it('turns recorded 405 failures of npm and pnpm into "unavailable" with the reason', async () => {
    const npm = await auditDependencies({
      root: '.',
      auditFile: fixturePath('audit/npm-405-error.json'),
    });
    expect(npm).toMatchObject({ status: 'unavailable' });
    if (npm.status === 'unavailable')
      expect(npm.reason).toMatch(/^the advisory service answered HTTP 405: 405 Method Not Allowed/);
    const pnpm = await auditDependencies({
      root: '.',
      auditFile: fixturePath('audit/pnpm-405-error.json'),
    });
    if (pnpm.status !== 'unavailable') throw new Error('expected unavailable');
    expect(pnpm.reason).toMatch(/HTTP 405: ERR_PNPM_AUDIT_BAD_RESPONSE: The audit endpoint/);
  });

  it('names the cause when npm 10+ cannot reach the advisory service (recorded output)', async () => {
    const npm = await auditDependencies({
      root: '.',
      auditFile: fixturePath('audit/npm-connection-refused.json'),
    });
    if (npm.status !== 'unavailable') throw new Error('expected unavailable');
    expect(npm.reason).toBe(
      'request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9',
    );
  });

  it('runs npm audit and reports an advisory service answering 405 as a warning, not a pass', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(405, { allow: 'GET, HEAD' });
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const project = await tempProject();
    try {
      await project.write(
        'package.json',
        JSON.stringify({
          name: 'audited',
          version: '1.0.0',
          dependencies: { 'left-pad': '1.3.0' },
        }),
      );
      await project.write(
        'package-lock.json',
        JSON.stringify({
          name: 'audited',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': { name: 'audited', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } },
            'node_modules/left-pad': {
              version: '1.3.0',
              resolved: `http://127.0.0.1:${port}/left-pad/-/left-pad-1.3.0.tgz`,
            },
          },
        }),
      );
      const result = await scanSecurity({
        root: project.root,
        runAudit: true,
        auditRegistry: `http://127.0.0.1:${port}/`,
        auditTimeoutSeconds: 60,
      });
      expect(result.audit.status).toBe('unavailable');
      expect(result.warnings[0]).toMatch(/^Dependency advisories unavailable: .*405/);
      expect(result.criticalCount).toBe(0);
    } finally {
      server.close();
      await project.cleanup();
    }
  });

  it('rejects an audit file that is not an audit report, naming the field', async () => {
    const project = await tempProject();
    try {
      await project.write('x.json', '{"hello":1}');
      await expect(auditDependencies({ root: project.root, auditFile: 'x.json' })).rejects.toThrow(
        /^auditFile: not an npm or pnpm audit report/,
      );
    } finally {
      await project.cleanup();
    }
  });
});
