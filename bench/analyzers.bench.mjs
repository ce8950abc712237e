// Static analyses of @baton/analyzers (security scan, quality, documentation, on one shared
// project index) on real source code installed under node_modules/.pnpm, copied into temporary
// folders that are not git repositories. Two corpora:
//   typescript-sources  every .ts/.tsx/.mts/.cts file that is not a declaration file (hand-written
//                       sources, ~5 KB a file: what a project looks like), plus each package.json
//   all-js-ts           every JS/TS file that is not a declaration file, including built bundles
//                       (a stress test: ~50 KB a file)
// Prints files/s and total time per analysis. Run: pnpm bench analyzers
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  analyzeDocumentation,
  analyzeQuality,
  createProjectIndex,
  scanSecurity,
} from '@baton/analyzers';

const store = fileURLToPath(new URL('../node_modules/.pnpm', import.meta.url));
const DECLARATION = /\.d\.[cm]?ts$/;
const corpora = {
  'typescript-sources': /\.[cm]?tsx?$/,
  'all-js-ts': /\.[cm]?[jt]sx?$/,
};

async function collect(directory, pattern, out) {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) await collect(full, pattern, out);
    else if (
      entry.isFile() &&
      (entry.name === 'package.json' || (pattern.test(entry.name) && !DECLARATION.test(entry.name)))
    ) {
      out.push(full);
    }
  }
}

// Wall time, and the CPU time of this process (user + system).
const clock = () => ({ wall: performance.now(), cpu: process.cpuUsage() });
const line = (label, count, { wall, cpu }) => {
  console.log(
    `  ${label.padEnd(36)} ${wall.toFixed(2).padStart(6)} s ${Math.round(count / wall)
      .toString()
      .padStart(7)} files/s   (cpu ${cpu.toFixed(2)} s)`,
  );
};

console.log(`machine: ${cpus().length} cores, node ${process.version}`);
for (const [name, pattern] of Object.entries(corpora)) {
  const files = [];
  await collect(store, pattern, files);
  const root = await mkdtemp(path.join(tmpdir(), `baton-analyzers-bench-${name}-`));
  let bytes = 0;
  try {
    for (const file of files) {
      // node_modules would be skipped by the file walk: rename it in the copy.
      const relative = path
        .relative(store, file)
        .split(path.sep)
        .join('/')
        .replace(/\/node_modules\//g, '/nm/');
      const target = path.join(root, 'pkgs', relative);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(file, target);
      bytes += (await stat(target)).size;
    }
    await writeFile(
      path.join(root, 'package.json'),
      JSON.stringify({ private: true, workspaces: ['pkgs/**'] }),
    );
    const sources = (await createProjectIndex({ root })).files.filter(
      (file) => file.language !== undefined,
    ).length;
    console.log(`\n${name}: ${sources} source files, ${(bytes / 1e6).toFixed(1)} MB`);

    // Three runs; the fastest is printed step by step (the machine may be shared), all totals after.
    const runs = [];
    for (let run = 0; run < 3; run++) {
      const steps = [];
      const step = async (label, work) => {
        const start = clock();
        const value = await work();
        const used = process.cpuUsage(start.cpu);
        steps.push({
          label,
          wall: (performance.now() - start.wall) / 1000,
          cpu: (used.user + used.system) / 1e6,
        });
        return value;
      };
      const index = await step('list + read (createProjectIndex)', () =>
        createProjectIndex({ root }),
      );
      const security = await step('security (parse, secrets, patterns)', () =>
        scanSecurity({ root, index }),
      );
      const quality = await step('quality (shared AST, duplication)', () =>
        analyzeQuality({ root, index, runLint: false }),
      );
      const documentation = await step('documentation (entry points)', () =>
        analyzeDocumentation({ root, index }),
      );
      const total = steps.reduce(
        (sum, item) => ({ wall: sum.wall + item.wall, cpu: sum.cpu + item.cpu }),
        { wall: 0, cpu: 0 },
      );
      // Keep only the figures: holding three indexes of the corpus would skew later runs.
      runs.push({
        steps,
        total,
        parseFailures: index.parseFailures.length,
        summaries: [security.summary, quality.summary, documentation.summary],
      });
    }
    const best = runs.reduce((a, b) => (b.total.wall < a.total.wall ? b : a));
    for (const item of best.steps) line(item.label, sources, item);
    line('total static analyses', sources, best.total);
    console.log(
      `  totals of the 3 runs: ${runs.map((run) => `${run.total.wall.toFixed(2)} s`).join(', ')}`,
    );
    console.log(`  parse failures: ${best.parseFailures}`);
    console.log(`  security: ${best.summaries[0]}`);
    console.log(`  quality: ${best.summaries[1]}`);
    console.log(`  documentation: ${best.summaries[2]}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
