const pattern = /(\d+)/;

export function firstNumber(text: string, prefix: string): string | undefined {
  return pattern.exec(`${prefix}${text}`)?.[1];
}
