import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { loadSecuritySpec, loadVendorSpec } from "../../config/load";
import type { SecuritySpec, VendorSpec } from "../../config/schema";
import type { Plan } from "../../plan/types";
import { createClients, type AwsClients } from "../../runbook/aws/clients";
import { seedEnclave, type SeededEnclave } from "./motoSeed";

// moto_server (the Python AWS emulator) as the AWS API for end-to-end tests: one server per test file on a free
// loopback port, answering as the fixture's account. It proves calls, parameters, ordering and state; it does not
// evaluate IAM, so authorization stays proven by the simulator tests.

export const MOTO_MISSING = 'moto_server not on PATH: pip install "moto[server]"';

/** null when moto_server is on PATH; otherwise the reason the end-to-end tests skip (CI fails before that in .ci/run). */
export function motoMissing(): string | null {
    const r = spawnSync("moto_server", ["--help"], { stdio: "ignore", timeout: 30_000 });
    return r.error || r.status !== 0 ? MOTO_MISSING : null;
}

export interface Moto {
    endpoint: string;
    pid: number;
    /** moto's whole state (`GET /moto-api/data.json`), for assertions. */
    data(): Promise<MotoData>;
    stop(): Promise<void>;
}

export type MotoData = Record<string, Record<string, Record<string, unknown>>>;

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

export async function startMoto(accountId: string, timeoutMs = 30_000): Promise<Moto> {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    let stderr = "";
    const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
        env: { ...process.env, MOTO_ACCOUNT_ID: accountId },
        stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr?.on("data", (b: Buffer) => {
        stderr = (stderr + b.toString()).slice(-4000);
    });
    let exited: string | null = null;
    child.on("exit", (code, signal) => {
        exited = `moto_server exited (${code ?? signal}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
    });
    const stop = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise<void>((r) => child.once("exit", () => r()));
        process.kill(child.pid!, "SIGTERM");
        const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, "SIGKILL"), 5_000);
        await gone;
        clearTimeout(timer);
    };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (exited) throw new Error(exited);
        try {
            const r = await fetch(`${endpoint}/moto-api/`);
            if (r.ok) break;
        } catch {
            /* not listening yet */
        }
        if (Date.now() > deadline) {
            await stop();
            throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${stderr.trim().split("\n").pop() ?? ""}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return {
        endpoint,
        pid: child.pid!,
        async data() {
            const r = await fetch(`${endpoint}/moto-api/data.json`);
            return (await r.json()) as MotoData;
        },
        stop,
    };
}

/** Static credentials moto accepts (any will do). */
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

// ---------------------------------------------------------------------------------------------------------------
// The runbook's end-to-end tests share one start: fixture specs of test/fixtures/aws/, planned offline, seeded into a
// fresh moto_server as that plan describes them.

/** The specs the moto tests deploy, and the account moto answers as (theirs). */
export const MOTO_FIXTURES = path.join(__dirname, "..", "fixtures", "aws");
export const MOTO_ACCOUNT = "111122223333";

/** motoMissing(), with the reason also on the log: a whole skipped file shows no test names in the default reporter. */
export function motoMissingFor(file: string): string | null {
    const missing = motoMissing();
    if (missing) console.warn(`${file} skipped: ${missing}`);
    return missing;
}

export const motoSecuritySpec = (): SecuritySpec => loadSecuritySpec(path.join(MOTO_FIXTURES, "security.yaml"));
export const motoVendorSpec = (id: string): VendorSpec => loadVendorSpec(path.join(MOTO_FIXTURES, `${id}.yaml`), id);

export interface SeededMoto {
    moto: Moto;
    clients: AwsClients;
    /** One per spec, in the order given. */
    plans: Plan[];
    seeded: SeededEnclave[];
}

/**
 * Starts moto while the specs' plans render (one at a time: the Pulumi SDK keeps global state), then seeds every
 * enclave from its plan, side by side in the one account.
 */
export async function startSeededMoto(security: SecuritySpec, specs: VendorSpec[]): Promise<SeededMoto> {
    const { planVendor } = await import("../../plan/stacks.js");
    const starting = startMoto(MOTO_ACCOUNT);
    const plans: Plan[] = [];
    for (const spec of specs) plans.push(await planVendor(spec, security));
    const moto = await starting;
    const clients = createClients({ region: "us-east-1", endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 2 });
    const seeded = await Promise.all(plans.map((plan, i) => seedEnclave(clients, plan, specs[i].id)));
    return { moto, clients, plans, seeded };
}
