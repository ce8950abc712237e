import { analyzeProject } from '@baton/analyzers';

/** Measures a project the way Baton's release check does and returns one line per gate. */
export async function readiness(root: string): Promise<string[]> {
  const { coverage, security, quality, documentation } = await analyzeProject({
    root,
    security: { runAudit: false }, // pass runAudit: true to ask the package manager's audit
    quality: { runLint: true },
  });
  return [
    `coverage: ${coverage.status === 'measured' ? `${coverage.lineCoverage}%` : coverage.summary}`,
    `critical security issues: ${security.criticalCount} (${security.warnings.join('; ') || 'no warnings'})`,
    `quality: ${quality.status === 'measured' ? `${quality.score}/10` : quality.summary}`,
    `documented public API: ${documentation.status === 'measured' ? `${documentation.percent}%` : documentation.summary}`,
  ];
}

if (process.argv[1]?.endsWith('readiness.ts')) {
  for (const line of await readiness(process.argv[2] ?? '.')) console.log(line);
}
