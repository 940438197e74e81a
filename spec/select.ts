import * as path from "node:path";
import { checkVendorAgainstSecurity, listVendorIds, loadSecuritySpec, loadVendorSpec, securitySpecPath, STACKS_DIR, vendorSpecPath } from "./load";
import { SECURITY_STACK_NAME, type SecuritySpec, type VendorSpec } from "./schema";
import { CliError, EXIT } from "./errors";

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

/** Resolves `<vendor>` or `--spec <file>` to a validated vendor spec and the security spec it depends on. */
export function loadSelectedVendor(sel: SpecSelection): LoadedVendor {
    if (sel.vendor && sel.spec) throw new CliError("give either a vendor id or --spec <file>, not both", EXIT.invalidInput);
    if (!sel.vendor && !sel.spec) throw new CliError("name a vendor (e.g. `enclave plan acme-labeling`) or give --spec <file>", EXIT.invalidInput);
    if (sel.vendor === SECURITY_STACK_NAME) {
        throw new CliError(`"${SECURITY_STACK_NAME}" is the security stack, not a vendor; use --security to plan it`, EXIT.invalidInput);
    }
    if (sel.vendor && !listVendorIds().includes(sel.vendor)) {
        const known = listVendorIds();
        throw new CliError(
            `unknown vendor "${sel.vendor}": there is no ${path.relative(process.cwd(), vendorSpecPath(sel.vendor)) || vendorSpecPath(sel.vendor)}. Known vendors: ${known.join(", ") || "none"}.`,
            EXIT.invalidInput,
        );
    }
    const file = sel.spec ? path.resolve(sel.spec) : vendorSpecPath(sel.vendor!);
    const spec = loadVendorSpec(file, sel.vendor);
    const securityFile = sel.securitySpec ? path.resolve(sel.securitySpec) : securitySpecPath(sel.spec ? path.dirname(file) : STACKS_DIR);
    const security = loadSecuritySpec(sel.securitySpec || !sel.spec ? securityFile : existsOr(securityFile, securitySpecPath()));
    checkVendorAgainstSecurity(spec, file, security);
    return { spec, file, security };
}

function existsOr(file: string, fallback: string): string {
    // A spec outside stacks/ uses a security.yaml beside it if there is one, else the repository's.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("node:fs").existsSync(file) ? file : fallback;
}
