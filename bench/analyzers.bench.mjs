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
    else if (entry.isFile() && (entry.name === 'package.json' || (pattern.test(entry.name) && !DECLARATION.test(entry.name)))) {
      out.push(full);
    }
  }
}

const seconds = (start) => (performance.now() - start) / 1000;
const line = (label, count, time) =>
  console.log(
    `  ${label.padEnd(36)} ${time.toFixed(2).padStart(6)} s ${Math.round(count / time).toString().padStart(7)} files/s`,
  );

console.log(`machine: ${cpus().length} cores, node ${process.version}`);
for (const [name, pattern] of Object.entries(corpora)) {
  const files = [];
  await collect(store, pattern, files);
  const root = await mkdtemp(path.join(tmpdir(), `baton-analyzers-bench-${name}-`));
  let bytes = 0;
  try {
    for (const file of files) {
      // node_modules would be skipped by the file walk: rename it in the copy.
      const relative = path.relative(store, file).split(path.sep).join('/').replace(/\/node_modules\//g, '/nm/');
      const target = path.join(root, 'pkgs', relative);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(file, target);
      bytes += (await stat(target)).size;
    }
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ private: true, workspaces: ['pkgs/**'] }));
    const index0 = await createProjectIndex({ root });
    const sources = index0.files.filter((file) => file.language !== undefined).length;
    console.log(`\n${name}: ${sources} source files, ${(bytes / 1e6).toFixed(1)} MB`);

    const started = performance.now();
    let start = performance.now();
    const index = await createProjectIndex({ root });
    line('list + read (createProjectIndex)', sources, seconds(start));
    start = performance.now();
    const security = await scanSecurity({ root, index });
    line('security (parse, secrets, patterns)', sources, seconds(start));
    start = performance.now();
    const quality = await analyzeQuality({ root, index, runLint: false });
    line('quality (shared AST, duplication)', sources, seconds(start));
    start = performance.now();
    const documentation = await analyzeDocumentation({ root, index });
    line('documentation (entry points)', sources, seconds(start));
    line('total static analyses', sources, seconds(started));
    console.log(`  parse failures: ${index.parseFailures.length}`);
    console.log(`  security: ${security.summary}`);
    console.log(`  quality: ${quality.summary}`);
    console.log(`  documentation: ${documentation.summary}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
