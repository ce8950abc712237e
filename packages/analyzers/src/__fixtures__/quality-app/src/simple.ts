export function add(a: number, b: number): number {
  return a + b;
}

export const pick = (value: string | undefined): string => value ?? 'none';

export class Box {
  open(flag: boolean): string {
    return flag ? 'open' : 'closed';
  }
}
