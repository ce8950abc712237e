import { exitCodeFor, formatSecuritySarif, SecurityDeepDiveWorkflow } from '@baton/workflows';

// The fixture has planted problems: a shell command built from a request parameter, a fake AWS
// key, TLS verification off, node-serialize fed from the request, and a critical advisory in a
// recorded `npm audit --json`. Point PROJECT at your own project to check it instead.
const project = process.env.PROJECT ?? 'test/fixtures/security-planted';

// Without an executor the measured evidence and the gates run alone; pass `executor` (a model
// or coding-agent CLI asked for SECURITY_DEEP_DIVE_ANSWER) to run the auditors and the reviewer.
const workflow = new SecurityDeepDiveWorkflow({
  auditFile: 'audit/npm-audit.json',
  noExecutorReason: 'this example runs without a model',
});
const report = await workflow.execute({ path: project });

for (const gate of report.gates) {
  console.log(`${gate.name}: ${gate.actual ?? 'unknown'} (${gate.passed ? 'pass' : 'fail'})`);
}
// Critical Findings: 4 (fail)
// Compliance: 4 (fail)
// Remediation Plan: unknown (fail)
const { evidence } = report.toJSON(); // measured, never from a model
for (const finding of evidence.findings.filter((item) => item.severity === 'critical')) {
  console.log(`${finding.id} ${finding.ruleId} ${finding.file}:${finding.line}`);
}
// E-1 dependency/GHSA-xvch-5gv4-984h package.json:9
// E-2 secret/aws-access-key-id src/config.js:2
// E-3 surface/command-injection src/server.js:12
// E-4 surface/unsafe-deserialization-of-input src/server.js:19
console.log(evidence.surface.counts['http-route']); // 3
console.log(formatSecuritySarif(report).runs[0]?.results.length); // 7
process.exitCode = exitCodeFor(report); // 1
