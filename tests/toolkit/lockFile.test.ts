import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const ROOT = join(__dirname, '..', '..');
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockPackage> };
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as LockPackage;

/** Where npm would find `name` for the package at `from` (its own node_modules, then each parent's, then the top). */
function resolves(from: string, name: string): boolean {
  let base = from;
  for (;;) {
    if (lock.packages[`${base ? base + '/' : ''}node_modules/${name}`]) return true;
    if (base === '') return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

describe('package-lock.json, as npm ci reads it on any machine', () => {
  it("records every platform's optional binaries, not only this machine's (npm ci refuses a lock without them)", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) if (!resolves(path, name)) missing.push(`${path || '(root)'} → ${name}`);
    }
    expect(missing).toEqual([]);
    // The case that broke a fresh clone before: the compiler's native builds for other systems.
    expect(Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/@swc/core-')).length).toBeGreaterThanOrEqual(8);
  });

  it('matches package.json: every dependency it declares is locked', () => {
    const root = lock.packages[''];
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
    for (const name of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})])
      expect(lock.packages[`node_modules/${name}`]).toBeDefined();
  });
});
