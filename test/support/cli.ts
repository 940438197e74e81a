import { vi } from "vitest";
import { main } from "../../cli/main";

/**
 * Runs the CLI in-process (no tsx start-up per call) and captures what it prints. Spawned runs of bin/enclave.js are
 * kept for the few tests that must see a real exit code and stderr exactly as CI does.
 */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
    try {
        const code = await main(argv);
        return { code, out, err };
    } finally {
        o.mockRestore();
        e.mockRestore();
        process.exitCode = 0;
    }
}
