import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { diffPlans, isEmptyDiff, renderPlanDiff } from "../../plan/diff";
import { planVendor } from "../../plan/stacks";
import { loadSelectedVendor } from "../../config/select";
import { vendorSpecSchema } from "../../config/schema";
import { selectVendor } from "../../runbook/runbook";
import { withSealState } from "../../runbook/specFile";
import { STACKS_DIR } from "../../config/load";
import { sealOnlyResources } from "../../contract/seal";

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * `enclave seal <vendor> --dry-run`: what the seal would write, as the resource diff between the vendor's plan and the
 * plan of its sealed spec (sealed: true and a sealedAt, exactly as the runbook's write-spec step writes them). Offline:
 * no Pulumi CLI, no AWS, and nothing is written. It shows what the program would ask Pulumi for, not what the provider
 * or AWS would report; the seal itself also verifies against AWS, which a dry run cannot.
 */
export async function sealDryRun(vendor: string, now: Date = new Date()): Promise<string> {
    selectVendor(vendor, STACKS_DIR); // refuses the security stack and unknown ids in the runbook's words
    const loaded = loadSelectedVendor({ vendor });
    const text = fs.readFileSync(loaded.file, "utf8");
    // An already sealed vendor keeps its sealedAt: the runbook rewrites the same value.
    const sealedAt = loaded.spec.sealed && loaded.spec.sealedAt ? loaded.spec.sealedAt : iso(now);
    const sealed = vendorSpecSchema.parse(parse(withSealState(text, sealedAt)));
    const before = await planVendor(loaded.spec, loaded.security);
    const after = await planVendor(sealed, loaded.security);
    const d = diffPlans(before, after);
    const file = path.relative(process.cwd(), loaded.file) || loaded.file;
    const lines = [
        `enclave seal ${vendor} --dry-run: nothing written, nothing deployed (offline plans; no Pulumi CLI, no AWS).`,
        `The seal would write sealed: true, sealedAt: ${sealedAt} into ${file}, then pulumi up these changes:`,
        "",
        renderPlanDiff(d, `${vendor}, unsealed -> sealed`),
    ];
    if (isEmptyDiff(d)) lines.push("", `${vendor} is already sealed (since ${sealedAt}): the seal would only re-apply and verify it.`);
    // The seal's own policies (the catalogue's seal-only resources) are the one expected create; anything else is not the seal.
    const sealOnly = new Set(sealOnlyResources(vendor).map((r) => `${r.type} ${r.name}`));
    const unexpected = d.created.filter((c) => !sealOnly.has(`${c.type} ${c.urn.slice(c.urn.lastIndexOf("::") + 2)}`));
    if (d.replaced.length || unexpected.length || d.deleted.length)
        lines.push("", "WARNING: a seal should only update in place and create its seal policies; this one would create, delete or replace other resources.");
    return `${lines.join("\n")}\n`;
}
