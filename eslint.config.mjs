// ESLint flat config. Syntax rules only: no type-aware rules, since `npm test` type-checks with tsc first and
// typed linting would parse the whole program a second time.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";
import { layeringPlugin } from "./tools/lint/layering.mjs";

/**
 * Imports allowed to break the layering (rule in tools/lint/layering.mjs), importing file → imported files.
 * None is left since issue 17's restructuring; never add one: move the code to the layer it belongs to. Lint
 * reports an entry whose import is gone.
 */
const KNOWN_LAYER_VIOLATIONS = {};

export default tseslint.config(
  {
    ignores: ["node_modules/", "cdktf.out/", "cdktf.out.staging-*/", "dist/", "coverage/", ".gen/", "**/.terraform/"],
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Synthesized Terraform JSON, jobspecs and plans are read untyped in tests, e2e and tools; strict tsc
      // still checks everything typed.
      "@typescript-eslint/no-explicit-any": "off",
      // tsc's noUnusedLocals and noUnusedParameters refuse these already (and allow the `_` prefix).
      "@typescript-eslint/no-unused-vars": "off",
      // cdktf's core API only through constructs/cdktf.ts; provider classes only from lib/<resource>.
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^cdktf(/|$)",
              message: "import cdktf's API through constructs/cdktf.ts, the one place it enters the project",
            },
            {
              regex: "^@cdktf/provider-[a-z]+$",
              message:
                "import provider classes from @cdktf/provider-<name>/lib/<resource>: the package root loads every binding (seconds, hundreds of MB)",
            },
          ],
        },
      ],
    },
  },
  {
    // cdktf's own testing adapter, and the facade itself.
    files: ["constructs/cdktf.ts", "__tests__/setup.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    files: ["**/*.ts"],
    plugins: { layering: layeringPlugin(import.meta.dirname, KNOWN_LAYER_VIOLATIONS) },
    rules: {
      "layering/imports-point-down": "error",
      "layering/no-stale-exceptions": "error",
    },
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  { files: ["**/*.mjs"], languageOptions: { globals: globals.node } },
);
