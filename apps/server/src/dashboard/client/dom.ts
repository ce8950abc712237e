/** A child of {@link h}: nodes, text, or nothing. */
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element: attributes from `props` (`on...` functions become listeners, booleans
 * toggle the attribute), children as nodes or text (never parsed as HTML).
 */
export function h<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  props: Record<string, string | number | boolean | ((event: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (typeof value === 'boolean') element.toggleAttribute(name, value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
  return element;
}

const shown = new WeakMap<Element, string>();

/** Replaces `target`'s content with `render()` only when `key` changed since the last time. */
export function renderInto(target: Element, key: string, render: () => Child[]): void {
  if (shown.get(target) === key) return;
  shown.set(target, key);
  target.replaceChildren(h('div', {}, ...render()));
}
