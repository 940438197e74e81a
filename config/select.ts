import * as fs from "node:fs";
import * as path from "node:path";
import {
    checkOrganizationAgainstSecurity,
    checkVendorAgainstSecurity,
    listVendorIds,
    loadOrganizationSpec,
    loadSecuritySpec,
    loadVendorSpec,
    organizationSpecPath,
    securitySpecPath,
    STACKS_DIR,
    vendorSpecPath,
} from "./load";
import { SECURITY_STACK_NAME, VENDOR_ID_RULES, vendorId, type SecuritySpec, type VendorSpec } from "./schema";
import { CliError, EXIT } from "../contract/errors";

export interface SpecSelection {
    /** Vendor id (looked up as stacks/<id>.yaml). */
    vendor?: string;
    /** Any vendor spec file. */
    spec?: string;
    /** Security stack spec; defaults to stacks/security.yaml. */
    securitySpec?: string;
}

export interface LoadedVendor {
    spec: VendorSpec;
    file: string;
    security: SecuritySpec;
}

/**
 * The spec file of a vendor id in a stacks folder, refusing the security stack's name and unknown ids (exit 2).
 * `securityHint` says what to do instead when the security stack was named.
 */
export function vendorFileById(vendor: string, dir = STACKS_DIR, securityHint = "use --security to plan it"): string {
    if (vendor === SECURITY_STACK_NAME) throw new CliError(`"${SECURITY_STACK_NAME}" is the security stack, not a vendor; ${securityHint}`, EXIT.invalidInput);
    const known = listVendorIds(dir);
    const pathLike = /[/\\.]/.test(vendor);
    if (pathLike || !vendorId.safeParse(vendor).success) {
        // `../stacks/acme-labeling`, `acme-labeling.yaml`, `ACME-LABELING`: say what an id is, not that no file has that name.
        const base = path
            .basename(vendor.replace(/\\/g, "/"))
            .replace(/\.ya?ml$/, "")
            .trim()
            .toLowerCase();
        const valid = known.filter((k) => vendorId.safeParse(k).success);
        const fix = valid.includes(base) ? `give the id alone: ${base}` : `name a known vendor: ${valid.join(", ") || "none"}`;
        throw new CliError(
            `"${vendor}" is not a vendor id: it ${pathLike ? "contains path characters" : "breaks the id rules"}; an id is ${VENDOR_ID_RULES}. Fix: ${fix}.`,
            EXIT.invalidInput,
        );
    }
    if (!known.includes(vendor)) {
        const file = vendorSpecPath(vendor, dir);
        throw new CliError(
            `unknown vendor "${vendor}": there is no ${path.relative(process.cwd(), file) || file}. Known vendors: ${known.join(", ") || "none"}.`,
            EXIT.invalidInput,
        );
    }
    return vendorSpecPath(vendor, dir);
}

/** The security spec for vendors in `dir`: the one given, else a security.yaml beside them, else the repository's. */
export function resolveSecuritySpecFile(explicit: string | undefined, dir: string): string {
    if (explicit) return path.resolve(explicit);
    return fs.existsSync(securitySpecPath(dir)) ? securitySpecPath(dir) : securitySpecPath();
}

/** Resolves `<vendor>` or `--spec <file>` to a validated vendor spec and the security spec it depends on. */
export function loadSelectedVendor(sel: SpecSelection): LoadedVendor {
    if (sel.vendor && sel.spec) throw new CliError("give either a vendor id or --spec <file>, not both", EXIT.invalidInput);
    if (!sel.vendor && !sel.spec) throw new CliError("name a vendor (e.g. `enclave plan acme-labeling`) or give --spec <file>", EXIT.invalidInput);
    const file = sel.spec ? path.resolve(sel.spec) : vendorFileById(sel.vendor!);
    const spec = loadVendorSpec(file, sel.vendor);
    const security = loadSecuritySpec(resolveSecuritySpecFile(sel.securitySpec, path.dirname(file)));
    checkVendorAgainstSecurity(spec, file, security);
    // Account mode: the organization spec beside the vendor's (as the access report reads it) must name the same operators.
    const orgFile = organizationSpecPath(path.dirname(file));
    if (spec.isolation === "account" && fs.existsSync(orgFile)) checkOrganizationAgainstSecurity(loadOrganizationSpec(orgFile), orgFile, security);
    return { spec, file, security };
}
