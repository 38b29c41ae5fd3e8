import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The project folder, whether running from src/ (tests) or dist/src/ (built). */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + __dirname);
    dir = parent;
  }
  cached = dir;
  return dir;
}

export const fromRoot = (...parts: string[]): string => join(projectRoot(), ...parts);

/** The Node flags `npm start` runs the bot with (package.json's config.nodeFlags) in the project at `root`. */
export function nodeFlagsOf(root: string = projectRoot()): string[] {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { config?: { nodeFlags?: string } };
    return (pkg.config?.nodeFlags ?? '').split(' ').filter(Boolean);
  } catch {
    return [];
  }
}
