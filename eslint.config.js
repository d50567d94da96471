// Lint rules for server, shared, web and h5: the recommended sets, with the few choices this codebase makes on purpose.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-server/', 'data/', 'web/components.d.ts', 'web/auto-imports.d.ts', 'bench/*.lua'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // The compiler resolves names (auto-imported element-plus services included); no-undef would only disagree with it.
      'no-undef': 'off',
      // Unused names are caught by the compiler (noUnusedLocals); a leading underscore marks an intentional one.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Formatting is prettier's job.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/attributes-order': 'off',
    },
  },
  {
    // Migrations are typed against Kysely<any> on purpose (they must not import today's table types); tests, benches and
    // their helpers read JSON answers loosely; server/db's helpers are generic over every table's query builder.
    files: ['migrations/**/*.ts', '**/*.test.ts', 'e2e/**', 'server/testing/**', 'server/sandbox/testing.ts', 'bench/**', 'server/db/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-empty-object-type': 'off' },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: {
      // Page components are named by their folder (views/customers/list.vue), as the router expects.
      'vue/multi-word-component-names': 'off',
    },
  },
)
