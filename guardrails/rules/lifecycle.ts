// Breach day: a vendor stack must be destroyable, the archive must not be, and a seal must cut every path at once.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { SEAL_CATALOGUE, sealOnlyResources, type SealKind } from "../../contract/seal";
import { dnsRulesOf } from "./networkStack";
import {
    actionsOf,
    conditionsOf,
    conditionValues,
    coversAction,
    isLabSideRole,
    isDataBucket,
    isLogArchiveTagged,
    isVendorStack,
    ofType,
    principalsOf,
    statementsOf,
    strings,
    T,
    tagsOf,
    type Statement,
} from "./util";

export const destroyableVendorProtectedArchive: StackValidationPolicy = {
    name: "stack-vendor-destroyable-archive-protected",
    description:
        "Invariant 36 (design, docs/invariants.md), FSBP S3.15 context: in a vendor stack nothing is protected and every data bucket has forceDestroy; the log " +
        "archive (Object Lock buckets, and buckets, keys and log groups tagged enclave:role=log-archive) is protected, never forceDestroy, and " +
        "never lives in a vendor stack. Why: breach-day teardown must not stop halfway, and it must never touch the evidence.",
    remediationSteps: "Keep forceDestroy: true on dataset buckets (components/dataset.ts) and protect: true on the security stack (components/logArchive.ts).",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-36"],
    validateStack: (args, report) => {
        const vendor = isVendorStack(args.resources);
        for (const r of args.resources) {
            if (vendor && r.opts?.protect && !isLogArchiveTagged(r))
                report(`${r.name} is protected in a vendor stack: pulumi destroy on breach day would stop`, r.urn);
        }
        for (const b of ofType(args.resources, T.bucket)) {
            const archive = b.props.objectLockEnabled === true || isLogArchiveTagged(b);
            if (isDataBucket(b) && b.props.forceDestroy !== true)
                report(
                    `data bucket ${b.props.bucket} has forceDestroy ${JSON.stringify(b.props.forceDestroy ?? null)}: a versioned bucket cannot be destroyed without it`,
                    b.urn,
                );
            if (archive && vendor) report(`log archive bucket ${b.props.bucket} is in a vendor stack: it belongs to the security stack`, b.urn);
            if (archive && b.props.forceDestroy === true) report(`log archive bucket ${b.props.bucket} has forceDestroy true`, b.urn);
        }
        const archiveParts = args.resources.filter(
            (r) =>
                (ofType([r], [...T.bucket, ...T.key, ...T.logGroup]).length > 0 && isLogArchiveTagged(r)) ||
                (ofType([r], T.bucket).length > 0 && r.props.objectLockEnabled === true),
        );
        for (const r of archiveParts) if (!r.opts?.protect) report(`${r.name} is part of the log archive but not protected`, r.urn);
    },
};

// The seal's deny-all is Action "*" on Resource "*" with no condition: a role's confinement to its own grants (a Deny
// with NotAction or NotResource) also covers s3:GetObject and kms:Decrypt somewhere, but denies nothing the role uses.
const isSealDenyAll = (s: Statement) =>
    s.Effect === "Deny" &&
    strings(s.Action).includes("*") &&
    strings(s.Resource).includes("*") &&
    s.NotAction === undefined &&
    s.NotResource === undefined &&
    s.Condition === undefined;
const isSessionRevoke = (s: Statement) => s.Effect === "Deny" && coversAction(s, "s3:GetObject") && conditionValues(s, "aws:TokenIssueTime").length > 0;

/** The vendor-side roles: roles of the stack whose trust policy admits anything but AWS services only of this account. */
function vendorRoles(resources: PolicyResource[]): PolicyResource[] {
    return ofType(resources, T.role).filter((r) => {
        const v = tagsOf(r.props)["enclave:vendor"];
        // The airlock's roles are the lab's: the seal freezes the airlock through its bucket policies instead.
        return v !== undefined && v !== "security" && !isLabSideRole(r);
    });
}

interface SealScope {
    resources: PolicyResource[];
    roles: PolicyResource[];
    rolePolicies: PolicyResource[];
    keys: PolicyResource[];
    roleArns: string[];
}

const docs = (r: PolicyResource, prop: string) => statementsOf(r.props[prop]) ?? [];

/** A Deny naming the vendor roles (as Principal or by aws:PrincipalArn) that covers every one of `actions`. */
function sealsDoc(statements: Statement[], actions: string[], roleArns: string[]): boolean {
    return statements.some(
        (s) =>
            s.Effect === "Deny" &&
            (principalsOf(s.Principal).aws.some((a) => roleArns.includes(a)) ||
                conditionsOf(s).some(
                    (c) => /^(String|Arn)(Equals|Like)$/.test(c.op) && c.key.toLowerCase() === "aws:principalarn" && c.values.some((a) => roleArns.includes(a)),
                )) &&
            actions.every((a) => coversAction(s, a)),
    );
}

/**
 * One check per kind of the seal catalogue (contract/seal.ts): a kind without its check does not compile, and
 * test/seal-catalogue.test.ts fails for a catalogue entry whose check is missing here.
 */
export const SEAL_CHECKS: { readonly [K in SealKind]: (c: SealScope, report: (message: string, urn?: string) => void) => void } = {
    sealPolicy: (c, report) => {
        for (const r of c.roles) {
            const mine = c.rolePolicies.filter((p) => p.props.role === r.props.name).flatMap((p) => docs(p, "policy"));
            if (!mine.some(isSealDenyAll)) report(`${r.name} has no role policy with an unconditioned Deny of everything while the stack is sealed`, r.urn);
            if (!mine.some(isSessionRevoke))
                report(`${r.name} has no role policy with a Deny conditioned on aws:TokenIssueTime (revoke older sessions)`, r.urn);
        }
    },
    trustPolicy: (c, report) => {
        for (const r of c.roles) {
            if (!docs(r, "assumeRolePolicy").some((s) => s.Effect === "Deny" && coversAction(s, "sts:AssumeRole")))
                report(`${r.name} trust policy does not deny sts:AssumeRole while sealed`, r.urn);
        }
    },
    key: (c, report) => {
        for (const k of c.keys) {
            if (k.props.isEnabled !== false) report(`${k.name} isEnabled is not false while sealed`, k.urn);
            // The wall that stays if someone re-enables the key.
            if (!sealsDoc(docs(k, "policy"), ["kms:Decrypt", "kms:GenerateDataKey"], c.roleArns))
                report(`${k.name} key policy has no Deny for the vendor roles while sealed`, k.urn);
        }
    },
    bucketPolicy: (c, report) => {
        // The seal Deny must name the vendor roles and cover reading and writing objects and listing.
        const dataPolicies = ofType(c.resources, T.bucketPolicy).filter((p) =>
            ofType(c.resources, T.bucket).some((b) => isDataBucket(b) && p.props.bucket === b.props.bucket),
        );
        for (const p of dataPolicies) {
            if (!sealsDoc(docs(p, "policy"), ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], c.roleArns))
                report(`${p.name} policy has no Deny for the vendor roles while sealed`, p.urn);
        }
    },
    endpointPolicy: (c, report) => {
        // ... and everything the endpoint otherwise lets them do.
        for (const e of ofType(c.resources, T.endpoint)) {
            const statements = docs(e, "policy");
            const allowed = statements.filter((s) => s.Effect === "Allow").flatMap((s) => actionsOf(s));
            if (!sealsDoc(statements, allowed, c.roleArns)) report(`${e.name} policy has no Deny for the vendor roles while sealed`, e.urn);
        }
    },
    dnsAllowRule: (c, report) => {
        for (const vpc of ofType(c.resources, T.vpc)) {
            for (const { rule } of dnsRulesOf(c.resources, vpc)) {
                if (rule.props.action !== "BLOCK")
                    report(`${rule.name} is ${String(rule.props.action)}, not BLOCK, while sealed: the VPC still resolves names`, rule.urn);
            }
        }
    },
};

export const sealComplete: StackValidationPolicy = {
    name: "seal-cuts-every-path",
    description:
        "Invariant 34 (design, docs/invariants.md; AWS 'revoke active sessions' guidance): when any part of a vendor stack is sealed, all of it is, kind by kind as the " +
        "seal catalogue (contract/seal.ts) lists them: every vendor-side role has a role policy with a Deny-all and a Deny on aws:TokenIssueTime, " +
        "every role's trust policy denies sts:AssumeRole, the key is disabled and its policy, every data bucket policy and every endpoint policy " +
        "has a Deny for the vendor roles, and every DNS Firewall rule of the VPC blocks. Why: a session revoke alone does not stop a new session; " +
        "a half seal leaves a path open.",
    remediationSteps:
        "Seal through the spec (sealed: true, sealedAt) so every builder in iam/vendor.ts adds its seal statements and each role gets its seal policy.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-34"],
    validateStack: (args, report) => {
        if (!isVendorStack(args.resources)) return;
        const roles = vendorRoles(args.resources);
        const rolePolicies = ofType(args.resources, T.rolePolicy).filter((p) => roles.some((r) => p.props.role === r.props.name));
        const keys = ofType(args.resources, T.key);
        // Sealed when any resource only a seal creates is present (the catalogue's sealed-only entries), or when any
        // seal field already holds its sealed shape: a half seal is caught from whichever side it shows.
        const vendorIds = [...new Set(roles.map((r) => tagsOf(r.props)["enclave:vendor"]).filter((v): v is string => Boolean(v)))];
        const sealOnly = vendorIds.flatMap(sealOnlyResources);
        const sealed =
            args.resources.some((r) => sealOnly.some((o) => o.type === r.type && o.name === r.name)) ||
            rolePolicies.some((p) => docs(p, "policy").some(isSealDenyAll)) ||
            keys.some((k) => k.props.isEnabled === false) ||
            roles.some((r) => docs(r, "assumeRolePolicy").some((s) => s.Effect === "Deny"));
        if (!sealed) return;
        const scope: SealScope = {
            resources: args.resources,
            roles,
            rolePolicies,
            keys,
            roleArns: roles.map((r) => r.props.arn as string | undefined).filter((a): a is string => Boolean(a)),
        };
        for (const entry of SEAL_CATALOGUE) SEAL_CHECKS[entry.packCheck](scope, report);
    },
};
