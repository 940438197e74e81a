// The runbook of an account-mode vendor: `enclave seal` quarantines the member account in the same first round as the
// in-account writes and verify-contain reads the account's parent and policies back; `enclave unseal` lifts the
// quarantine before its Pulumi steps; `enclave destroy` closes (or with --park keeps) the quarantined account after
// the evidence. Organizations is moto_server's (the calls, their order and the state they leave); the member
// account's in-account world is the in-memory one of bench/awsWorld.ts; Pulumi is the runbook fake.
//
// What this cannot prove: that AWS evaluates the quarantine SCP and RCP as intended (test/organization-simulation.test.ts
// proves that by simulation), nor that the credentials of the management account and of break-glass in the member
// account are the ones the operator holds.
import { DescribeAccountCommand, type OrganizationsClient } from "@aws-sdk/client-organizations";
import * as fs from "node:fs";
import { stringify } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { awsWorld, type AwsWorld } from "../bench/awsWorld";
import { containBenchAccountMode } from "../bench/contain";
import { loadVendorSpec, organizationSpecPath } from "../config/load";
import { EXIT } from "../contract/errors";
import { orgPolicyNames } from "../iam/organization";
import { planVendor } from "../plan/stacks";
import { accountParent, attachedPolicies, organizationsClient } from "../runbook/aws/organizations";
import { SdkAws } from "../runbook/aws/reads";
import { organizationContain } from "../runbook/quarantine";
import { runCommand } from "../runbook/runbook";
import { ACME, securityFixture, vendorFixture } from "./support/fixtures";
import { MOTO_CREDENTIALS, motoMissing, startMoto, type Moto } from "./support/moto";
import { ORG_SPEC, seedOrganization, type SeededOrganization } from "./support/orgFacts";
import { exitOf, makeFake, providerStep, removeFakes, sealSteps, steps, urnOf, type Fake, type FakeOptions } from "./support/runbookFake";

const MANAGEMENT = "999900001111";
/** The log-archive account (the security fixture's account and ORG_SPEC's logArchiveAccountId) and its archive bucket. */
const LOG_ARCHIVE_BUCKET = "enclave-log-archive-111122223333-us-east-1";
const LAB_DEPLOYER_SESSION = "arn:aws:sts::111122223333:assumed-role/enclave-deployer/oncall";
const MISSING = motoMissing();
if (MISSING) console.warn(`organization-runbook.test.ts skipped: ${MISSING}`);

describe.skipIf(MISSING !== null)(`account-mode seal, unseal and destroy through the runbook${MISSING ? ` (skipped: ${MISSING})` : ""}`, () => {
    let moto: Moto;
    let client: OrganizationsClient;
    let org: SeededOrganization;
    let sent: string[] = [];
    let dropAttach = false;
    let world: AwsWorld | undefined;

    beforeAll(async () => {
        moto = await startMoto(MANAGEMENT);
        client = organizationsClient({ endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 2 });
        org = await seedOrganization(client, [{ vendorId: ACME, principals: vendorFixture(ACME).access.principals }]);
        // Every command the runbook sends to Organizations, in order.
        const send = client.send.bind(client) as (cmd: unknown) => Promise<unknown>;
        (client as unknown as { send: (cmd: { constructor: { name: string } }) => Promise<unknown> }).send = (cmd) => {
            sent.push(cmd.constructor.name);
            // An attach AWS acknowledges but that does not hold (what verify-contain exists to catch).
            if (dropAttach && cmd.constructor.name === "AttachPolicyCommand") return Promise.resolve({});
            return send(cmd);
        };
    }, 60_000);

    afterEach(() => world?.restore());
    afterAll(async () => {
        removeFakes();
        client?.destroy();
        await moto?.stop();
    });

    const account = () => org.accounts[ACME];
    const rcps = async () => (await attachedPolicies(client, account(), "RESOURCE_CONTROL_POLICY")).map((p) => p.name);

    /** A runbook fake whose acme-labeling is an account-mode enclave in moto's member account, with stacks/organization.yaml. */
    function accountModeFake(tooling: "ok" | "missing-cli"): Fake {
        // The runbook acts in the member account as its break-glass (preflight refuses any other caller).
        const f = makeFake({ tooling, account: account(), callerArn: `arn:aws:sts::${account()}:assumed-role/enclave-break-glass/oncall` });
        const file = f.specFile(ACME);
        const text = fs
            .readFileSync(file, "utf8")
            .replace('  id: "111122223333"', `  id: "${account()}"`)
            .concat("isolation: account\nmemberAccount:\n  roleName: enclave-deployer\n");
        fs.writeFileSync(file, text);
        fs.writeFileSync(organizationSpecPath(f.deps.stacksDir), stringify({ ...ORG_SPEC, rootId: org.rootId }));
        f.deps.organizations = client;
        return f;
    }

    async function moveBack() {
        const parent = await accountParent(client, account());
        if (parent !== org.vendorsOuId)
            await client.send(
                new (await import("@aws-sdk/client-organizations")).MoveAccountCommand({
                    AccountId: account(),
                    SourceParentId: parent,
                    DestinationParentId: org.vendorsOuId,
                }),
            );
        if ((await rcps()).includes(orgPolicyNames.vendorQuarantine(ACME)))
            await client.send(
                new (await import("@aws-sdk/client-organizations")).DetachPolicyCommand({
                    PolicyId: org.policyIds[orgPolicyNames.vendorQuarantine(ACME)],
                    TargetId: account(),
                }),
            );
    }

    it("seal: the quarantine (one MoveAccount, the RCP on, the SCP ensured) in the same round as the in-account writes, then verify-contain reads it back", async () => {
        await moveBack();
        const f = accountModeFake("missing-cli");
        const spec = loadVendorSpec(f.specFile(ACME), ACME);
        world = awsWorld(await planVendor(spec, securityFixture()), ACME, { account: account() });
        f.deps.aws = new SdkAws(world.clients);
        f.deps.contain = { clients: world.clients };
        sent = [];
        const r = await exitOf(runCommand("seal", ACME, f.deps));
        const during = [...sent];
        expect(r.code).toBe(EXIT.reconcilePending);
        expect(await accountParent(client, account())).toBe(org.quarantineOuId);
        expect(await rcps()).toContain(orgPolicyNames.vendorQuarantine(ACME));
        expect((await attachedPolicies(client, org.quarantineOuId, "SERVICE_CONTROL_POLICY")).map((p) => p.name)).toContain(orgPolicyNames.quarantine);
        // Contain: one round of reads, then the writes; the quarantine itself is the one MoveAccount.
        const contained = during.slice(0, during.indexOf("MoveAccountCommand") + 1);
        expect(during.filter((c) => c === "MoveAccountCommand")).toEqual(["MoveAccountCommand"]);
        expect(new Set(contained.slice(0, -1))).toEqual(new Set(["ListParentsCommand", "ListOrganizationalUnitsForParentCommand", "ListPoliciesCommand"]));
        expect(f.out).toContain(`  ok   account ${account()}: organizations:MoveAccount ${org.vendorsOuId} -> Quarantine OU ${org.quarantineOuId}`);
        expect(f.out).toContain(`  ok   policy ${orgPolicyNames.vendorQuarantine(ACME)}: organizations:AttachPolicy to account ${account()}`);
        // The in-account writes ran too (defence in depth), and verify-contain confirmed both sides.
        expect(world.key.state).toBe("Disabled");
        expect(steps(f.journal(ACME)).filter((s) => !String(s).startsWith("contain:"))).toEqual(["contain", "verify-contain", "write-spec"]);
        // verify-contain read the parent and the attached policies after the writes.
        const verified = during.slice(during.indexOf("MoveAccountCommand") + 1);
        expect(verified).toEqual(expect.arrayContaining(["ListParentsCommand", "ListPoliciesForTargetCommand"]));
    });

    it("verify-contain fails when AWS does not hold the quarantine RCP the contain attached, naming the check", async () => {
        await moveBack();
        const f = accountModeFake("missing-cli");
        f.deps.retry = { attempts: 2, initialDelayMs: 1, factor: 1, maxDelayMs: 1 };
        const spec = loadVendorSpec(f.specFile(ACME), ACME);
        world = awsWorld(await planVendor(spec, securityFixture()), ACME, { account: account() });
        f.deps.aws = new SdkAws(world.clients);
        f.deps.contain = { clients: world.clients };
        dropAttach = true;
        try {
            const r = await exitOf(runCommand("seal", ACME, f.deps));
            expect(r.code).toBe(EXIT.failure);
            expect(r.message).toMatch(/^verify-contain: still not confirmed after 2 reads: /);
            expect(r.message).toContain(`account ${account()}: not confirmed: the quarantine RCP is attached to the account`);
        } finally {
            dropAttach = false;
        }
    });

    it("seal without an Organizations client: the in-account writes still apply, the quarantine line fails naming what is missing (exit 1)", async () => {
        await moveBack();
        const f = accountModeFake("missing-cli");
        f.deps.organizations = undefined;
        const spec = loadVendorSpec(f.specFile(ACME), ACME);
        world = awsWorld(await planVendor(spec, securityFixture()), ACME, { account: account() });
        f.deps.aws = new SdkAws(world.clients);
        f.deps.contain = { clients: world.clients };
        const r = await exitOf(runCommand("seal", ACME, f.deps));
        expect(r.code).toBe(EXIT.failure);
        expect(r.message).toMatch(
            /^contain acme-labeling: 1 of \d+ writes failed \(acme-labeling is an account-mode enclave: the quarantine needs an AWS Organizations client/,
        );
        expect(world.key.state).toBe("Disabled");
        expect(await accountParent(client, account())).toBe(org.vendorsOuId);
    });

    it("unseal: the quarantine is lifted (RCP detached, back in Vendors) before the Pulumi unseal", async () => {
        await moveBack();
        const f = accountModeFake("ok");
        await runCommand("seal", ACME, f.deps);
        const spec = loadVendorSpec(f.specFile(ACME), ACME);
        await organizationContain({ client, org: { ...ORG_SPEC, rootId: org.rootId } }, spec);
        expect(await accountParent(client, account())).toBe(org.quarantineOuId);
        f.advance(7 * 3600_000);
        await runCommand("unseal", ACME, f.deps);
        expect(await accountParent(client, account())).toBe(org.vendorsOuId);
        expect(await rcps()).not.toContain(orgPolicyNames.vendorQuarantine(ACME));
        expect(steps(f.journal(ACME)).slice(-7)).toEqual(["preflight", "release-quarantine", "write-spec", "preview", "up", "verify-unseal", "done"]);
        expect(f.deployed.sealed).toBe(false);
    });

    it("unseal: quarantine lifted, then the reconcile as the deployer; a crash at release-quarantine, write-spec or up resumes where it stopped", async () => {
        await moveBack();
        const f = accountModeFake("ok");
        await runCommand("seal", ACME, f.deps);
        expect(f.deployed.assumedRole).toBe(`arn:aws:iam::${account()}:role/enclave-break-glass`);
        const spec = loadVendorSpec(f.specFile(ACME), ACME);
        await organizationContain({ client, org: { ...ORG_SPEC, rootId: org.rootId } }, spec);
        f.advance(7 * 3600_000);

        // Killed as release-quarantine starts: nothing released, the spec and the stack still sealed.
        f.opts.crashAt = "release-quarantine";
        expect((await exitOf(runCommand("unseal", ACME, f.deps))).code).toBe(EXIT.failure);
        expect(await accountParent(client, account())).toBe(org.quarantineOuId);
        expect(loadVendorSpec(f.specFile(ACME), ACME).sealed).toBe(true);

        // Killed after the release, before the spec is unsealed: the account is out, the stack still as break-glass.
        f.opts.crashAt = "write-spec";
        expect((await exitOf(runCommand("unseal", ACME, f.deps))).code).toBe(EXIT.failure);
        expect(await accountParent(client, account())).toBe(org.vendorsOuId);
        expect(await rcps()).not.toContain(orgPolicyNames.vendorQuarantine(ACME));
        expect(loadVendorSpec(f.specFile(ACME), ACME).sealed).toBe(true);
        expect(f.deployed.assumedRole).toBe(`arn:aws:iam::${account()}:role/enclave-break-glass`);

        // Killed as up starts: the spec is unsealed, nothing deployed yet.
        f.opts.crashAt = "up";
        expect((await exitOf(runCommand("unseal", ACME, f.deps))).code).toBe(EXIT.failure);
        expect(loadVendorSpec(f.specFile(ACME), ACME).sealed).toBe(false);
        expect(f.deployed.sealed).toBe(true);

        f.opts.crashAt = undefined;
        sent = [];
        await runCommand("unseal", ACME, f.deps);
        // The rerun does not touch Organizations again (release-quarantine finished earlier in the run).
        expect(sent).not.toContain("MoveAccountCommand");
        expect(sent).not.toContain("DetachPolicyCommand");
        expect(f.out).toContain("  skip release-quarantine (finished earlier in this run)");
        expect(f.deployed.sealed).toBe(false);
        expect(f.deployed.assumedRole).toBe(`arn:aws:iam::${account()}:role/enclave-deployer`);
        // One run, in this order: the release finished before the spec was unsealed and before up.
        const run = f.journal(ACME).filter((e) => e.command === "unseal" && e.result === "ok" && e.step !== "preflight" && e.step !== "preview");
        expect(run.map((e) => e.step)).toEqual(["release-quarantine", "write-spec", "up", "verify-unseal", "done"]);
        expect(new Set(run.map((e) => e.run)).size).toBe(1);
    });

    it("destroy: the evidence goes to the log-archive account's archive as its deployer; another uploader is refused before any put, and a rerun (or a crash at retire-account) resumes", async () => {
        await moveBack();
        const f = accountModeFake("ok");
        await runCommand("seal", ACME, f.deps);
        const spec = loadVendorSpec(f.specFile(ACME), ACME);
        await organizationContain({ client, org: { ...ORG_SPEC, rootId: org.rootId } }, spec);

        // The member account's break-glass as uploader: the archive admits evidence writes from the log-archive deployer alone.
        f.opts.uploaderArn = `arn:aws:sts::${account()}:assumed-role/enclave-break-glass/oncall`;
        const r = await exitOf(runCommand("destroy", ACME, f.deps, { yes: true, park: true }));
        expect(r.code).toBe(EXIT.failure);
        expect(r.message).toBe(
            `the evidence archive s3://${LOG_ARCHIVE_BUCKET} admits evidence writes from arn:aws:iam::111122223333:role/enclave-deployer alone, but the archive credentials are arn:aws:sts::${account()}:assumed-role/enclave-break-glass/oncall: set ENCLAVE_ARCHIVE_PROFILE to a profile of that role, then rerun \`enclave destroy ${ACME}\` to resume`,
        );
        expect(f.archive).toEqual({});

        // The right uploader, then killed as retire-account starts: the evidence is archived, the account untouched.
        f.opts.uploaderArn = LAB_DEPLOYER_SESSION;
        f.opts.crashAt = "retire-account";
        expect((await exitOf(runCommand("destroy", ACME, f.deps, { yes: true, park: true }))).code).toBe(EXIT.failure);
        const keys = Object.keys(f.archive);
        expect(keys.length).toBeGreaterThan(0);
        for (const k of keys) expect(k.startsWith(`${LOG_ARCHIVE_BUCKET}/evidence/${ACME}/`)).toBe(true);
        const archived = f.journal(ACME).find((e) => e.step === "archive-evidence" && e.result === "ok")!;
        expect(archived.data).toMatchObject({ bucket: LOG_ARCHIVE_BUCKET, account: "111122223333", uploader: LAB_DEPLOYER_SESSION });

        f.opts.crashAt = undefined;
        const puts = f.calls.filter((c) => c.startsWith("put:")).length;
        await runCommand("destroy", ACME, f.deps, { yes: true, park: true });
        // Resumed at retire-account: the evidence was not uploaded again, and the parked account names where it is.
        expect(f.calls.filter((c) => c.startsWith("put:")).length).toBe(puts);
        expect(f.out).toContain("  skip archive-evidence (finished earlier in this run)");
        const retired = f.journal(ACME).find((e) => e.step === "retire-account" && e.result === "ok")!;
        expect(String((retired.data as { evidence: string }).evidence)).toMatch(new RegExp(`^s3://${LOG_ARCHIVE_BUCKET}/evidence/${ACME}/`));
        expect(await accountParent(client, account())).toBe(org.quarantineOuId);
    });

    it("destroy: after the evidence, the quarantined account is closed (no Pulumi destroy); --park keeps it; outside the quarantine it is refused", async () => {
        await moveBack();
        // Refused: the account is still in the Vendors OU; the evidence is archived, nothing is closed.
        const refused = accountModeFake("ok");
        await runCommand("seal", ACME, refused.deps);
        const r = await exitOf(runCommand("destroy", ACME, refused.deps, { yes: true }));
        expect(r.code).toBe(EXIT.failure);
        expect(r.message).toContain(`account ${account()}: is in ${org.vendorsOuId}, not the Quarantine OU ${org.quarantineOuId}; seal it first`);
        expect(Object.keys(refused.archive).length).toBeGreaterThan(0);

        const spec = loadVendorSpec(refused.specFile(ACME), ACME);
        await organizationContain({ client, org: { ...ORG_SPEC, rootId: org.rootId } }, spec);
        const parked = accountModeFake("ok");
        await runCommand("seal", ACME, parked.deps);
        sent = [];
        await runCommand("destroy", ACME, parked.deps, { yes: true, park: true });
        expect(sent).not.toContain("CloseAccountCommand");
        expect(steps(parked.journal(ACME)).slice(-3)).toEqual(["archive-evidence", "retire-account", "done"]);
        expect(parked.calls).not.toContain("destroy");

        const closed = accountModeFake("ok");
        await runCommand("seal", ACME, closed.deps);
        sent = [];
        await runCommand("destroy", ACME, closed.deps, { yes: true });
        expect(sent.filter((c) => c === "CloseAccountCommand")).toEqual(["CloseAccountCommand"]);
        const state = (await client.send(new DescribeAccountCommand({ AccountId: account() }))).Account;
        expect(String(state?.State ?? state?.Status)).toMatch(/SUSPENDED|PENDING_CLOSURE|CLOSED/);
        const retired = closed.journal(ACME).find((e) => e.step === "retire-account" && e.result === "ok")!;
        expect(retired.data).toMatchObject({ account: account(), disposal: "close" });
        expect(String((retired.data as { evidence: string }).evidence)).toContain(`s3://${LOG_ARCHIVE_BUCKET}/evidence/${ACME}/`);
        // The log-archive account's archive, never one named after the member account.
        expect(Object.keys(closed.archive).length).toBeGreaterThan(0);
        for (const k of Object.keys(closed.archive)) expect(k.startsWith(`${LOG_ARCHIVE_BUCKET}/evidence/${ACME}/`)).toBe(true);
    });
});

describe("the containment bench's account-mode line (in-memory account and organization, 100 ms per call)", () => {
    it("counts the quarantine as one call, its writes in one round after the reads, adding nothing to the critical path", async () => {
        const lines = await containBenchAccountMode(vendorFixture(ACME), securityFixture());
        expect(lines[1]).toMatch(/^quarantine: 1 call \(MoveAccount into the Quarantine OU\); organization calls: \d+, their depth: 2; /);
        expect(lines[2]).toBe(
            "target: quarantine one call: MET; organization writes in one round after the reads (depth 2): MET; the quarantine adds nothing to the critical path: MET",
        );
    }, 60_000);
});

describe("account mode: the sealed reconcile acts as the member account's break-glass, and the preview guard admits that provider change alone", () => {
    const MEMBER = "210987654321";
    const BREAK_GLASS = `arn:aws:iam::${MEMBER}:role/enclave-break-glass`;
    const DEPLOYER = `arn:aws:iam::${MEMBER}:role/enclave-deployer`;
    afterAll(() => removeFakes());

    /** acme-labeling as an account-mode enclave in MEMBER, the runbook's credentials break-glass there, stacks/organization.yaml beside it. */
    function memberFake(opts: FakeOptions = {}, org: Partial<typeof ORG_SPEC> = {}): Fake {
        const f = makeFake({ account: MEMBER, callerArn: `arn:aws:sts::${MEMBER}:assumed-role/enclave-break-glass/oncall`, ...opts });
        const file = f.specFile(ACME);
        fs.writeFileSync(
            file,
            fs
                .readFileSync(file, "utf8")
                .replace('  id: "111122223333"', `  id: "${MEMBER}"`)
                .concat("isolation: account\nmemberAccount:\n  roleName: enclave-deployer\n"),
        );
        fs.writeFileSync(organizationSpecPath(f.deps.stacksDir), stringify({ ...ORG_SPEC, ...org }));
        return f;
    }
    const specOf = (f: Fake) => loadVendorSpec(f.specFile(ACME), ACME);

    it("seal: the reconcile deploys through the member account's break-glass (the role the provider assumes while sealed)", async () => {
        const f = memberFake();
        await runCommand("seal", ACME, f.deps);
        expect(steps(f.journal(ACME))).toEqual(["preflight", "write-spec", "preview", "up", "verify-seal", "done"]);
        expect(f.deployed.sealed).toBe(true);
        expect(f.deployed.assumedRole).toBe(BREAK_GLASS);
    });

    const refusals: [string, (s: ReturnType<typeof specOf>) => ReturnType<typeof providerStep>, string][] = [
        [
            "another role of the member account",
            (s) => providerStep(s, false, true, { to: `arn:aws:iam::${MEMBER}:role/enclave-admin` }),
            `update of assumeRoles of ${urnOf(ACME, "pulumi:providers:aws", `${ACME}-aws`)} from ${DEPLOYER} to arn:aws:iam::${MEMBER}:role/enclave-admin (the seal moves it from ${DEPLOYER} to ${BREAK_GLASS} only)`,
        ],
        [
            "the security account's break-glass",
            (s) => providerStep(s, false, true, { to: "arn:aws:iam::111122223333:role/enclave-break-glass" }),
            `update of assumeRoles of ${urnOf(ACME, "pulumi:providers:aws", `${ACME}-aws`)} from ${DEPLOYER} to arn:aws:iam::111122223333:role/enclave-break-glass (the seal moves it from ${DEPLOYER} to ${BREAK_GLASS} only)`,
        ],
        [
            "the unseal's direction during a seal",
            (s) => providerStep(s, true, false),
            `update of assumeRoles of ${urnOf(ACME, "pulumi:providers:aws", `${ACME}-aws`)} from ${BREAK_GLASS} to ${DEPLOYER} (the seal moves it from ${DEPLOYER} to ${BREAK_GLASS} only)`,
        ],
        [
            "another provider input beside the role",
            (s) => providerStep(s, false, true, undefined, ["assumeRoles", "region"]),
            `update of assumeRoles, region of ${urnOf(ACME, "pulumi:providers:aws", `${ACME}-aws`)} (a seal changes only assumeRoles of the provider)`,
        ],
        [
            "a second provider",
            (s) => ({ ...providerStep(s, false, true), urn: urnOf(ACME, "pulumi:providers:aws", `${ACME}-aws-2`) }),
            `update of assumeRoles of ${urnOf(ACME, "pulumi:providers:aws", `${ACME}-aws-2`)} (a seal changes only the role ${ACME}-aws assumes)`,
        ],
    ];
    for (const [what, step, why] of refusals) {
        it(`the preview guard refuses a provider change to ${what}, and nothing is deployed`, async () => {
            const probe = memberFake();
            const f = memberFake({ previewSteps: [...sealSteps(specOf(probe)), step(specOf(probe))] });
            const r = await exitOf(runCommand("seal", ACME, f.deps));
            expect(r.code).toBe(EXIT.failure);
            expect(r.message).toBe(
                `refusing to deploy ${ACME}: the preview shows a change beyond the seal fields: ${why}; the working tree holds unreviewed changes: revert them, then rerun \`enclave seal ${ACME}\` to resume`,
            );
            expect(f.calls).not.toContain("up");
            expect(f.deployed.assumedRole).toBeUndefined();
        });
    }

    it("a shared-account seal refuses any provider change as before", async () => {
        const f = makeFake();
        const spec = loadVendorSpec(f.specFile(ACME), ACME);
        f.opts.previewSteps = [...sealSteps(spec), { ...providerStep({ ...spec, account: { ...spec.account, id: MEMBER } }, false, true) }];
        const r = await exitOf(runCommand("seal", ACME, f.deps));
        expect(r.message).toBe(
            `refusing to deploy ${ACME}: the preview shows a change beyond the seal fields: update of assumeRoles of ${urnOf(ACME, "pulumi:providers:aws", `${ACME}-aws`)}; the working tree holds unreviewed changes: revert them, then rerun \`enclave seal ${ACME}\` to resume`,
        );
        expect(f.calls).not.toContain("up");
    });

    it("preflight refuses the deployer's credentials in the member account: the quarantine SCP lets only break-glass act there", async () => {
        const f = memberFake({ callerArn: `arn:aws:sts::${MEMBER}:assumed-role/enclave-deployer/oncall` });
        const r = await exitOf(runCommand("seal", ACME, f.deps));
        expect(r.code).toBe(EXIT.failure);
        expect(r.message).toBe(
            `the AWS credentials are arn:aws:sts::${MEMBER}:assumed-role/enclave-deployer/oncall; ${ACME} is an account-mode enclave, and in its account the runbook acts as ${BREAK_GLASS}, the only role the quarantine SCP lets act there: use that role's credentials`,
        );
        expect(f.calls).not.toContain("preview");
        expect(specOf(f).sealed).toBe(false);
    });

    it("destroy refuses an organization spec whose log archive is not the security stack's account (exit 2), before any put", async () => {
        const f = memberFake({}, { logArchiveAccountId: "123456789012" });
        await runCommand("seal", ACME, f.deps);
        const r = await exitOf(runCommand("destroy", ACME, f.deps, { yes: true }));
        expect(r.code).toBe(EXIT.invalidInput);
        expect(r.message).toBe(
            `stacks/organization.yaml: logArchiveAccountId is 123456789012 but the security stack (the log archive) is in 111122223333: the evidence of ${ACME} would go to an archive that does not exist. Fix: set logArchiveAccountId: "111122223333"`,
        );
        expect(f.archive).toEqual({});
    });
});
