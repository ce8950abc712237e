import {
  exitCodeFor,
  formatMarkdown,
  formatSarif,
  OrchestratedReleasePrepWorkflow,
} from '@baton/workflows';

// The fixture in this package has planted facts: 3 critical issues, 79.62% coverage, 3 of 6
// exported functions documented. Point PROJECT at your own project to check it instead.
const project = process.env.PROJECT ?? 'test/fixtures/release-blocked';

const workflow = new OrchestratedReleasePrepWorkflow({
  qualityGates: { min_coverage: 80, max_critical_issues: 0 },
  auditFile: 'audit/npm-audit.json', // a recorded `npm audit --json`, relative to the project
  store: false, // keep no composition history for this example
  runtime: false, // and no run record in <project>/.baton/runs (the check runs in memory)
});
const report = await workflow.execute({ path: project });

console.log(report.approved, report.confidence); // false low
for (const gate of report.qualityGates) {
  console.log(`${gate.name}: ${gate.actual ?? 'unknown'} (${gate.passed ? 'pass' : 'fail'})`);
}
// Security: 3 (fail)
// Test Coverage: 79.62 (fail)
// Code Quality: 10 (pass)
// Documentation: 50 (fail)
console.log(report.blockers.length, report.warnings.length); // 2 2

const sarif = formatSarif(report); // for code scanning
console.log(sarif.runs[0]?.results.length); // 10
const markdown = formatMarkdown(report); // for a pull-request comment
console.log(markdown.split('\n')[0]); // ## ❌ Release readiness: NOT READY
process.exitCode = exitCodeFor(report); // 1
