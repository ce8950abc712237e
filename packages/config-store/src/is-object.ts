/** True for an object that is not null and not an array (what options, filters and records must be). */
export function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
