export function ignoredBecauseTest(a: number): number {
  if (a) return 1;
  if (a > 1) return 2;
  return 3;
}
