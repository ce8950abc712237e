/**
 * What a command opened that would keep the process alive (the queue's Redis connections, a
 * PostgreSQL pool): closed by `runCli` when the command is done. A module of its own, so that
 * `baton --help` loads nothing more for it.
 */
const closers = new Set<() => Promise<void>>();

/** Registers something to close when the command is done. */
export function closeWhenDone(close: () => Promise<void>): void {
  closers.add(close);
}

/** Closes everything registered (failures ignored: the command's result is what counts). */
export async function closeAll(): Promise<void> {
  const closing = [...closers].map((close) => close());
  closers.clear();
  await Promise.allSettled(closing);
}
