import { exec, execSync, spawn } from 'node:child_process';
import https from 'node:https';

export function listFiles(directory: string): void {
  exec(`ls -la ${directory}`);
  execSync('ls -la');
  spawn('sh', ['-c', directory], { shell: false });
}

export function calculate(expression: string): unknown {
  return eval(expression);
}

export const agent = new https.Agent({ rejectUnauthorized: false });

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

export function runScript(name: string): void {
  execSync('node ' + name);
}
