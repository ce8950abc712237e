/** Adds numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

export function subtract(a: number, b: number): number {
  return a - b;
}

/** A shape. */
export interface Shape {
  sides: number;
}

export type Id = string;

export * from './models.js';
export { helper as publicHelper } from './internal/helpers.js';
export { z } from 'zod';

// a line comment is not documentation
export const version = '1.0.0';

/** The default greeter. */
export default class Greeter {}
