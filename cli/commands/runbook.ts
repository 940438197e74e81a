import type { Command } from "commander";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import type { Command as RunbookCommand, DestroyOptions } from "../../runbook/runbook";
import type { RunbookDeps } from "../../runbook/types";

/** Real dependencies: Automation API, the AWS SDK, the terminal, the wall clock. Dirs can be redirected for tests. */
export async function realDeps(vendor: string): Promise<RunbookDeps> {
    // The Automation API (the Pulumi SDK), the AWS SDK clients and the spec loader load here, not when
    // `enclave --help` starts: they cost seconds of start-up that every other command would pay.
    const { selectVendor } = await import("../../runbook/runbook.js");
    const { STACKS_DIR } = await import("../../config/load.js");
    const { spec } = selectVendor(vendor, STACKS_DIR);
    const { AutomationStackOps, REPO_ROOT } = await import("../../runbook/automation.js");
    const { SdkAws } = await import("../../runbook/aws/reads.js");
    const aws = new SdkAws({ region: spec.account.region });
    let user = "unknown";
    try {
        user = os.userInfo().username;
    } catch {
        /* containers without a passwd entry */
    }
    return {
        stacks: new AutomationStackOps(REPO_ROOT, (text) => process.stderr.write(text)),
        aws,
        // Account mode: the in-account clients are the member account's break-glass (the only role the quarantine lets
        // act there); the evidence goes to the log-archive account's archive as that account's deployer, the one
        // writer the archive's policies admit: ENCLAVE_ARCHIVE_PROFILE names its profile (else the default chain).
        archive: spec.isolation === "account" ? new SdkAws({ region: spec.account.region, profile: process.env.ENCLAVE_ARCHIVE_PROFILE }) : aws,
        // The seal's containment writes go straight to AWS with the same clients (no Pulumi, no state).
        contain: { clients: aws.clients },
        // Account mode: the quarantine acts from the management account, apart from the member account's clients.
        ...(spec.isolation === "account" ? { organizations: await organizationsFor() } : {}),
        confirm: {
            interactive: Boolean(process.stdin.isTTY),
            async ask(question) {
                const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
                try {
                    return await rl.question(question);
                } finally {
                    rl.close();
                }
            },
        },
        clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        out: (line) => process.stdout.write(`${line}\n`),
        operator: process.env.ENCLAVE_OPERATOR ?? user,
        stacksDir: STACKS_DIR,
        incidentsDir: process.env.ENCLAVE_INCIDENTS_DIR ? path.resolve(process.env.ENCLAVE_INCIDENTS_DIR) : path.join(REPO_ROOT, "incidents"),
        evidenceDir: process.env.ENCLAVE_EVIDENCE_DIR ? path.resolve(process.env.ENCLAVE_EVIDENCE_DIR) : path.join(REPO_ROOT, "evidence"),
    };
}

/**
 * The Organizations client of the management account (or the delegated administrator): the named profile
 * ENCLAVE_ORGANIZATION_PROFILE when set, else the default credential chain.
 */
export async function organizationsFor() {
    const { OrganizationsClient } = await import("@aws-sdk/client-organizations");
    const { ORGANIZATIONS_REGION } = await import("../../runbook/aws/organizations.js");
    const profile = process.env.ENCLAVE_ORGANIZATION_PROFILE;
    return new OrganizationsClient({ region: ORGANIZATIONS_REGION, retryMode: "standard", ...(profile ? { profile } : {}) });
}

const run = (command: RunbookCommand) => async (vendor: string, opts: DestroyOptions) =>
    (await import("../../runbook/runbook.js")).runCommand(command, vendor, await realDeps(vendor), opts);

export function register(program: Command): void {
    program
        .command("seal")
        .description(
            "Cut a vendor off now: contain directly against AWS (seconds, no Pulumi), verify, then reconcile (write sealed/sealedAt into stacks/<vendor>.yaml, pulumi up, verify); without the Pulumi CLI it exits 4, reconcile pending",
        )
        .argument("<vendor>", "vendor id")
        .option("--dry-run", "show what the seal would write (the resource diff of the vendor's plan, unsealed -> sealed), offline; writes and deploys nothing")
        .action(async (vendor: string, opts: DestroyOptions & { dryRun?: boolean }) => {
            if (opts.dryRun) {
                const { sealDryRun } = await import("./sealDryRun.js");
                process.stdout.write(await sealDryRun(vendor));
                return;
            }
            await run("seal")(vendor, opts);
        });
    program
        .command("unseal")
        .description("Restore a sealed vendor's access exactly: clear the seal in the spec, pulumi up, verify against AWS")
        .argument("<vendor>", "vendor id")
        .action(run("unseal"));
    program
        .command("destroy")
        .description("Tear a sealed vendor's enclave down: evidence bundle (local + archive), pulumi destroy, proof of teardown")
        .argument("<vendor>", "vendor id")
        .option("--seal-first", "seal the vendor first if it is not sealed yet")
        .option("--yes", "confirm without the interactive prompt (required when stdin is not a terminal)")
        .option("--park", "account mode: keep the vendor's member account in the Quarantine OU instead of closing it")
        .action(run("destroy"));
}
