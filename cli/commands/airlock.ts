import type { Command } from "commander";
import type { AirlockOptions } from "./options";

// The SDK clients and the spec loader load when an airlock command runs, not when `enclave --help` starts. A malformed
// request id is refused before anything is loaded.
const run =
    (action: "list" | "show" | "approve" | "reject" | "reindex") => async (vendor: string, request: string | AirlockOptions, maybeOpts?: AirlockOptions) => {
        const opts = (typeof request === "string" ? maybeOpts : request) ?? {};
        const { runAirlock, realAirlockDeps, checkRequestId } = await import("./airlockRun.js");
        const requestId = typeof request === "string" ? checkRequestId(request) : undefined;
        await runAirlock(action, vendor, requestId, opts, await realAirlockDeps(vendor, opts));
    };

/** Usage errors of a subcommand as one line naming its own --help, like every other command's. */
const oneLine = (c: Command) =>
    c.configureOutput({
        outputError: (message, write) =>
            write(
                `enclave: ${message
                    .trim()
                    .replace(/^error: /, "")
                    .replace(/\s*\n\s*/g, " ")} (see enclave airlock ${c.name()} --help)\n`,
            ),
    });

export function register(program: Command): void {
    const airlock = program
        .command("airlock")
        .description(
            "The export airlock: list and show export requests, approve or reject one as yourself (your AWS identity, two distinct approvers release)",
        );
    const common = (c: Command) => oneLine(c).option("--spec <file>", "vendor spec file (default: stacks/<vendor>.yaml)").option("--json", "print JSON");
    common(airlock.command("list").description("Every export request of a vendor, newest first").argument("<vendor>", "vendor id")).action(run("list"));
    common(
        airlock
            .command("reindex")
            .description(
                "Fingerprint every object version of the vendor's readable datasets that the leak check's index misses (after enabling the airlock, or a dead-letter alarm); idempotent, one line per object",
            )
            .argument("<vendor>", "vendor id"),
    ).action(run("reindex"));
    common(
        airlock
            .command("show")
            .description("One export request: pins, checks, decisions")
            .argument("<vendor>", "vendor id")
            .argument("<request>", "request id"),
    ).action(run("show"));
    common(
        airlock
            .command("approve")
            .description("Approve a request in review as the caller's AWS identity (one of the spec's approvers, not the requester)")
            .argument("<vendor>", "vendor id")
            .argument("<request>", "request id")
            .option("--reason <text>", "why, kept in the request's records"),
    ).action(run("approve"));
    common(
        airlock
            .command("reject")
            .description("Reject a request in review as the caller's AWS identity: one rejection ends it")
            .argument("<vendor>", "vendor id")
            .argument("<request>", "request id")
            .requiredOption("--reason <text>", "why, kept in the request's records"),
    ).action(run("reject"));
}
