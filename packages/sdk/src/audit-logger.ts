import type { Logger } from '@baton/core';
import type { AuditLog } from '@baton/runtime';

/** A logger for the executors that also records their own retries and CLI fallbacks. */
export interface AuditingLogger extends Logger {
  /** Resolves when every audit entry written so far is on disk. */
  flush(): Promise<void>;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Wraps the logger handed to the executors so that the retries a model executor makes itself
 * (a 429 waited out per `Retry-After`, a dropped connection) and the moves along an agent CLI
 * chain reach `.baton/audit.jsonl` with the run's other decisions. The runtime only sees the
 * attempt they belong to; without this the audit log would not show them.
 */
export function auditingLogger(
  logger: Logger,
  audit: AuditLog | undefined,
  runId: string,
): AuditingLogger {
  const writes = new Set<Promise<unknown>>();
  const append = (entry: Parameters<AuditLog['append']>[0]): void => {
    if (audit === undefined) return;
    const write = audit.append(entry).catch(() => undefined);
    writes.add(write);
    void write.finally(() => writes.delete(write));
  };
  return {
    debug: (message, data) => logger.debug(message, data),
    info: (message, data) => logger.info(message, data),
    error: (message, data) => logger.error(message, data),
    warn(message, data) {
      logger.warn(message, data);
      const agentId = text(data?.agentId);
      if (typeof data?.delayMs === 'number' && typeof data.attempt === 'number') {
        const status = text(data.status);
        append({
          type: 'retry',
          runId,
          agentId,
          message: `agent ${agentId ?? 'unknown'}: model call retry ${data.attempt} in ${data.delayMs} ms${status === undefined ? '' : ` after HTTP ${status}`} (${text(data.model) ?? 'model unknown'})`,
          data,
        });
      } else if (typeof data?.cli === 'string' && typeof data.outcome === 'string') {
        append({
          type: 'fallback',
          runId,
          agentId,
          message: `agent ${agentId ?? 'unknown'}: agent CLI ${data.cli} failed (${data.outcome}: ${text(data.reason) ?? 'no reason given'}); the next CLI of the chain runs`,
          data,
        });
      }
    },
    async flush() {
      await Promise.all([...writes]);
    },
  };
}
