/**
 * Freezes a value and everything reachable from it (plain objects and arrays), so that shared
 * data such as built-in templates cannot be changed by one caller behind another's back.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return Object.freeze(value);
}
