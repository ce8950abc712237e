import { afterEach, describe, expect, it } from 'vitest';
import { type AttackSurface, attackSurfaceSchema, mapAttackSurface } from './attack-surface.js';
import { cweForRule } from './rule-cwe.js';
import { type TempProject, tempProject } from './test-helpers.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

async function surfaceOf(files: Record<string, string>): Promise<AttackSurface> {
  project = await tempProject();
  for (const [file, text] of Object.entries(files)) await project.write(file, text);
  const surface = await mapAttackSurface({ root: project.root });
  expect(attackSurfaceSchema.parse(surface)).toEqual(surface);
  return surface;
}

const brief = (surface: AttackSurface) =>
  surface.items.map((item) => `${item.kind} ${item.name} ${item.file}:${item.line}`);

const EXPRESS_APP = `import { exec, execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import https from 'node:https';
import express from 'express';

const app = express();
app.get('/convert', (req, res) => {
  exec(\`convert \${req.query.file} out.png\`);
  res.send('ok');
});
app.post('/upload/:name', async (req, res) => {
  const { name } = req.params;
  await writeFile(\`uploads/\${name}\`, req.body.data);
  execFile('gzip', [name]);
});
app.get('/proxy', (req, res) => {
  https.get(req.query.url, (upstream) => upstream.pipe(res));
});
router.route('/items').get(listItems).post(createItem);
const pattern = /x/;
pattern.exec('y');
app.listen(Number(process.env.PORT ?? 3000));
`;

describe('mapAttackSurface on JavaScript', () => {
  it('lists routes, servers, sinks and user input with file and line', async () => {
    const surface = await surfaceOf({ 'src/server.js': EXPRESS_APP });
    expect(brief(surface)).toEqual([
      'http-server express() src/server.js:6',
      'http-route GET /convert src/server.js:7',
      'child-process exec src/server.js:8',
      'user-input req.query.file src/server.js:8',
      'http-route POST /upload/:name src/server.js:11',
      'user-input req.params src/server.js:12',
      'file-write writeFile src/server.js:13',
      'user-input req.body.data src/server.js:13',
      'child-process execFile src/server.js:14',
      'http-route GET /proxy src/server.js:16',
      'outbound-request https.get src/server.js:17',
      'user-input req.query.url src/server.js:17',
      'http-route POST /items src/server.js:19',
      'http-route GET /items src/server.js:19',
      'user-input process.env.PORT src/server.js:22',
    ]);
    const exec = surface.items.find((item) => item.name === 'exec');
    expect(exec).toMatchObject({
      shell: true,
      inputs: [{ expression: 'req.query.file', source: 'http-request' }],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the evidence is the source line itself
      evidence: 'exec(`convert ${req.query.file} out.png`);',
    });
    // A variable destructured from the request carries the input to the sinks that use it.
    expect(surface.items.find((item) => item.name === 'writeFile')?.inputs).toEqual([
      { expression: 'name', source: 'http-request' },
      { expression: 'req.body.data', source: 'http-request' },
    ]);
    expect(surface.items.find((item) => item.name === 'execFile')).toMatchObject({ shell: false });
    const routes = surface.items.filter((item) => item.kind === 'http-route');
    expect(routes.map((item) => item.handler)).toEqual([
      'inline function',
      'inline function',
      'inline function',
      'createItem',
      'listItems',
    ]);
    expect(surface.counts).toEqual({
      'http-route': 5,
      'http-server': 1,
      'child-process': 2,
      'file-write': 1,
      deserialization: 0,
      'outbound-request': 1,
      'user-input': 5,
    });
  });

  it('flags request input reaching a shell, a written path and an outbound URL, with CWEs', async () => {
    const surface = await surfaceOf({ 'src/server.js': EXPRESS_APP });
    expect(
      surface.findings.map((finding) => [
        finding.ruleId,
        finding.severity,
        finding.line,
        cweForRule(finding.ruleId),
      ]),
    ).toEqual([
      ['surface/command-injection', 'critical', 8, 'CWE-78'],
      ['surface/path-traversal', 'high', 13, 'CWE-22'],
      ['surface/server-side-request-forgery', 'high', 17, 'CWE-918'],
    ]);
    expect(surface.findings[0]!.message).toBe(
      'Request input reaches a command that runs in a shell (req.query.file)',
    );
    // execFile without a shell, given the request value as an argument, is not command injection.
    expect(surface.findings.some((finding) => finding.line === 14)).toBe(false);
  });

  it('knows koa, hono and fastify request objects, node:http servers and deserialisers', async () => {
    const surface = await surfaceOf({
      'src/koa.ts': `import Koa from 'koa';
import serialize from 'node-serialize';
const app = new Koa();
app.use(async (ctx) => {
  const profile = serialize.unserialize(ctx.request.body.profile);
  ctx.body = JSON.parse(ctx.query.filter as string);
});
`,
      'src/hono.ts': `import { Hono } from 'hono';
const app = new Hono();
app.get('/users/:id', async (c) => c.json(await fetch(\`https://api.internal/\${c.req.param('id')}\`)));
`,
      'src/fastify.js': `import Fastify from 'fastify';
const fastify = Fastify();
fastify.route({ method: ['GET', 'HEAD'], url: '/health', handler: health });
`,
      'src/raw.js': `const http = require('http');
const { spawn } = require('child_process');
http.createServer((req, res) => {
  req.on('data', () => {});
  spawn(process.argv[2], { shell: true });
}).listen(8080);
`,
    });
    expect(brief(surface)).toEqual(
      [
        'http-route GET,HEAD /health src/fastify.js:3',
        'http-server Fastify() src/fastify.js:2',
        'http-server new Hono() src/hono.ts:2',
        'http-route GET /users/:id src/hono.ts:3',
        'outbound-request fetch src/hono.ts:3',
        'user-input c.req.param src/hono.ts:3',
        'http-server new Koa() src/koa.ts:3',
        'deserialization serialize.unserialize src/koa.ts:5',
        'user-input ctx.request.body.profile src/koa.ts:5',
        'deserialization JSON.parse src/koa.ts:6',
        'user-input ctx.query.filter src/koa.ts:6',
        'http-server http.createServer src/raw.js:3',
        'user-input req (request body stream) src/raw.js:4',
        'child-process spawn src/raw.js:5',
        'user-input process.argv src/raw.js:5',
      ].sort(byFile),
    );
    expect(
      surface.findings.map((finding) => `${finding.ruleId} ${finding.file}:${finding.line}`),
    ).toEqual([
      'surface/server-side-request-forgery src/hono.ts:3',
      'surface/unsafe-deserialization-of-input src/koa.ts:5',
    ]);
    // Command-line input reaching a shell is in the inventory, but only request input is a finding.
    expect(surface.items.find((item) => item.name === 'spawn')).toMatchObject({
      shell: true,
      inputs: [{ expression: 'process.argv', source: 'command-line' }],
    });
  });

  it('keeps findings in test code at low severity', async () => {
    const surface = await surfaceOf({
      'test/server.test.js': `import { exec } from 'node:child_process';\napp.get('/x', (req) => exec('ls ' + req.query.dir));\n`,
    });
    expect(surface.findings).toMatchObject([
      { ruleId: 'surface/command-injection', severity: 'low', testFixture: true },
    ]);
    expect(surface.items.every((item) => item.testFixture)).toBe(true);
  });
});

describe('mapAttackSurface on Python', () => {
  it('lists Flask routes with their functions, sinks and inputs, and flags request input in a shell', async () => {
    const surface = await surfaceOf({
      'app.py': `import os, pickle, subprocess, sys
import requests
from flask import Flask, request

app = Flask(__name__)

@app.route("/run", methods=["POST"])
def run():
    target = request.form["target"]
    subprocess.run("ping " + target, shell=True)  # request.args in a comment is ignored
    return pickle.loads(request.data)

@app.get("/fetch")
async def fetch():
    with open(f"cache/{request.args['key']}", "w") as out:
        out.write(requests.get(request.args["url"]).text)

if __name__ == "__main__":
    print(sys.argv[1], os.environ.get("HOME"))
`,
    });
    expect(brief(surface)).toEqual([
      'http-server Flask() app.py:5',
      'http-route POST /run app.py:7',
      'user-input request.form app.py:9',
      'child-process subprocess.run app.py:10',
      'deserialization pickle.loads app.py:11',
      'user-input request.data app.py:11',
      'http-route GET /fetch app.py:13',
      'file-write open app.py:15',
      'user-input request.args app.py:15',
      'outbound-request requests.get app.py:16',
      'user-input request.args app.py:16',
      'user-input sys.argv app.py:19',
      'user-input os.environ app.py:19',
    ]);
    expect(
      surface.items.filter((item) => item.kind === 'http-route').map((item) => item.handler),
    ).toEqual(['run', 'fetch']);
    expect(surface.findings.map((finding) => `${finding.ruleId}:${finding.line}`)).toEqual([
      'surface/command-injection:10',
      'surface/unsafe-deserialization-of-input:11',
      'surface/path-traversal:15',
      'surface/server-side-request-forgery:16',
    ]);
    expect(surface.findings[0]!.message).toContain('(target)');
  });
});

function byFile(a: string, b: string): number {
  const file = (entry: string) => entry.split(' ').at(-1)!.split(':');
  const [fileA, lineA] = file(a);
  const [fileB, lineB] = file(b);
  return fileA!.localeCompare(fileB!) || Number(lineA) - Number(lineB);
}
