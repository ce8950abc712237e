import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  AbortedError,
  type AgentTemplate,
  BatonError,
  BatonErrorCode,
  describeError,
  throwIfAborted,
  ValidationError,
} from '@baton/core';
import { parseTemplates, withSource } from './template-document.js';
import type { TemplateRegistry } from './template-registry.js';

/** Options of {@link loadTemplatesFromFile}. */
export interface LoadTemplatesOptions {
  /** Cancels the read. */
  signal?: AbortSignal;
  /**
   * Also register the templates here, all or none (ids already taken are errors naming the file,
   * unless `override` is set).
   */
  registry?: TemplateRegistry;
  /** With `registry`: replace templates with the same ids. */
  override?: boolean;
}

/**
 * Reads templates from a JSON (`.json`) or YAML (any other extension) file holding one template,
 * a list of templates, or `{ templates: [...] }` (YAML files may also hold several `---`
 * documents, one template each). Keys may be camelCase or snake_case. Every template is
 * validated; errors name the file and the field, e.g.
 * `templates.yaml: [1].role: must be a non-empty string`.
 *
 * This is the only part of the package that touches the file system.
 *
 * @example
 * ```ts
 * const templates = await loadTemplatesFromFile('baton.templates.yaml', {
 *   registry: defaultTemplateRegistry,
 * });
 * ```
 * @returns the validated, deeply frozen templates in file order.
 * @throws ValidationError for bad content (`BATON_VALIDATION`); BatonError `BATON_NOT_FOUND`
 *   when the file does not exist, `BATON_STORAGE` when it cannot be read; AbortedError.
 */
export async function loadTemplatesFromFile(
  path: string,
  options: LoadTemplatesOptions = {},
): Promise<AgentTemplate[]> {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new ValidationError('path', 'must be a non-empty string');
  }
  throwIfAborted(options.signal);
  let text: string;
  try {
    text = await readFile(path, {
      encoding: 'utf8',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (options.signal?.aborted) throw new AbortedError('Reading the template file was aborted');
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new BatonError(BatonErrorCode.NOT_FOUND, `Template file not found: ${path}`, {
        cause: error,
      });
    }
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `Cannot read template file ${path}: ${describeError(error)}`,
      { cause: error },
    );
  }
  const templates = parseTemplates(await parseText(text, path), { source: path });
  if (options.registry !== undefined) {
    try {
      options.registry.registerAll(templates, { override: options.override ?? false });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(withSource(error.issues, path), undefined, { cause: error });
    }
  }
  return templates;
}

/**
 * Parses the file text as JSON or YAML by extension; syntax errors name the file and position.
 * The YAML parser loads with the first YAML file.
 */
async function parseText(text: string, path: string): Promise<unknown> {
  if (extname(path).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ValidationError(`${path}: (document)`, `invalid JSON: ${describeError(error)}`);
    }
  }
  const { parseAllDocuments } = await import('yaml');
  const documents = parseAllDocuments(text);
  const errors = documents.flatMap((document) => document.errors);
  if (errors.length > 0) {
    throw new ValidationError(
      errors.map((error) => ({
        field: `${path}: (document)`,
        message: `invalid YAML: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const values = documents.map((document) => document.toJS() as unknown);
  return values.length === 1 ? values[0] : values;
}
