import {
  type AgentTemplate,
  type AgentTemplateInput,
  TIERS,
  type Tier,
  ValidationError,
} from '@baton/core';
import { BUILT_IN_TEMPLATES } from './built-in-templates.js';
import { defineTemplate } from './define-template.js';

/** Options of {@link TemplateRegistry}. */
export interface TemplateRegistryOptions {
  /** Start with the seven built-in templates (default `true`). */
  builtIns?: boolean;
  /** Further templates to register after the built-ins, validated like {@link TemplateRegistry.register}. */
  templates?: readonly AgentTemplateInput[];
}

/** Options of {@link TemplateRegistry.register}. */
export interface RegisterTemplateOptions {
  /**
   * Replace a template that is already registered under the same id (built-in or not). The
   * replacement keeps the original's position in {@link TemplateRegistry.getAll}. Default `false`:
   * registering a taken id is a `ValidationError` naming `id`.
   */
  override?: boolean;
}

/**
 * An ordered set of templates keyed by id. Lookups never throw: an unknown id, capability or
 * tier gives `undefined` or an empty list. Every template it holds is validated and deeply
 * frozen; the lists it returns are fresh arrays the caller may change.
 *
 * The package's free functions (`getTemplate`, `registerTemplate`, ...) work on
 * {@link defaultTemplateRegistry}; create your own registry for an isolated set.
 *
 * @example
 * ```ts
 * const registry = new TemplateRegistry();
 * registry.register({
 *   id: 'sql_reviewer',
 *   role: 'SQL Reviewer',
 *   capabilities: ['query_review'],
 *   tierPreference: 'CHEAP',
 *   defaultInstructions: 'Review SQL queries for correctness and performance.',
 * });
 * registry.getByCapability('query_review'); // [sql_reviewer]
 * ```
 */
export class TemplateRegistry {
  readonly #templates = new Map<string, AgentTemplate>();

  /** @throws ValidationError naming `options`, `builtIns` or a template's field (see {@link TemplateRegistry.registerAll}). */
  constructor(options: TemplateRegistryOptions = {}) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ValidationError('options', 'must be an object');
    }
    if (options.builtIns !== undefined && typeof options.builtIns !== 'boolean') {
      throw new ValidationError('builtIns', 'must be a boolean');
    }
    if (options.builtIns ?? true) {
      for (const template of BUILT_IN_TEMPLATES) this.#templates.set(template.id, template);
    }
    if (options.templates !== undefined) this.registerAll(options.templates);
  }

  /** The template with this id, or `undefined`. */
  get(id: string): AgentTemplate | undefined {
    return typeof id === 'string' ? this.#templates.get(id) : undefined;
  }

  /** Whether a template with this id is registered. */
  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Every template, built-ins first, then in registration order. */
  getAll(): AgentTemplate[] {
    return [...this.#templates.values()];
  }

  /** Templates that list the capability (exact name), in registry order. */
  getByCapability(name: string): AgentTemplate[] {
    if (typeof name !== 'string') return [];
    return this.getAll().filter((template) => template.capabilities.includes(name));
  }

  /**
   * Templates that prefer the tier, in registry order. The tier name is matched
   * case-insensitively (`"cheap"` finds CHEAP templates); an unknown tier gives `[]`.
   */
  getByTier(tier: Tier | string): AgentTemplate[] {
    if (typeof tier !== 'string') return [];
    const wanted = tier.toUpperCase();
    if (!TIERS.includes(wanted as Tier)) return [];
    return this.getAll().filter((template) => template.tierPreference === wanted);
  }

  /**
   * Validates a template (see `defineTemplate`) and adds it. Returns the stored, frozen template.
   *
   * @throws ValidationError naming the offending field, or `id` when the id is taken and
   *   `override` is not set.
   */
  register(template: AgentTemplateInput, options: RegisterTemplateOptions = {}): AgentTemplate {
    const [defined] = this.registerAll([template], options);
    return defined!;
  }

  /**
   * Validates every template first and adds them all, or none when any is invalid or its id is
   * taken (or repeated in the list). Error fields are prefixed with the list index, e.g.
   * `[1].role`.
   */
  registerAll(
    templates: readonly AgentTemplateInput[],
    options: RegisterTemplateOptions = {},
  ): AgentTemplate[] {
    if (!Array.isArray(templates)) throw new ValidationError('templates', 'must be a list');
    const single = templates.length === 1;
    const seen = new Map<string, number>();
    const defined = templates.map((input, index) => {
      const label = single ? undefined : `[${index}]`;
      const template = defineTemplate(input, label === undefined ? {} : { label });
      const field = label === undefined ? 'id' : `${label}.id`;
      const earlier = seen.get(template.id);
      if (earlier !== undefined) {
        throw new ValidationError(field, `duplicate id "${template.id}" (also at [${earlier}])`);
      }
      seen.set(template.id, index);
      if (options.override !== true && this.#templates.has(template.id)) {
        throw new ValidationError(
          field,
          `a template "${template.id}" is already registered; pass { override: true } to replace it`,
        );
      }
      return template;
    });
    for (const template of defined) this.#templates.set(template.id, template);
    return defined;
  }

  /** Removes a template (built-ins too). Returns whether one was removed. */
  unregister(id: string): boolean {
    return this.#templates.delete(id);
  }
}

/** The registry behind the package's free functions (starts with the seven built-ins). */
export const defaultTemplateRegistry: TemplateRegistry = new TemplateRegistry();

/**
 * The template with this id from {@link defaultTemplateRegistry}, or `undefined`.
 *
 * @example
 * ```ts
 * getTemplate('test_coverage_analyzer')?.role; // "Test Coverage Expert"
 * getTemplate('nope'); // undefined
 * ```
 */
export function getTemplate(id: string): AgentTemplate | undefined {
  return defaultTemplateRegistry.get(id);
}

/** Every template of {@link defaultTemplateRegistry}, built-ins first. */
export function getAllTemplates(): AgentTemplate[] {
  return defaultTemplateRegistry.getAll();
}

/** Templates of {@link defaultTemplateRegistry} that have the capability; `[]` when none. */
export function getTemplatesByCapability(name: string): AgentTemplate[] {
  return defaultTemplateRegistry.getByCapability(name);
}

/** Templates of {@link defaultTemplateRegistry} that prefer the tier; `[]` for an unknown tier. */
export function getTemplatesByTier(tier: Tier | string): AgentTemplate[] {
  return defaultTemplateRegistry.getByTier(tier);
}

/**
 * Validates a template and adds it to {@link defaultTemplateRegistry}. A taken id (a built-in's
 * or an earlier registration's) is an error unless `{ override: true }` is passed.
 *
 * @example
 * ```ts
 * registerTemplate({
 *   id: 'sql_reviewer',
 *   role: 'SQL Reviewer',
 *   capabilities: ['query_review'],
 *   tierPreference: 'CHEAP',
 *   defaultInstructions: 'Review SQL queries for correctness and performance.',
 * });
 * ```
 * @throws ValidationError naming the offending field.
 */
export function registerTemplate(
  template: AgentTemplateInput,
  options: RegisterTemplateOptions = {},
): AgentTemplate {
  return defaultTemplateRegistry.register(template, options);
}
