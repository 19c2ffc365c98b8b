import { execFileSync } from 'node:child_process';

/** `npm run build` itself, so the tests run what users get: the Node code and bench serve's page (web/). */
export default function build(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
