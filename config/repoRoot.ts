import * as fs from "node:fs";
import * as path from "node:path";

const PACKAGE_NAME = "vendor-enclaves";

/**
 * The repository's root folder: the nearest folder at or above `from` whose package.json is this project's. The same
 * module runs from its source (vitest, tsx) and compiled into dist/, so a fixed number of `..` would be wrong in one.
 */
export function findRepoRoot(from: string = __dirname): string {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        try {
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown };
            if (pkg.name === PACKAGE_NAME) return dir;
        } catch {
            /* no package.json here, or not JSON: keep walking up */
        }
        if (path.dirname(dir) === dir) throw new Error(`no package.json named ${PACKAGE_NAME} at or above ${from}`);
    }
}

export const REPO_ROOT = findRepoRoot();
