import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const redocly = fileURLToPath(new URL('../../node_modules/.bin/redocly', import.meta.url));

export interface LintResult {
  code: number;
  errors: number;
  warnings: number;
  /** `ruleId at pointer: message`, one per problem of any severity. */
  problems: string[];
}

/** `redocly lint FILE` with its recommended rules, read from its JSON report. */
export async function lint(file: string): Promise<LintResult> {
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(redocly, ['lint', file, '--format=json'], { cwd: root, env, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout: out, stderr: err });
    });
  });
  let report: { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string; message: string; location?: { pointer?: string }[] }[] };
  try {
    report = JSON.parse(stdout) as typeof report;
  } catch {
    throw new Error(`redocly lint exited ${code} without a JSON report.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return {
    code,
    errors: report.totals.errors,
    warnings: report.totals.warnings,
    problems: report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location?.[0]?.pointer ?? '?'}: ${p.message}`),
  };
}
