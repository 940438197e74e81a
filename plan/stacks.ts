import { ACCOUNT_TRAIL, ALARM_TOPIC } from "../components/logArchive";
import { securityProgram, vendorProgram } from "../components/program";
import type { SecurityStackOutputs } from "../contract/outputs";
import { accessLogBucketName, archiveBucketName } from "../iam/names";
import type { OrganizationSpec, SecuritySpec, VendorSpec } from "../config/schema";
import { ORGANIZATION_STACK_NAME, SECURITY_STACK_NAME } from "../config/schema";
import { organizationProgram } from "../components/organization";
import { runPlan } from "./engine";
import { mockKeyId } from "./mocks";
import type { Plan } from "./types";

/**
 * What the security stack would export, computed from its spec the way the mocks name things, so a vendor plan
 * renders real-looking archive ARNs without the security stack having been run.
 */
export function mockSecurityOutputs(security: SecuritySpec): SecurityStackOutputs {
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
        // Secret, and never read by a vendor stack: the mock does not invent its values.
        tripwires: {},
    };
}

/** What a vendor plan may be told beyond the specs: the stack as deployed, and the clock (tests set both). */
export interface PlanVendorOptions {
    /** The stack's own outputs as last deployed, read by its self-reference. Default: none (a fresh stack). */
    deployedOutputs?: Record<string, unknown>;
    now?: () => Date;
}

export function planVendor(spec: VendorSpec, security: SecuritySpec, opts: PlanVendorOptions = {}): Promise<Plan> {
    return runPlan({
        stack: spec.id,
        mock: {
            accountId: spec.account.id,
            region: spec.account.region,
            stackReferenceOutputs: mockSecurityOutputs(security),
            deployedOutputs: opts.deployedOutputs,
        },
        knownSecrets: spec.access.externalId ? [spec.access.externalId] : [],
        program: () => vendorProgram(spec, { now: opts.now }),
    });
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
