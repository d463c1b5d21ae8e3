import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Runs `vite build` for packages/web (what the root `prepare` script does on npm install). */
export async function buildWeb(): Promise<void> {
  const require = createRequire(import.meta.url);
  const webDir = path.dirname(require.resolve('@switchboard/web/package.json'));
  const viteBin = path.join(
    path.dirname(require.resolve('vite/package.json', { paths: [webDir] })),
    'bin',
    'vite.js',
  );
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
      cwd: webDir,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`web build failed (exit ${code})`)),
    );
  });
}
