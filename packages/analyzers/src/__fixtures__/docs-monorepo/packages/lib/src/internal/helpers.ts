/** Helps. */
export function helper(): void {}

export function notReExported(): void {}
