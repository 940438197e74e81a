// The Pulumi stack program. The stack name selects the spec: `security` is the log-archive stack, any other name is
// a vendor id with its spec in stacks/<vendor-id>.yaml. Specs are validated before any resource is created.
import * as pulumi from "@pulumi/pulumi";
import { securityProgram, vendorProgram } from "./components/program";
import { loadSecuritySpec, loadVendorSpec, SpecError, vendorSpecPath } from "./config/load";
import { SECURITY_STACK_NAME } from "./config/schema";
import { vendorsBesideSecuritySpec } from "./config/fleet";

function main() {
    const stack = pulumi.getStack();
    try {
        return stack === SECURITY_STACK_NAME
            ? securityProgram(loadSecuritySpec(), vendorsBesideSecuritySpec())
            : vendorProgram(loadVendorSpec(vendorSpecPath(stack), stack));
    } catch (err) {
        // One line, no stack trace: the message names the file, the field, the value and the fix.
        if (err instanceof SpecError) throw new pulumi.RunError(err.message);
        throw err;
    }
}

export = main();
