import { expect, test } from 'vitest';
import { add, clamp, divide } from '../src/math';
import { shout } from '../src/strings';

test('add', () => {
  expect(add(1, 2)).toBe(3);
});

test('divide', () => {
  expect(divide(6, 3)).toBe(2);
});

test('clamp inside', () => {
  expect(clamp(5, 0, 10)).toBe(5);
});

test('shout', () => {
  expect(shout('hi')).toBe('HI!');
});
