// Lint: the recommended JavaScript and typescript-eslint rules, without type information (fast enough to run on every
// CI run); formatting is Prettier's job (.prettierrc.json).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "**/node_modules/", "dist/", "coverage/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    { languageOptions: { globals: { ...globals.node } } },
    // A leading underscore marks a parameter or binding kept on purpose (a signature, a destructured rest).
    { rules: { "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }] } },
    // bin/ holds the two CommonJS launchers of the compiled CLI.
    { files: ["bin/**/*.js"], rules: { "@typescript-eslint/no-require-imports": "off" } },
);
