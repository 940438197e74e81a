import type { Command } from "commander";

export function register(program: Command): void {
    program
        .command("adopt")
        .description(
            "Account mode: move an adopted member account into the Vendors OU and confirm it (management account: ENCLAVE_ORGANIZATION_PROFILE); after the organization stack's up, before the vendor stack's first",
        )
        .argument("<vendor>", "vendor id")
        .action(async (vendor: string) => {
            // The Organizations SDK and the spec loader load here, not when `enclave --help` starts.
            const { adoptCommand } = await import("../../runbook/adopt.js");
            const { STACKS_DIR } = await import("../../config/load.js");
            const { organizationsFor } = await import("./runbook.js");
            process.exitCode = await adoptCommand(vendor, {
                stacksDir: STACKS_DIR,
                organizations: organizationsFor,
                out: (line) => process.stdout.write(`${line}\n`),
            });
        });
}
