// Each publishable package installs on its own: pack every package with pnpm (which rewrites
// workspace: and catalog: versions), then, for each one, install only its tarball and the
// tarballs of the @baton packages it depends on into an empty folder with npm, import it with
// plain Node, check the public names of API.md and that its type declarations are there.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'baton-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);

/** The public names API.md promises, per package. */
const contract = {
  '@baton/core': [
    'Tier',
    'TaskComplexity',
    'TaskDomain',
    'CompositionPattern',
    'BatonError',
    'ValidationError',
    'BatonEmitter',
    'agentCapabilitySchema',
    'resourceRequirementsSchema',
    'agentTemplateSchema',
    'agentSchema',
    'agentResultSchema',
    'strategyResultSchema',
    'taskRequirementsSchema',
    'executionPlanSchema',
    'usageSchema',
  ],
  '@baton/templates': [
    'getTemplate',
    'getAllTemplates',
    'getTemplatesByCapability',
    'getTemplatesByTier',
    'defineTemplate',
    'registerTemplate',
  ],
  '@baton/strategies': [
    'SequentialStrategy',
    'ParallelStrategy',
    'DebateStrategy',
    'TeachingStrategy',
    'RefinementStrategy',
    'AdaptiveStrategy',
    'getStrategy',
    'STRATEGY_REGISTRY',
  ],
  '@baton/meta-orchestrator': ['MetaOrchestrator'],
  '@baton/config-store': ['AgentConfiguration', 'ConfigurationStore', 'PatternLibrary'],
  '@baton/workflows': ['OrchestratedReleasePrepWorkflow', 'TestCoverageBoostWorkflow'],
  '@baton/sdk': ['createBaton'],
};

/** A use of each package that proves it works alone. */
const smoke = {
  '@baton/strategies': `
    const { ParallelStrategy } = m;
    const result = await new ParallelStrategy({ executor: async (agent) => ({ output: agent.id, confidence: 1 }) })
      .execute([{ id: 'a' }, { id: 'b' }], {});
    if (!result.success || result.outputs.length !== 2) throw new Error('parallel run failed');`,
  '@baton/meta-orchestrator': `
    const plan = new m.MetaOrchestrator().analyzeAndCompose('update API documentation');
    if (plan.strategy !== 'teaching' || plan.agents.length !== 2) throw new Error('unexpected plan');`,
  '@baton/templates': `
    if (m.getAllTemplates().length !== 7) throw new Error('expected 7 built-in templates');`,
  // The one entry point runs a task with a plain async function as the executor, in a project of
  // its own (the app folder): a report with the agents' answers, and a recorded outcome.
  '@baton/sdk': `
    const baton = m.createBaton({
      projectDir: process.cwd(),
      env: {},
      executor: async (agent, context) => ({ output: agent.id + ' read ' + context.task, confidence: 0.9 }),
    });
    const run = await baton.run('update API documentation');
    const report = await run.result;
    if (report.status !== 'succeeded' || report.agents.length === 0) throw new Error('run ' + report.status);
    if (report.outcome?.recorded !== true) throw new Error('outcome not recorded');
    await baton.close();`,
};

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true);

const tarballOf = new Map();
for (const { dir, manifest } of packages) {
  const before = new Set(readdirSync(tarballs));
  execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, stdio: 'ignore' });
  const file = readdirSync(tarballs).find((name) => !before.has(name));
  tarballOf.set(manifest.name, join(tarballs, file));
}
const manifestOf = new Map(packages.map(({ manifest }) => [manifest.name, manifest]));

function closure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dependency of Object.keys(manifestOf.get(name).dependencies ?? {})) {
    if (manifestOf.has(dependency)) closure(dependency, seen);
  }
  return seen;
}

let failures = 0;
for (const name of manifestOf.keys()) {
  const app = join(work, name.replace('/', '__'));
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module' }),
  );
  const needed = [...closure(name)].map((dependency) => tarballOf.get(dependency));
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...needed], {
      cwd: app,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const installed = JSON.parse(
      readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'),
    );
    const types = installed.exports?.['.']?.types;
    if (types === undefined || !existsSync(join(app, 'node_modules', name, types))) {
      throw new Error(`no type declarations at exports["."].types (${types})`);
    }
    const names = contract[name] ?? [];
    const script = `
      const m = await import(${JSON.stringify(name)});
      const missing = ${JSON.stringify(names)}.filter((key) => !(key in m));
      if (missing.length > 0) throw new Error('missing exports: ' + missing.join(', '));
      if (Object.keys(m).length === 0) throw new Error('no exports');
      ${smoke[name] ?? ''}
      console.log(${JSON.stringify(name)} + ': ' + Object.keys(m).length + ' exports, installed alone with ' + ${needed.length - 1} + ' @baton dependencies');`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      stdio: 'inherit',
    });
  } catch (error) {
    failures += 1;
    console.error(`${name}: FAILED — ${error.message.split('\n')[0]}`);
  }
}
rmSync(work, { recursive: true, force: true });
if (failures > 0) {
  console.error(`${failures} package(s) do not install and work alone`);
  process.exit(1);
}
console.log(`${manifestOf.size} packages install and work alone`);
