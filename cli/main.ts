import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands";
import { describeFailure, EXIT } from "../spec/errors";

export function buildProgram(): Command {
    const program = new Command("enclave")
        .description("Per-vendor sealed AWS enclaves: offline plans, access reports, guardrails and the breach runbook.")
        .showHelpAfterError()
        .exitOverride();
    for (const register of COMMANDS) register(program);
    return program;
}

/** Runs the CLI and returns the exit code; commands set process.exitCode for findings (3). */
export async function main(argv: string[]): Promise<number> {
    const program = buildProgram();
    try {
        process.exitCode = 0;
        await program.parseAsync(argv, { from: "user" });
        return Number(process.exitCode ?? 0);
    } catch (err) {
        if (err instanceof CommanderError) {
            // Help and version are not failures; usage errors are invalid input.
            return err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
        }
        const { message, exitCode } = describeFailure(err);
        process.stderr.write(`enclave: ${message}\n`);
        if (process.env.ENCLAVE_DEBUG === "1" && err instanceof Error) process.stderr.write(`${err.stack}\n`);
        return exitCode;
    }
}
