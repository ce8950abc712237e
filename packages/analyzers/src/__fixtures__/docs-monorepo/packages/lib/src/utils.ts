export const clamp = (value: number): number => value;

/** Doubles. */
export const double = (value: number): number => value * 2;
