import type { Command } from "commander";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import { AutomationStackOps, REPO_ROOT } from "../../runbook/automation";
import { runCommand, selectVendor, type Command as RunbookCommand, type DestroyOptions } from "../../runbook/runbook";
import type { RunbookDeps } from "../../runbook/types";
import { STACKS_DIR } from "../../config/load";

/** Real dependencies: Automation API, the AWS SDK, the terminal, the wall clock. Dirs can be redirected for tests. */
export function realDeps(vendor: string): RunbookDeps {
    const { spec } = selectVendor(vendor, STACKS_DIR);
    // Loaded here, not at the top: the AWS SDK clients cost seconds of start-up that every other command would pay.
    const { SdkAws } = require("../../runbook/aws/reads") as typeof import("../../runbook/aws/reads");
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
        archive: aws,
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

const run = (command: RunbookCommand) => async (vendor: string, opts: DestroyOptions) => runCommand(command, vendor, realDeps(vendor), opts);

export function register(program: Command): void {
    program
        .command("seal")
        .description("Cut a vendor off now: write sealed/sealedAt into stacks/<vendor>.yaml, pulumi up, verify against AWS (needs the Pulumi CLI and AWS)")
        .argument("<vendor>", "vendor id")
        .action(run("seal"));
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
        .action(run("destroy"));
}
