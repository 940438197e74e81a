import * as path from "node:path";
import { SpecError } from "../contract/errors";
import { listVendorIds, loadVendorSpec, securitySpecPath, STACKS_DIR, vendorSpecPath } from "./load";
import { sharedPrincipals, vendorControlledApprovers, type VendorSpec } from "./schema";

// Checks that need every vendor spec of a stacks folder at once: what one file cannot know on its own.

export interface FolderVendor {
    file: string;
    spec: VendorSpec;
}

function display(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") ? rel : file;
}

/**
 * Refuses (exit 2) two vendor specs that list the same principal: sealing one vendor would leave that principal a
 * live path into the other's enclave, and the seal of either could not be told apart in the trail.
 */
export function checkUniquePrincipals(vendors: FolderVendor[]): void {
    checkAirlockApprovers(vendors);
    const shared = sharedPrincipals(vendors);
    if (shared.length === 0) return;
    const { principal, files } = shared[0];
    const [a, b] = files.map(display);
    throw new SpecError(
        b,
        "access.principals",
        `${b}: access.principals lists ${principal}, which ${a} lists too: got ${JSON.stringify(principal)}. Fix: a principal belongs to one vendor; remove it from one of ${a} and ${b}.`,
    );
}

/**
 * Refuses (exit 2) an airlock approver or lab recipient that any vendor spec of the folder lists as its own principal:
 * a vendor must never approve an export or receive a release meant for the lab.
 */
export function checkAirlockApprovers(vendors: FolderVendor[]): void {
    const found = vendorControlledApprovers(vendors);
    if (found.length === 0) return;
    const { principal, file, field, vendorFile } = found[0];
    const [f, v] = [file, vendorFile].map(display);
    throw new SpecError(
        f,
        field,
        `${f}: ${field} names ${principal}, which ${v} lists under access.principals: got ${JSON.stringify(principal)}. Fix: approvers and a lab recipient are lab principals; name one no vendor spec lists.`,
    );
}

/** Every vendor spec of a stacks folder, validated one by one and then together (unique principals). */
export function loadFolderVendors(dir = STACKS_DIR): FolderVendor[] {
    const vendors = listVendorIds(dir).map((id) => ({ file: vendorSpecPath(id, dir), spec: loadVendorSpec(vendorSpecPath(id, dir), id) }));
    checkUniquePrincipals(vendors);
    return vendors;
}

/** The vendors a security spec file serves: the vendor specs beside it (stacks/ for stacks/security.yaml). */
export function vendorsBesideSecuritySpec(securityFile = securitySpecPath()): VendorSpec[] {
    return loadFolderVendors(path.dirname(path.resolve(securityFile))).map((v) => v.spec);
}
