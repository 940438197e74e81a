/** Invalid user input. The CLI prints `message` alone (no stack trace) and exits 2. */
export class SpecError extends Error {
    constructor(
        readonly file: string,
        readonly field: string | undefined,
        message: string,
    ) {
        super(message);
        this.name = "SpecError";
    }
}

/**
 * Exit codes every command keeps: 0 ok, 1 failure, 2 invalid input, 3 a finding (access widened, policy violated),
 * 4 reconcile pending (`enclave seal` contained and verified the seal against AWS, but the Pulumi CLI or backend was
 * not reachable: the stack and the spec still have to catch up).
 */
export const EXIT = { ok: 0, failure: 1, invalidInput: 2, finding: 3, reconcilePending: 4 } as const;

/** An error the user can act on: printed as one line, never with a stack trace. */
export class CliError extends Error {
    constructor(
        message: string,
        readonly exitCode: number = EXIT.failure,
    ) {
        super(message);
        this.name = "CliError";
    }
}

/** Maps any thrown value to the one line and exit code the CLI prints. Set ENCLAVE_DEBUG=1 for the stack. */
export function describeFailure(err: unknown): { message: string; exitCode: number } {
    if (err instanceof SpecError) return { message: err.message, exitCode: EXIT.invalidInput };
    if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
    const message = err instanceof Error ? err.message : String(err);
    return { message: `unexpected failure: ${message.split("\n")[0]} (rerun with ENCLAVE_DEBUG=1 for details)`, exitCode: EXIT.failure };
}
