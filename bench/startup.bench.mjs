// Start-up time of the bundled `baton` CLI against a bare `node -e 0`: each command is spawned
// RUNS times in a fresh temp folder (no baton.config.json, nothing to read) and the median wall
// time is printed, with Node's compile cache on (the CLI enables it; the first run fills it) and
// off (NODE_DISABLE_COMPILE_CACHE=1, what a machine sees the very first time). Build first
// (`pnpm build`); the target of issue 9 is <= 150 ms for `--help` and `plan` on the 2-core machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BATON_BENCH_RUNS ?? 15);
const TARGET_MS = 150;
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'apps', 'cli', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error(`startup bench: ${cli} is missing; run \`pnpm build\` first`);
  process.exit(1);
}

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'baton --help', args: [cli, '--help'], target: true },
  { name: 'baton --version', args: [cli, '--version'] },
  {
    name: 'baton plan "<task>"',
    args: [cli, 'plan', 'update the API documentation'],
    target: true,
  },
  { name: 'baton plan --json', args: [cli, 'plan', 'update the API documentation', '--json'] },
  { name: 'baton templates list', args: [cli, 'templates', 'list'] },
];

const cwd = mkdtempSync(join(tmpdir(), 'baton-startup-'));
function median(args, env) {
  const times = [];
  for (let index = 0; index < RUNS; index += 1) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
    times.push(performance.now() - started);
    if (result.status !== 0) {
      throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
    }
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

try {
  const cached = { ...process.env };
  delete cached.NODE_DISABLE_COMPILE_CACHE;
  const uncached = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };
  const rows = cases.map(({ name, args, target }) => {
    const warm = median(args, cached);
    const cold = median(args, uncached);
    return {
      command: name,
      'median ms (compile cache)': warm.toFixed(1),
      'median ms (no cache)': cold.toFixed(1),
      target: target ? `<= ${TARGET_MS} ms: ${warm <= TARGET_MS ? 'met' : 'MISSED'}` : '',
    };
  });
  console.log(
    `baton CLI start-up: median of ${RUNS} spawns each, Node ${process.version}, ` +
      `load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`,
  );
  console.table(rows);
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
