import { describe, expect, it } from 'vitest';
import { isTestPath, languageOf } from './paths.js';
import { runProcess } from './process.js';
import { listProjectFiles } from './project-files.js';
import { fixturePath, tempProject } from './test-helpers.js';
import { listWorkspacePackages, matchesWorkspaceGlob, pnpmWorkspacePackages } from './workspace.js';

describe('listProjectFiles', () => {
  it('walks a directory that is not a git repository, skipping generated folders', async () => {
    const project = await tempProject();
    try {
      for (const file of [
        'src/a.ts',
        'README.md',
        'node_modules/x/index.js',
        'dist/a.js',
        'build/b.js',
        'coverage/lcov.info',
        'vendor/v.js',
        'lib/deep/c.py',
      ]) {
        await project.write(file, 'x');
      }
      const listed = await listProjectFiles(project.root);
      expect(listed.source).toBe('walk');
      expect(listed.files).toEqual(['README.md', 'lib/deep/c.py', 'src/a.ts']);
    } finally {
      await project.cleanup();
    }
  });

  it('uses git ls-files inside a git work tree, leaving ignored files out', async () => {
    const project = await tempProject();
    try {
      await project.write('.gitignore', 'secret-notes.txt\n');
      await project.write('secret-notes.txt', 'x');
      await project.write('src/a.ts', 'x');
      await project.write('dist/kept-because-not-ignored.js', 'x');
      const init = await runProcess('git', ['init', '-q'], { cwd: project.root });
      expect(init.exitCode).toBe(0);
      const listed = await listProjectFiles(project.root);
      expect(listed.source).toBe('git');
      expect(listed.files).toEqual(['.gitignore', 'dist/kept-because-not-ignored.js', 'src/a.ts']);
    } finally {
      await project.cleanup();
    }
  });

  it("leaves out Baton's own state in .baton/, walking and with git", async () => {
    const project = await tempProject();
    try {
      await project.write('src/a.ts', 'x');
      await project.write('.baton/compositions/release_prep.json', '{}');
      await project.write('.baton/runs/r1/run.json', '{}');
      expect((await listProjectFiles(project.root)).files).toEqual(['src/a.ts']);
      expect((await runProcess('git', ['init', '-q'], { cwd: project.root })).exitCode).toBe(0);
      const listed = await listProjectFiles(project.root);
      expect(listed.source).toBe('git');
      expect(listed.files).toEqual(['src/a.ts']);
    } finally {
      await project.cleanup();
    }
  });

  it('lists a sub-directory of a repository relative to that directory', async () => {
    const listed = await listProjectFiles(fixturePath('coverage-js'));
    expect(listed.source).toBe('git');
    expect(listed.files).toContain('src/math.ts');
  });

  it('rejects a root that is not a directory', async () => {
    await expect(listProjectFiles('/definitely/not/here')).rejects.toThrow(
      /^root: is not a directory/,
    );
  });
});

describe('workspace discovery', () => {
  it('reads pnpm-workspace.yaml package globs', () => {
    expect(
      pnpmWorkspacePackages("packages:\n  - 'packages/*'\n  - apps/** # apps\ncatalog:\n  x: 1\n"),
    ).toEqual(['packages/*', 'apps/**']);
  });

  it('matches workspace globs', () => {
    expect(matchesWorkspaceGlob('packages/core', 'packages/*')).toBe(true);
    expect(matchesWorkspaceGlob('packages/core/sub', 'packages/*')).toBe(false);
    expect(matchesWorkspaceGlob('apps/web/site', 'apps/**')).toBe(true);
    expect(matchesWorkspaceGlob('tools', './tools')).toBe(true);
  });

  it('lists the root and each workspace package', async () => {
    const root = fixturePath('coverage-monorepo');
    const { files } = await listProjectFiles(root);
    const packages = await listWorkspacePackages(root, files);
    expect(packages.map((item) => [item.name, item.directory])).toEqual([
      ['coverage-monorepo-fixture', '.'],
      ['@fixture/a', 'packages/a'],
      ['@fixture/b', 'packages/b'],
    ]);
  });
});

describe('path classification', () => {
  it('recognises test code and fixtures', () => {
    expect(isTestPath('src/__fixtures__/keys.txt')).toBe(true);
    expect(isTestPath('test/unit/a.ts')).toBe(true);
    expect(isTestPath('src/a.test.ts')).toBe(true);
    expect(isTestPath('pkg/test_api.py')).toBe(true);
    expect(isTestPath('src/contest.ts')).toBe(false);
    expect(isTestPath('src/config.ts')).toBe(false);
  });

  it('knows the languages it parses', () => {
    expect(['a.ts', 'a.tsx', 'a.mjs', 'a.cts', 'a.jsx', 'a.py', 'a.md'].map(languageOf)).toEqual([
      'ts',
      'tsx',
      'js',
      'ts',
      'jsx',
      'python',
      undefined,
    ]);
  });
});
