import { ACCOUNT_TRAIL, ALARM_TOPIC } from "../components/logArchive";
import { securityProgram, vendorProgram } from "../components/program";
import type { SecurityStackOutputs } from "../contract/outputs";
import { accessLogBucketName, archiveBucketName, bucketName } from "../iam/names";
import { tripwireContentOf, tripwireKeyOf } from "../iam/archive";
import { SECURITY_STACK } from "../contract/tags";
import type { OrganizationSpec, SecuritySpec, VendorSpec } from "../config/schema";
import { ORGANIZATION_STACK_NAME, SECURITY_STACK_NAME } from "../config/schema";
import { organizationProgram } from "../components/organization";
import { runPlan, type RunOptions } from "./engine";
import { mockGeneratedSecret, mockKeyId } from "./mocks";
import type { Plan } from "./types";

/**
 * What the security stack would export, computed from its spec the way the mocks name things, so a vendor plan
 * renders real-looking archive ARNs without the security stack having been run.
 */
export function mockSecurityOutputs(security: SecuritySpec, vendors: VendorSpec[] = []): SecurityStackOutputs {
    const acct = security.account.id;
    const region = security.account.region;
    const keyId = mockKeyId("security-archive-key");
    const archive = archiveBucketName(acct, region);
    return {
        accountId: acct,
        region,
        archiveBucketName: archive,
        archiveBucketArn: `arn:aws:s3:::${archive}`,
        accessLogBucketName: accessLogBucketName(acct, region),
        archiveKeyArn: `arn:aws:kms:${region}:${acct}:key/${keyId}`,
        deployerRoleArn: security.deployerRoleArn,
        breakGlassRoleArn: security.breakGlassRoleArn,
        accountTrailArn: `arn:aws:cloudtrail:${region}:${acct}:trail/${ACCOUNT_TRAIL}`,
        alarmTopicArn: `arn:aws:sns:${region}:${acct}:${ALARM_TOPIC}`,
        alarmKeyArn: `arn:aws:kms:${region}:${acct}:key/${mockKeyId("security-alarm-key")}`,
        archiveAdminRoleArn: security.archiveAdminRoleArn,
        // Secret: what the security plan generates for these vendors (the mock's RandomPassword results).
        tripwires: Object.fromEntries(vendors.flatMap((v) => (mockTripwire(v) ? [[v.id, mockTripwire(v)!]] : []))),
    };
}

/** The two generated secrets of a vendor's tripwire in the security plan (the plan shows them as "[secret]"). */
export const mockTripwireSecrets = (vendorId: string) =>
    [`${SECURITY_STACK}-tripwire-${vendorId}-key`, `${SECURITY_STACK}-tripwire-${vendorId}-content`].map(mockGeneratedSecret);

/** A vendor's tripwire as the security plan exports it; undefined for a vendor without a readable dataset. */
export function mockTripwire(v: VendorSpec): SecurityStackOutputs["tripwires"][string] | undefined {
    const buckets = v.datasets.filter((d) => d.access !== "write").map((d) => bucketName(v.id, d.name, v.account.id));
    if (!buckets.length) return undefined;
    const [key, content] = mockTripwireSecrets(v.id);
    return { key: tripwireKeyOf(key), content: tripwireContentOf(content), buckets };
}

/** What a vendor plan may be told beyond the specs: the stack as deployed, and the clock (tests set both). */
export interface PlanVendorOptions {
    /** The stack's own outputs as last deployed, read by its self-reference. Default: none (a fresh stack). */
    deployedOutputs?: Record<string, unknown>;
    now?: () => Date;
}

/** Everything of a vendor plan's run but the program: the benchmark's floors run with exactly these too. */
export function vendorRunContext(spec: VendorSpec, security: SecuritySpec, opts: PlanVendorOptions = {}): Omit<RunOptions, "program"> {
    return {
        stack: spec.id,
        mock: {
            accountId: spec.account.id,
            region: spec.account.region,
            stackReferenceOutputs: mockSecurityOutputs(security, [spec]),
            deployedOutputs: opts.deployedOutputs,
        },
        knownSecrets: [...(spec.access.externalId ? [spec.access.externalId] : []), ...mockTripwireSecrets(spec.id)],
    };
}

export function planVendor(spec: VendorSpec, security: SecuritySpec, opts: PlanVendorOptions = {}): Promise<Plan> {
    return runPlan({ ...vendorRunContext(spec, security, opts), program: () => vendorProgram(spec, { now: opts.now }) });
}

/** `vendors`: the vendor specs the security stack serves (see config/fleet.ts vendorsBesideSecuritySpec). */
export function planSecurity(security: SecuritySpec, vendors: VendorSpec[] = []): Promise<Plan> {
    return runPlan({
        stack: SECURITY_STACK_NAME,
        mock: { accountId: security.account.id, region: security.account.region, stackReferenceOutputs: {} },
        knownSecrets: [],
        program: () => securityProgram(security, vendors),
    });
}

/** `vendors`: the vendor specs beside the organization spec; only the account-mode ones have a place in it. */
export function planOrganization(spec: OrganizationSpec, vendors: VendorSpec[] = []): Promise<Plan> {
    return runPlan({
        stack: ORGANIZATION_STACK_NAME,
        mock: { accountId: spec.managementAccountId, region: spec.region, stackReferenceOutputs: {} },
        knownSecrets: [],
        program: () => organizationProgram(spec, vendors),
    });
}
