import { afterEach, describe, expect, it } from 'vitest';
import { cweForRule } from './rule-cwe.js';
import { scanSecurity } from './security.js';
import { type TempProject, tempProject } from './test-helpers.js';
import { scanTlsAuthSettings, tlsAuthResultSchema } from './tls-auth-settings.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

async function settingsOf(files: Record<string, string>) {
  project = await tempProject();
  for (const [file, text] of Object.entries(files)) await project.write(file, text);
  const result = await scanTlsAuthSettings({ root: project.root });
  expect(tlsAuthResultSchema.parse(result)).toEqual(result);
  return result;
}

const brief = (result: Awaited<ReturnType<typeof settingsOf>>) =>
  result.findings.map(
    (finding) => `${finding.severity} ${finding.ruleId} ${finding.file}:${finding.line}`,
  );

// The signing secret is assembled so that this test file holds no literal secret assignment.
const SIGNING = ['keyboard', 'cat'].join(' ');

const SERVER = `import jwt from 'jsonwebtoken';
import https from 'node:https';
import session from 'express-session';
import cors from 'cors';

export const agent = new https.Agent({ minVersion: 'TLSv1', checkServerIdentity: () => undefined });
app.use(session({ secret: '${SIGNING}', cookie: { secure: false, httpOnly: true } }));
app.use(cors({ origin: '*', credentials: true }));
export const token = jwt.sign({ sub: 1 }, '${SIGNING}');
export const claims = jwt.verify(token, key, { algorithms: ['HS256', 'none'], ignoreExpiration: true });
res.cookie('sid', value, { httpOnly: false });
https.get('http://api.example.com/data');
fetch('http://localhost:3000/health');
export const mail = { host: 'smtp.example.com', secure: false };
`;

describe('scanTlsAuthSettings', () => {
  it('finds weak TLS, insecure cookies, open CORS and JWT settings with file, line and CWE', async () => {
    const result = await settingsOf({ 'src/server.js': SERVER });
    expect(brief(result)).toEqual([
      'high tls/weak-protocol-version src/server.js:6',
      'high tls/server-identity-check-disabled src/server.js:6',
      'high auth/hard-coded-signing-secret src/server.js:7',
      'medium auth/insecure-cookie src/server.js:7',
      'high auth/cors-any-origin-with-credentials src/server.js:8',
      'high auth/hard-coded-signing-secret src/server.js:9',
      'critical auth/jwt-none-algorithm src/server.js:10',
      'medium auth/jwt-expiry-ignored src/server.js:10',
      'medium auth/insecure-cookie src/server.js:11',
      'medium tls/cleartext-request src/server.js:12',
    ]);
    expect(result.findings.map((finding) => cweForRule(finding.ruleId))).toEqual([
      'CWE-327',
      'CWE-297',
      'CWE-798',
      'CWE-614',
      'CWE-942',
      'CWE-798',
      'CWE-347',
      'CWE-613',
      'CWE-614',
      'CWE-319',
    ]);
  });

  it('never prints a signing secret, even a low-entropy one', async () => {
    const result = await settingsOf({ 'src/server.js': SERVER });
    expect(JSON.stringify(result)).not.toContain(SIGNING);
    const sign = result.findings.find((finding) => finding.line === 9);
    expect(sign?.evidence).toBe("export const token = jwt.sign({ sub: 1 }, 'key*********');");
  });

  it('adds to scanSecurity without repeating its TLS rule (rejectUnauthorized is found once, there)', async () => {
    const files = {
      'src/client.js': `import https from 'node:https';\nexport const agent = new https.Agent({ rejectUnauthorized: false });\n`,
    };
    const settings = await settingsOf(files);
    expect(settings.findings).toEqual([]);
    const security = await scanSecurity({ root: project!.root });
    expect(security.findings.map((finding) => finding.ruleId)).toEqual([
      'js/tls-verification-disabled',
    ]);
  });

  it('checks Python settings line by line and keeps test code low', async () => {
    const secretKey = ['not', 'so', 'secret'].join('-');
    const result = await settingsOf({
      'app.py': [
        'import ssl, jwt',
        'from flask_cors import CORS',
        `SECRET_KEY = "${secretKey}"`,
        'SESSION_COOKIE_SECURE = False',
        'CORS(app, supports_credentials=True)',
        'context = ssl.SSLContext(ssl.PROTOCOL_TLSv1)',
        'context.check_hostname = False',
        'claims = jwt.decode(token, options={"verify_signature": False})',
        'requests.get("http://example.org/feed")',
        '# app.run(debug=True) in a comment is ignored',
        'app.run(host="0.0.0.0", debug=True)',
      ].join('\n'),
      'tests/test_app.py': 'context = ssl.SSLContext(ssl.PROTOCOL_SSLv3)\n',
    });
    expect(brief(result)).toEqual([
      'high auth/hard-coded-signing-secret app.py:3',
      'medium auth/insecure-cookie app.py:4',
      'high auth/cors-any-origin-with-credentials app.py:5',
      'high tls/weak-protocol-version app.py:6',
      'high tls/server-identity-check-disabled app.py:7',
      'medium auth/jwt-signature-unverified app.py:8',
      'medium tls/cleartext-request app.py:9',
      'high config/debug-mode-enabled app.py:11',
      'low tls/weak-protocol-version tests/test_app.py:1',
    ]);
    expect(JSON.stringify(result)).not.toContain(secretKey);
  });
});
