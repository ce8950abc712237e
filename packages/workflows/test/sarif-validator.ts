import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import { fixturePath } from './helpers.js';

/** A validator for the OASIS SARIF 2.1.0 JSON schema in `fixtures/sarif`, with its last errors. */
export async function loadSarifValidator(): Promise<{
  validate: (data: unknown) => boolean;
  errors: () => unknown;
}> {
  const schema = JSON.parse(
    await readFile(path.join(fixturePath('sarif'), 'sarif-2.1.0-rtm.5.json'), 'utf8'),
  ) as Record<string, unknown>;
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    unicodeRegExp: false,
    validateFormats: false,
  });
  const compiled = ajv.compile(schema);
  return { validate: (data) => compiled(data) as boolean, errors: () => compiled.errors };
}
