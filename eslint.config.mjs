// Lint (`npm run lint`, also run by `npm test`): typescript-eslint with type information, for the
// mistakes a root daemon cannot afford: promises nobody awaits or catches, values never used.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "dist-bench/**", "dist-lab/**", "node_modules/**", "native/build/**", "**/*.js", "**/*.cjs", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { project: "./tsconfig.check.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-unused-expressions": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "no-constant-condition": ["error", { checkLoops: false }],
      "no-fallthrough": "error",
      "no-self-assign": "error",
      eqeqeq: ["error", "always"],
    },
  },
  {
    // A thrown value is unknown: its message and code come from src/error-fields.ts, not a cast.
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression > TSAsExpression.object[typeAnnotation.typeName.name='Error']",
          message: "use errorFields(e) from src/error-fields.ts",
        },
        {
          selector: "MemberExpression > TSAsExpression.object[typeAnnotation.typeName.right.name='ErrnoException']",
          message: "use errorCode(e) / errorFields(e) from src/error-fields.ts",
        },
      ],
    },
  },
);
