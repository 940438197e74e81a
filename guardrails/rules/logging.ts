// Evidence: trails, log groups, the CIS alarms and data events over the vendor's buckets.
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { bucketArnOf, is, isDataBucket, list, ofType, T } from "./util";

interface FieldSelector {
    field?: string;
    equals?: string[];
    startsWiths?: string[];
}
interface AdvancedSelector {
    fieldSelectors?: FieldSelector[];
}

/** A trail whose advanced selectors all restrict to eventCategory Data records no management events. */
export function recordsManagementEvents(props: Record<string, unknown>): boolean {
    const adv = list(props.advancedEventSelectors as AdvancedSelector[] | undefined);
    if (adv.length > 0) return adv.some((a) => !list(a.fieldSelectors).some((f) => f.field === "eventCategory" && list(f.equals).every((v) => v === "Data")));
    const basic = list(props.eventSelectors as { includeManagementEvents?: boolean }[] | undefined);
    return basic.length === 0 || basic.some((b) => b.includeManagementEvents !== false);
}

export const trailHardened: ResourceValidationPolicy = {
    name: "cloudtrail-trail-hardened",
    description:
        "FSBP CloudTrail.1, FSBP CloudTrail.2, FSBP CloudTrail.4, FSBP CloudTrail.5, CIS 3.1, CIS 3.2, CIS 3.5: every trail is KMS-encrypted, " +
        "validates log files and is logging; a trail that records management events (the account trail) is multi-region, includes global " +
        "service events and delivers to CloudWatch Logs. Why: the trail is the evidence of a breach; unencrypted or unvalidated logs can be " +
        "read or rewritten, and alarms need CloudWatch Logs.",
    remediationSteps:
        "Set kmsKeyId (archive key ARN), enableLogFileValidation: true; on the account trail isMultiRegionTrail, includeGlobalServiceEvents, cloudWatchLogsGroupArn/RoleArn.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP CloudTrail.1", "FSBP CloudTrail.2", "FSBP CloudTrail.4", "FSBP CloudTrail.5", "CIS 3.1", "CIS 3.2", "CIS 3.5"],
    validateResource: (args, report) => {
        if (!is(T.trail, args.type)) return;
        const p = args.props;
        if (!p.kmsKeyId) report("kmsKeyId is not set: trail logs are not KMS-encrypted");
        if (p.enableLogFileValidation !== true) report(`enableLogFileValidation is ${JSON.stringify(p.enableLogFileValidation ?? null)}, not true`);
        if (p.enableLogging === false) report("enableLogging is false");
        if (recordsManagementEvents(p)) {
            if (p.isMultiRegionTrail !== true) report("isMultiRegionTrail is not true on a trail that records management events");
            if (p.includeGlobalServiceEvents === false) report("includeGlobalServiceEvents is false on a trail that records management events");
            if (!p.cloudWatchLogsGroupArn || !p.cloudWatchLogsRoleArn)
                report("cloudWatchLogsGroupArn/cloudWatchLogsRoleArn are not set: the CIS alarms cannot see this trail");
        }
    },
};

export const logGroupEncryptedRetained: ResourceValidationPolicy = {
    name: "logs-group-encrypted-with-retention",
    description:
        "CKV_AWS_158, CKV_AWS_66, CKV_AWS_338: every LogGroup has a kmsKeyId and an explicit retentionInDays of at least 365. Why: logs may hold " +
        "vendor data (encrypted with the vendor key, dark after a seal) and audit logs must outlive an investigation.",
    remediationSteps: "Set kmsKeyId to the vendor (or archive) key ARN and retentionInDays >= 365 (spec logRetentionDays).",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["CKV_AWS_158", "CKV_AWS_66", "CKV_AWS_338"],
    validateResource: (args, report) => {
        if (!is(T.logGroup, args.type)) return;
        if (!args.props.kmsKeyId) report("kmsKeyId is not set");
        const days = args.props.retentionInDays;
        if (typeof days !== "number" || days < 365) report(`retentionInDays is ${JSON.stringify(days ?? null)}: set it explicitly, at least 365`);
    },
};

/** ARN prefixes (bucket/ or bucket/*) the trail's data-event selectors cover for S3 objects, read and write. */
function coveredPrefixes(trail: PolicyResource): string[] {
    const out: string[] = [];
    for (const a of list(trail.props.advancedEventSelectors as AdvancedSelector[] | undefined)) {
        const fs = list(a.fieldSelectors);
        const isData = fs.some((f) => f.field === "eventCategory" && list(f.equals).includes("Data"));
        const isObject = fs.some((f) => f.field === "resources.type" && list(f.equals).includes("AWS::S3::Object"));
        const readOnly = fs.some((f) => f.field === "readOnly");
        if (!isData || !isObject || readOnly) continue;
        const arns = fs.filter((f) => f.field === "resources.ARN");
        if (arns.length === 0) out.push("arn:aws:s3:::");
        for (const f of arns) out.push(...list(f.startsWiths), ...list(f.equals));
    }
    for (const b of list(trail.props.eventSelectors as { readWriteType?: string; dataResources?: { type?: string; values?: string[] }[] }[] | undefined)) {
        if ((b.readWriteType ?? "All") !== "All") continue;
        for (const d of list(b.dataResources)) if (d.type === "AWS::S3::Object") out.push(...list(d.values));
    }
    return out;
}

export const trailCoversDataBuckets: StackValidationPolicy = {
    name: "cloudtrail-data-events-cover-vendor-buckets",
    description:
        "CIS 3.8, CIS 3.9: a trail in the vendor stack records S3 object-level data events, read and write, for every vendor data bucket. Why: " +
        "management events do not show who read which object; after a breach this is the list of what left.",
    remediationSteps: "Add the bucket ARN + '/' to the trail's resources.ARN startsWiths selector (components/audit.ts bucketArns).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["CIS 3.8", "CIS 3.9"],
    validateStack: (args, report) => {
        const prefixes = ofType(args.resources, T.trail).flatMap(coveredPrefixes);
        for (const b of ofType(args.resources, T.bucket).filter(isDataBucket)) {
            const arn = bucketArnOf(b);
            if (!prefixes.some((p) => `${arn}/`.startsWith(p.replace(/\*$/, "")))) report(`no trail records read and write data events for ${arn}`, b.urn);
        }
    },
};

const ALARM_GROUPS: { what: string; events: string[] }[] = [
    { what: "IAM policy changes (CIS 4.4)", events: ["PutRolePolicy", "AttachRolePolicy", "CreatePolicyVersion"] },
    { what: "KMS key disable or deletion (CIS 4.7)", events: ["DisableKey", "ScheduleKeyDeletion"] },
    { what: "S3 bucket policy changes (CIS 4.8)", events: ["PutBucketPolicy"] },
    { what: "security group changes (CIS 4.10)", events: ["AuthorizeSecurityGroupIngress"] },
    { what: "route table changes (CIS 4.13)", events: ["CreateRoute"] },
    { what: "VPC changes (CIS 4.14)", events: ["CreateVpc"] },
];

export const securityAlarms: StackValidationPolicy = {
    name: "cloudwatch-cis-alarms-on-account-trail",
    description:
        "CIS 4.4, CIS 4.7, CIS 4.8, CIS 4.10, CIS 4.13, CIS 4.14, FSBP CloudWatch.4, FSBP CloudWatch.7, FSBP CloudWatch.8, FSBP CloudWatch.10, " +
        "FSBP CloudWatch.13, FSBP CloudWatch.14: the account trail's log group has metric filters with alarms (with alarmActions) for IAM " +
        "policy, KMS disable/deletion, bucket policy, security group, route and VPC changes. Why: these are the moves an attacker makes to " +
        "widen access or cover tracks; someone must be paged.",
    remediationSteps: "Keep alarmFilters() (iam/archive.ts) complete; each filter gets a MetricAlarm with alarmActions.",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: [
        "CIS 4.4",
        "CIS 4.7",
        "CIS 4.8",
        "CIS 4.10",
        "CIS 4.13",
        "CIS 4.14",
        "FSBP CloudWatch.4",
        "FSBP CloudWatch.7",
        "FSBP CloudWatch.8",
        "FSBP CloudWatch.10",
        "FSBP CloudWatch.13",
        "FSBP CloudWatch.14",
    ],
    validateStack: (args, report) => {
        const trails = ofType(args.resources, T.trail).filter((t) => recordsManagementEvents(t.props) && t.props.cloudWatchLogsGroupArn);
        for (const trail of trails) {
            const groupArn = String(trail.props.cloudWatchLogsGroupArn).replace(/:\*$/, "");
            const group = ofType(args.resources, T.logGroup).find((g) => g.props.arn === groupArn || groupArn.endsWith(`:log-group:${g.props.name}`));
            if (!group) {
                report(`trail ${trail.props.name} delivers to ${groupArn}, which is not a log group of this stack`, trail.urn);
                continue;
            }
            const filters = ofType(args.resources, T.metricFilter).filter((f) => f.props.logGroupName === group.props.name);
            const alarms = ofType(args.resources, T.alarm);
            for (const g of ALARM_GROUPS) {
                const f = filters.find((x) => g.events.every((e) => String(x.props.pattern ?? "").includes(`=${e})`)));
                const metric = (f?.props.metricTransformation as { name?: string; namespace?: string } | undefined) ?? {};
                const alarm =
                    f &&
                    alarms.find(
                        (a) =>
                            a.props.metricName === metric.name &&
                            a.props.namespace === metric.namespace &&
                            list(a.props.alarmActions as string[] | undefined).length > 0,
                    );
                if (!f) report(`no metric filter on ${group.props.name} matches ${g.what} (${g.events.join(", ")})`, trail.urn);
                else if (!alarm) report(`metric filter ${f.props.name} (${g.what}) has no alarm with alarmActions`, f.urn);
            }
        }
    },
};
