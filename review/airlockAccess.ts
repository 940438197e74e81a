// The export airlock's rows of the access report: who may submit, who may approve (and only in their own slot), who
// may read released files, each simulated over the plan's documents. The approvers and the recipient are read back
// from the planned bucket policies, never from the spec: the report shows what the deployed documents say.
import { AIRLOCK_PREFIX, airlockNames, GUARDDUTY_SCAN_TAG, SCAN_CLEAN } from "../contract/airlock";
import { approverSlot } from "../iam/airlock";
import { bucketArn } from "../iam/names";
import type { Network, SimRequest } from "./context";
import type { SimResult } from "./simulate";
import type { VendorFacts, World } from "./world";

export interface AirlockAccessRow {
    /** submit, read-outbox, approve, read-released. */
    what: string;
    principal: string;
    action: string;
    resource: string;
    decision: string;
    decidedBy: string;
}

type Statement = { Sid?: string; Condition?: Record<string, Record<string, unknown>> };
const values = (s: Statement | undefined, op: string) => [s?.Condition?.[op]?.["aws:PrincipalArn"] ?? []].flat() as string[];
const short = (arn: string) => arn.replace(/^arn:aws:iam::\d{12}:role\//, "role/").replace(/^arn:aws:s3:::/, "s3://");

/** Empty when the vendor has no airlock in this world. */
export async function airlockAccess(world: World, v: VendorFacts, run: (req: SimRequest) => Promise<SimResult>, outside: Network): Promise<AirlockAccessRow[]> {
    const n = airlockNames(v.vendorId, v.accountId);
    const control = world.buckets.get(bucketArn(n.controlBucket));
    const released = world.buckets.get(bucketArn(n.releasedBucket));
    if (!control || !released) return [];
    const controlSt = (control.policy?.Statement ?? []) as Statement[];
    const approvers = controlSt.filter((s) => s.Sid?.startsWith("DecisionSlot")).flatMap((s) => values(s, "ArnNotEquals"));
    const readers = values(
        (released.policy?.Statement as Statement[] | undefined)?.find((s) => s.Sid === "DenyReadsExceptRecipient"),
        "StringNotEqualsIfExists",
    ).filter((a) => a !== v.breakGlassRoleArn);
    const enclave: Network = { via: "endpoint", endpointId: v.s3EndpointId };
    const rows: AirlockAccessRow[] = [];
    const probe = async (what: string, principal: string, action: string, resource: string, network: Network, context?: Record<string, string>) => {
        const r = await run({ principal, action, resource, network, ...(context ? { context } : {}) });
        rows.push({
            what,
            principal: short(principal),
            action,
            resource: short(resource),
            decision: r.decision,
            decidedBy: r.decidedBy.sid ?? r.decidedBy.layer,
        });
    };
    const outbox = bucketArn(n.outboxBucket);
    for (const [role, who] of [
        [v.vendorRoleArn, "vendor"],
        [v.workloadRoleArn, "workload"],
    ] as const) {
        await probe("submit", role, "s3:PutObject", `${outbox}/${AIRLOCK_PREFIX.submitBy(who)}file`, enclave);
        await probe("read the outbox", role, "s3:GetObject", `${outbox}/${AIRLOCK_PREFIX.submitBy(who)}file`, enclave, {
            [`s3:ExistingObjectTag/${GUARDDUTY_SCAN_TAG}`]: SCAN_CLEAN,
        });
        await probe("approve", role, "s3:PutObject", `${control.arn}/${AIRLOCK_PREFIX.decision("request", approverSlot(approvers[0] ?? role))}`, enclave);
    }
    for (const a of approvers) {
        await probe("approve", a, "s3:PutObject", `${control.arn}/${AIRLOCK_PREFIX.decision("request", approverSlot(a))}`, outside);
        const other = approvers.find((x) => x !== a);
        if (other)
            await probe("approve in another's slot", a, "s3:PutObject", `${control.arn}/${AIRLOCK_PREFIX.decision("request", approverSlot(other))}`, outside);
        await probe("read a clean submission", a, "s3:GetObjectVersion", `${outbox}/submit/vendor/file`, outside, {
            [`s3:ExistingObjectTag/${GUARDDUTY_SCAN_TAG}`]: SCAN_CLEAN,
        });
    }
    const file = `${released.arn}/${AIRLOCK_PREFIX.released("request", "file")}`;
    for (const p of [...new Set([...readers, v.vendorRoleArn, v.workloadRoleArn, ...approvers])])
        await probe("read released files", p, "s3:GetObject", file, p === v.vendorRoleArn || p === v.workloadRoleArn ? enclave : outside);
    return rows;
}
