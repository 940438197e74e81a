import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError, type Option } from "commander";
import { COMMANDS } from "./commands";
import { CliError, describeFailure, EXIT } from "../contract/errors";
import { REPO_ROOT } from "../config/repoRoot";

/** The version in package.json (read from the repository, so that the same code answers from dist/ and from source). */
export function cliVersion(): string {
    return String((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version?: unknown }).version);
}

/** A commander usage error as one line: `enclave: <message> (see enclave <command> --help)`. */
function usageLine(message: string, cmd: Command): string {
    const text = message
        .trim()
        .replace(/^error: /, "")
        .replace(/\n\(Did you mean (.*)\?\)$/, "; did you mean $1?")
        .replace(/\s*\n\s*/g, " ");
    return `enclave: ${text} (see enclave${cmd.parent ? ` ${cmd.name()}` : ""} --help)\n`;
}

/** What an empty option value should have been, from its placeholder (`--spec <file>`). */
function wanted(option: Option): string {
    const placeholder = /<([^>]+)>/.exec(option.flags)?.[1] ?? "value";
    return { file: "a file path", dir: "a folder path", "git-ref": "a git revision, e.g. origin/main" }[placeholder] ?? `a ${placeholder}`;
}

/** `--spec ""` or `plan ""` would otherwise read as "not given" and be answered with an unrelated message. */
function refuseEmptyValues(_program: Command, action: Command): void {
    for (const option of action.options) {
        if (action.getOptionValue(option.attributeName()) === "") {
            throw new CliError(`${option.long} is empty: got "". Fix: give ${wanted(option)}.`, EXIT.invalidInput);
        }
    }
    action.registeredArguments.forEach((argument, i) => {
        if (action.processedArgs[i] === "") {
            const fix = argument.name() === "vendor" ? "name a vendor, e.g. acme-labeling" : `give the ${argument.name()}`;
            throw new CliError(`the ${argument.name()} argument is empty: got "". Fix: ${fix}.`, EXIT.invalidInput);
        }
    });
}

export function buildProgram(): Command {
    const program = new Command("enclave")
        .description("Per-vendor sealed AWS enclaves: offline plans, access reports, guardrails and the breach runbook.")
        .version(cliVersion(), "-V, --version", "print the version (package.json)")
        .exitOverride()
        .hook("preAction", refuseEmptyValues);
    for (const register of COMMANDS) register(program);
    // Each command prints its usage errors as one line naming its own --help (help itself is printed as usual).
    for (const cmd of [program, ...program.commands]) cmd.configureOutput({ outputError: (message, write) => write(usageLine(message, cmd)) });
    return program;
}

/** Later writes to `stream` are dropped: its reader is gone, and the run must still finish and report its own code. */
function discardWrites(stream: NodeJS.WriteStream): void {
    stream.write = ((_chunk: unknown, encodingOrDone?: unknown, done?: unknown) => {
        const callback = typeof encodingOrDone === "function" ? encodingOrDone : done;
        if (typeof callback === "function") process.nextTick(callback as () => void);
        return true;
    }) as typeof stream.write;
}

/**
 * Output errors of the real process (bin/enclave.js): a reader that went away (`| head`) silences that stream and the
 * run goes on to exit with its own code (a failed run piped into `head` still fails under `set -o pipefail`); a failed
 * write (a full disk) is one line and exit 1 - never a stack trace from an unhandled 'error' event.
 */
export function guardOutputStreams(): void {
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
        discardWrites(process.stdout);
        if (err.code === "EPIPE") return;
        process.stderr.write(`enclave: cannot write the output: ${err.message.split("\n")[0]}\n`);
        process.exit(EXIT.failure);
    });
    process.stderr.on("error", (err: NodeJS.ErrnoException) => {
        discardWrites(process.stderr);
        if (err.code !== "EPIPE") process.exit(EXIT.failure);
    });
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
            // Help and version are not failures; usage errors (already printed as one line) are invalid input.
            return err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
        }
        const { message, exitCode } = describeFailure(err);
        // A spec with several problems is one line per problem, each as it would be alone.
        process.stderr.write(
            message
                .split("\n")
                .map((line) => `enclave: ${line}\n`)
                .join(""),
        );
        if (process.env.ENCLAVE_DEBUG === "1" && err instanceof Error) process.stderr.write(`${err.stack}\n`);
        return exitCode;
    }
}
