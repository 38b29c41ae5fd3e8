// Lint rules for the whole project: typescript-eslint's recommended type-aware-free set, with
// formatting left to prettier (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'appPackage/build/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Features never reach the Teams SDK, the HTTP server or a database driver: the platform does.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['src/features/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['botbuilder', 'botbuilder-*', 'botframework-*', '@microsoft/teams-ai'], message: 'Only src/platform/teams talks to the Teams SDK.' },
            { group: ['restify'], message: 'Only the platform serves HTTP.' },
            { group: ['pg', '@electric-sql/*', 'pg-boss'], message: 'Features use the Database port (src/platform/db).' },
          ],
        },
      ],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  prettier,
);
