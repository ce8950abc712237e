import { getAllTemplates, getTemplate } from '@baton/templates';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, formatTable, UsageError, writeJson, writeLine } from '../io.js';

export const templatesCommand: Command = {
  name: 'templates',
  usage: ['Usage: baton templates list [--json]', '       baton templates show <id> [--json]'].join(
    '\n',
  ),
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
    const [action = 'list', id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action === 'list') {
      if (id !== undefined) throw new UsageError(`unexpected argument "${id}"`);
      const templates = getAllTemplates();
      if (values.json) {
        writeJson(io, templates);
        return ExitCode.OK;
      }
      writeLine(
        io.stdout,
        formatTable(
          ['ID', 'ROLE', 'TIER', 'CAPABILITIES'],
          templates.map((template) => [
            template.id,
            template.role,
            template.tierPreference,
            template.capabilities.join(', '),
          ]),
        ),
      );
      return ExitCode.OK;
    }
    if (action === 'show') {
      if (id === undefined) throw new UsageError('templates show needs a template id');
      const template = getTemplate(id);
      if (template === undefined) {
        const known = getAllTemplates()
          .map((candidate) => candidate.id)
          .join(', ');
        throw new UsageError(`unknown template "${id}" (known: ${known})`);
      }
      if (values.json) {
        writeJson(io, template);
        return ExitCode.OK;
      }
      const resources = template.resourceRequirements;
      writeLine(
        io.stdout,
        [
          `${template.id} — ${template.role}`,
          `tier:          ${template.tierPreference}`,
          `capabilities:  ${template.capabilities.join(', ')}`,
          `tools:         ${template.tools.join(', ') || '(none)'}`,
          `quality gates: ${JSON.stringify(template.qualityGates)}`,
          `resources:     tokens ${resources.minTokens}..${resources.maxTokens}, timeout ${resources.timeoutSeconds}s, memory ${resources.memoryMb} MB`,
          '',
          template.defaultInstructions,
        ].join('\n'),
      );
      return ExitCode.OK;
    }
    throw new UsageError(`unknown templates action "${action}" (use list or show)`);
  },
};
