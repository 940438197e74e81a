import { stripVTControlCharacters } from "node:util";
// Reports a reviewer reads: the plan summary (facts that say what holds, nothing cut off), one count of AWS
// resources across plan/check/fleet, an access report that prints the same bytes on every run, and colour that
// honours NO_COLOR in fleet output. Fixtures: test/fixtures/review. What this cannot prove: how a particular terminal
// renders the wrapped tables.
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli";
import { planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { loadSelectedVendor } from "../config/select";
import { awsResources, renderSummary } from "../plan/summary";
import { checkTask, renderTotals } from "../cli/commands/check";
import { renderFleetTable, useColor, type FleetReport } from "../cli/fleet/runner";

// Colours depend on the terminal and on CI=true (picocolors turns them on there): the text is compared without them.
const plainSummary = (...args: Parameters<typeof renderSummary>): string => stripVTControlCharacters(renderSummary(...args));

const F = path.resolve(__dirname, "fixtures", "review");
const SECURITY = path.join(F, "security.yaml");
const ESC = "\u001b[";
let twoIps: Plan;
let endpoint: Plan;

const planOf = async (name: string) => {
    const loaded = loadSelectedVendor({ spec: path.join(F, `${name}.yaml`), securitySpec: SECURITY });
    return planVendor(loaded.spec, loaded.security);
};
beforeAll(async () => {
    twoIps = await planOf("two-ips");
    endpoint = await planOf("endpoint");
});
afterEach(() => {
    process.exitCode = 0;
});

const fact = (text: string, key: string) => text.split("\n").find((l) => l.startsWith(`│ ${key} `));

describe("plan summary", () => {
    it("says what holds for the internet path, and shows the allow-listed egress ranges", () => {
        const text = plainSummary(twoIps, undefined);
        expect(fact(text, "internet path")).toMatch(/│ none: no internet, NAT or egress-only gateway, no EIP +│$/);
        expect(fact(text, "data path")).toMatch(
            /│ allow-list: enclave S3 endpoint \(vpce-[0-9a-f]+\) or source IP in 52\.95\.110\.1\/32, 52\.95\.110\.2\/32 +│$/,
        );
        expect(fact(plainSummary(endpoint, undefined), "data path")).toMatch(/│ enclave S3 endpoint only \(vpce-[0-9a-f]+\) +│$/);
    });

    it("piped: every value in full, nothing cut with an ellipsis", () => {
        const text = plainSummary(twoIps, undefined);
        expect(text).not.toContain("…");
        expect(fact(text, "flow logs")).toContain("ALL -> arn:aws:s3:::enclave-log-archive-111122223333-us-east-1/vendors/netlab/flow-logs/ ");
        expect(text).toContain("query logs -> arn:aws:s3:::enclave-log-archive-111122223333-us-east-1/vendors/netlab/dns-query-logs/ ");
    });

    it("at a 70-column terminal: lines fit and long values wrap inside words instead of being cut", () => {
        const text = plainSummary(twoIps, 70);
        expect(text).not.toContain("…");
        expect(text.split("\n").filter((l) => l.length > 70)).toEqual([]);
        // Reassemble the wrapped value cell of "flow logs": it is the full destination.
        const lines = text.split("\n");
        const start = lines.findIndex((l) => l.startsWith("│ flow logs "));
        const cell = lines
            .slice(
                start,
                lines.findIndex((l, i) => i > start && l.startsWith("├")),
            )
            .map((l) => l.split("│")[2].trim())
            .join("");
        expect(cell).toBe("ALL -> arn:aws:s3:::enclave-log-archive-111122223333-us-east-1/vendors/netlab/flow-logs/");
    });
});

describe("one definition of AWS resources", () => {
    const r = (type: string, custom = true): PlanResource =>
        ({ urn: `urn:pulumi:x::p::${type}::n`, type, name: "n", custom, protect: false, retainOnDelete: false, inputs: {}, outputs: {} }) as PlanResource;
    const plan: Plan = {
        project: "vendor-enclaves",
        stack: "x",
        outputs: {},
        resources: [
            r("pulumi:pulumi:Stack", false),
            r("enclave:vendor:Key", false),
            r("pulumi:providers:aws"),
            r("pulumi:providers:random"),
            r("random:index/randomPassword:RandomPassword"),
            r("pulumi:pulumi:StackReference"),
            r("aws:ec2/vpc:Vpc"),
            r("aws:sqs/queue:Queue"),
        ],
    } as Plan;

    it("counts only aws: custom resources, the same in plan, check and the fleet table", () => {
        expect(awsResources(plan).map((x) => x.type)).toEqual(["aws:ec2/vpc:Vpc", "aws:sqs/queue:Queue"]);
        expect(plainSummary(plan, undefined).split("\n")[0]).toBe("Offline plan: stack x (vendor-enclaves), 2 AWS resources");
        expect(renderTotals(plan, [])).toMatch(/ over 2 AWS resources: /);
        expect(checkTask.summarize!({ plan, violations: [] }).resources).toBe(2);
    });
});

describe("access report is repeatable", () => {
    it("two runs print identical bytes on stdout; the timing goes to stderr only", async () => {
        const argv = ["access", "--spec", path.join(F, "one-ip.yaml"), "--security-spec", SECURITY];
        const first = await runCli(argv);
        const second = await runCli(argv);
        expect(first.code).toBe(0);
        expect(second.out).toBe(first.out);
        expect(first.out).not.toMatch(/\d+ ms|\d+\.\d+ s\b/);
        expect(first.err).toMatch(/^enclave access netlab: \d+ requests simulated in \d+\.\d\d s\n$/);
    });

    it("JSON holds no timing and agrees with Markdown on the service principal's external-ID columns", async () => {
        const argv = ["access", "--spec", path.join(F, "one-ip.yaml"), "--security-spec", SECURITY];
        const json = JSON.parse((await runCli([...argv, "--json"])).out);
        expect(Object.keys(json.stats)).toEqual(["simulations"]);
        const ec2 = json.assumers.find((a: { principal: string }) => a.principal === "ec2.amazonaws.com");
        expect([ec2.withExternalId, ec2.withoutExternalId, ec2.wrongExternalId]).toEqual(["Allowed", "n/a (service)", "n/a (service)"]);
        const md = (await runCli(argv)).out;
        expect(md).toContain("| role/enclave-netlab-workload | ec2.amazonaws.com | - | Allowed | n/a (service) | n/a (service) |");
    });
});

describe("fleet colour", () => {
    const report: FleetReport<unknown> = { outcomes: [{ vendor: "v", ok: true, value: null, summary: { result: "ok" }, durationMs: 10 }], exitCode: 0 };

    it("NO_COLOR (any value) or --no-color turns colour off even at a terminal; FORCE_COLOR turns it on", () => {
        expect(useColor(true, {}, [])).toBe(true);
        expect(useColor(false, {}, [])).toBe(false);
        expect(useColor(true, { NO_COLOR: "" }, [])).toBe(false);
        expect(useColor(true, { NO_COLOR: "1" }, [])).toBe(false);
        expect(useColor(true, {}, ["node", "enclave", "--no-color"])).toBe(false);
        expect(useColor(false, { FORCE_COLOR: "1" }, [])).toBe(true);
    });

    it("the fleet table at a terminal has no escape codes under NO_COLOR", () => {
        const saved = process.env.NO_COLOR;
        process.env.NO_COLOR = "1";
        try {
            expect(renderFleetTable(report, true)).not.toContain(ESC);
        } finally {
            if (saved === undefined) delete process.env.NO_COLOR;
            else process.env.NO_COLOR = saved;
        }
    });
});
