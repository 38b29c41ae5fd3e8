import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { projectRoot } from '../platform/paths';

/**
 * Lays out in .deploy/ what the App Service runs, as the Dockerfile's runtime stage does: the built code, the files
 * it reads at run time (card templates, migrations, seed data: every non-.ts file under src/ and adaptiveCards/),
 * package.json and production dependencies only. The Agents Toolkit's deploy step zips this folder.
 * Run after a build: npm run stage:webapp.
 */
export function stageWebapp(root: string = projectRoot(), out: string = join(root, '.deploy')): string {
  const built = join(root, 'dist', 'src');
  if (!existsSync(join(built, 'index.js'))) throw new Error('build first: npm run build');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(built, join(out, 'dist', 'src'), { recursive: true });
  for (const dir of ['src', 'adaptiveCards']) copyRuntimeFiles(join(root, dir), root, out);
  for (const file of ['package.json', 'package-lock.json', '.npmrc']) if (existsSync(join(root, file))) cpSync(join(root, file), join(out, file));
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: out, stdio: 'inherit', env: { ...process.env, npm_config_yes: 'true' } });
  return out;
}

function copyRuntimeFiles(dir: string, root: string, out: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyRuntimeFiles(path, root, out);
    else if (!entry.name.endsWith('.ts')) {
      const target = join(out, relative(root, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}

if (require.main === module) {
  const out = stageWebapp();
  process.stdout.write(`staged the production bot in ${out}\n`);
}
