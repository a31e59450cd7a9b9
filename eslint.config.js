import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The browser JavaScript the server ships as static files: the admin dashboard (ES modules) and the
// /docs page's renderer (a classic script). No type information: they are not part of a tsconfig.
const browserModules = ['src/admin/static/**/*.js'];
const browserScripts = ['src/api/docs/static/**/*.js'];

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'data/', 'test-output/', 'bench/out/', '**/*.js', '**/*.mjs', ...[...browserModules, ...browserScripts].map((p) => `!${p}`)],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/test return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: [...browserModules, ...browserScripts],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.browser, ecmaVersion: 2022 },
  },
  { files: browserModules, languageOptions: { sourceType: 'module' } },
  { files: browserScripts, languageOptions: { sourceType: 'script' } },
);
