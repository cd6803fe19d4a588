// Fails when src/db/schema and the migrations in drizzle/ disagree: drizzle-kit must find nothing
// to generate on a clean tree. Anything it generates is removed again.
import { execFileSync } from 'node:child_process';

const status = () =>
  execFileSync('git', ['status', '--porcelain', '--untracked-files=all', 'drizzle'], { encoding: 'utf8' }).trim();
if (status() !== '') {
  console.error(`drizzle/ has uncommitted changes; commit them before checking.\n${status()}`);
  process.exit(1);
}
const output = execFileSync('npx', ['drizzle-kit', 'generate', '--name', 'drift_check'], { encoding: 'utf8' });
const drift = status();
if (drift !== '') {
  execFileSync('git', ['checkout', '--', 'drizzle']);
  execFileSync('git', ['clean', '-fdq', 'drizzle']);
  console.error(
    'The Drizzle schema and the checked-in migrations disagree. Run `npm run db:generate` and commit:\n' +
      drift +
      '\n' +
      output,
  );
  process.exit(1);
}
console.log('schema and migrations agree');
