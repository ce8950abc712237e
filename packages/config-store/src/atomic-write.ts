import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Suffix of the temp files {@link writeFileAtomic} creates (and removes). */
export const TEMP_SUFFIX = '.tmp';

/**
 * Writes `text` to `file` so that readers see either the old or the new content, never a torn
 * one: the text goes to a uniquely named temp file in the same directory (`.<name>.<pid>.<random>.tmp`),
 * is flushed to disk with fsync, and is renamed over the target. The temp file is removed when
 * anything fails. The directory must exist.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const directory = path.dirname(file);
  const temp = path.join(
    directory,
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(directory);
}

/** Flushes the directory entry of a rename to disk; not possible (nor needed) on Windows. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is already atomic.
  }
}
