// Bundles each airlock handler (airlock/handlers/<name>.ts) into dist/lambda/airlock/<name>/index.js, the code the airlock's
// Lambda functions run (components/airlock.ts points at these paths). One self-contained file per function: the
// bundle carries the exact AWS SDK versions the tests ran against instead of whatever the Lambda runtime ships, and
// nothing of the Pulumi program or the simulator comes along (test/airlock-bundle.test.ts holds that).
// Runs as part of `npm run build` (and so of `npm ci`); `node dist/scripts/bundle-airlock.js [outDir]`.
import { build } from "esbuild";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { AIRLOCK_HANDLERS, type AirlockHandler } from "../contract/airlock";
import { REPO_ROOT } from "../config/repoRoot";

export interface BundleResult {
    handler: AirlockHandler;
    outfile: string;
    bytes: number;
}

/** Modules a handler bundle must never contain: the Pulumi program's runtime and the AGPL simulator. */
export const FORBIDDEN_IN_BUNDLE = ["@pulumi/", "@cloud-copilot/iam-simulate"] as const;

export async function bundleAirlock(outDir: string): Promise<BundleResult[]> {
    const root = REPO_ROOT;
    const missing = AIRLOCK_HANDLERS.filter((h) => !existsSync(join(root, "airlock", "handlers", `${h}.ts`)));
    if (missing.length > 0) throw new Error(`airlock handlers missing: ${missing.map((h) => `airlock/handlers/${h}.ts`).join(", ")}`);
    const results: BundleResult[] = [];
    for (const h of AIRLOCK_HANDLERS) {
        const outfile = join(outDir, h, "index.js");
        const r = await build({
            entryPoints: [join(root, "airlock", "handlers", `${h}.ts`)],
            outfile,
            bundle: true,
            platform: "node",
            target: "node20",
            format: "cjs",
            metafile: true,
            logLevel: "silent",
            // Readable in the Lambda console when an incident needs it; the functions are small either way.
            minify: false,
            legalComments: "none",
        });
        const inputs = Object.keys(r.metafile.inputs);
        const forbidden = inputs.filter((i) => FORBIDDEN_IN_BUNDLE.some((m) => i.includes(`node_modules/${m}`)));
        if (forbidden.length > 0) throw new Error(`airlock handler ${h} pulls in ${forbidden[0]}: handlers may use the AWS SDK and contract/ only`);
        results.push({ handler: h, outfile, bytes: r.metafile.outputs[Object.keys(r.metafile.outputs)[0]].bytes });
    }
    return results;
}

if (require.main === module) {
    const outDir = resolve(process.argv[2] ?? join(REPO_ROOT, "dist", "lambda", "airlock"));
    bundleAirlock(outDir).then(
        (rs) => console.log(`airlock: ${rs.length} handlers bundled into ${outDir}`),
        (e: unknown) => {
            console.error(`bundle-airlock: ${e instanceof Error ? e.message : String(e)}`);
            process.exit(1);
        },
    );
}
