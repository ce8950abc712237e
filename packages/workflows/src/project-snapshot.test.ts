import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { snapshotProject } from './project-snapshot.js';

const created: string[] = [];
afterAll(() => Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-snapshot-'));
  created.push(root);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd,
    encoding: 'utf8',
  });

function commitAll(root: string): void {
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'init');
}

const read = (root: string, file: string) => readFile(path.join(root, file), 'utf8');
const exists = (root: string, file: string) =>
  stat(path.join(root, file)).then(
    () => true,
    () => false,
  );

describe('snapshotProject', () => {
  it('finds and undoes changes of a package inside a repository, even committed and staged ones', async () => {
    const repository = await tree({
      'README.md': 'top\n',
      'packages/p/src/a.js': 'a\n',
      'packages/p/src/b.js': 'b\n',
      'packages/p/src/c.js': 'c\n',
      'packages/q/x.js': 'x\n',
    });
    commitAll(repository);
    const root = path.join(repository, 'packages/p');
    const snapshot = await snapshotProject(root);
    expect(snapshot.method).toBe('git');

    await writeFile(path.join(root, 'src/a.js'), 'changed and committed\n');
    git(root, 'commit', '-q', '-am', 'agent commit');
    await writeFile(path.join(root, 'src/b.js'), 'changed and staged\n');
    git(root, 'add', 'src/b.js');
    await rm(path.join(root, 'src/c.js'));
    await writeFile(path.join(root, 'new.txt'), 'new and staged\n');
    git(root, 'add', 'new.txt');
    await writeFile(path.join(repository, 'packages/q/x.js'), 'outside the project\n');
    await mkdir(path.join(root, '.baton'));
    await writeFile(path.join(root, '.baton/log.txt'), "Baton's own state\n");

    const changes = await snapshot.changes();
    expect(changes).toEqual([
      { path: 'new.txt', kind: 'created' },
      { path: 'src/a.js', kind: 'changed' },
      { path: 'src/b.js', kind: 'changed' },
      { path: 'src/c.js', kind: 'changed' },
    ]);
    for (const change of changes) await snapshot.restore(change.path);
    expect([await read(root, 'src/a.js'), await read(root, 'src/b.js')]).toEqual(['a\n', 'b\n']);
    expect(await read(root, 'src/c.js')).toBe('c\n');
    expect(await exists(root, 'new.txt')).toBe(false);
    // The files are back and the agent's staging is undone; its commit stays (history is not
    // rewritten), so against the new HEAD the restored a.js is a staged change.
    expect(git(root, 'status', '--porcelain', '--', 'src', 'new.txt')).toBe(
      'M  packages/p/src/a.js\n',
    );
    expect(git(root, 'diff', '--cached', 'HEAD~1', '--', '.')).toBe('');
    expect(await snapshot.changes()).toEqual([]);
  });

  it("keeps the user's uncommitted work: a dirty file is restored to its dirty content", async () => {
    const root = await tree({ 'a.js': 'committed\n' });
    commitAll(root);
    await writeFile(path.join(root, 'a.js'), "the user's edit\n");
    await writeFile(path.join(root, 'draft.js'), "the user's new file\n");
    const snapshot = await snapshotProject(root);
    await writeFile(path.join(root, 'a.js'), 'the agent rewrote it\n');

    expect(await snapshot.changes()).toEqual([{ path: 'a.js', kind: 'changed' }]);
    await snapshot.restore('a.js');
    expect(await read(root, 'a.js')).toBe("the user's edit\n");
    expect(await read(root, 'draft.js')).toBe("the user's new file\n");
  });

  it('hashes the files when git cannot watch the project, and says why', async () => {
    const plain = await tree({ 'a.js': 'a\n', 'node_modules/m/index.js': 'm\n' });
    const ignoredRepository = await tree({ '.gitignore': 'fixtures/\n', 'fixtures/p/a.js': 'a\n' });
    commitAll(ignoredRepository);
    const empty = await tree({ 'a.js': 'a\n' });
    git(empty, 'init', '-q');

    const cases = [
      [plain, 'SHA-256 of 1 files before and after (not a git work tree)'],
      [
        path.join(ignoredRepository, 'fixtures/p'),
        'SHA-256 of 1 files before and after (the project is ignored by its git repository)',
      ],
      [empty, 'SHA-256 of 1 files before and after (the git repository has no commit yet)'],
    ] as const;
    for (const [root, detail] of cases) {
      const snapshot = await snapshotProject(root);
      expect([snapshot.method, snapshot.detail]).toEqual(['file-hashes', detail]);
      await writeFile(path.join(root, 'a.js'), 'changed\n');
      await writeFile(path.join(root, 'b.js'), 'new\n');
      expect(await snapshot.changes()).toEqual([
        { path: 'a.js', kind: 'changed' },
        { path: 'b.js', kind: 'created' },
      ]);
      await snapshot.restore('a.js');
      await snapshot.restore('b.js');
      expect(await read(root, 'a.js')).toBe('a\n');
      expect(await exists(root, 'b.js')).toBe(false);
    }
  });
});
