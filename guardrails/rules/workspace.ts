// The workspace: instances the vendor's staff reach through Session Manager, and the session document that records
// them. An instance inside the enclave is one more place data can be read from, so it must be no way out either.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { arnOf, idOf, is, isVendorStack, list, ofType, strings, T } from "./util";

type Props = Record<string, unknown>;
const ROOT_USERS = ["root", "admin", "ec2-user", "ubuntu"];

export const workspaceInstanceHardened: ResourceValidationPolicy = {
    name: "ec2-workspace-instance-hardened",
    description:
        "Invariant 41 (docs/invariants.md), FSBP EC2.8, FSBP EC2.9, CKV_AWS_79, CKV_AWS_8: every EC2 instance requires IMDSv2 with a hop limit of 1, has no public address, " +
        "runs with an instance profile, and every EBS volume it declares is encrypted with a named KMS key. Why: IMDSv1 or a second hop hands the workload " +
        "role's credentials to anything that can make the instance fetch a URL; a public address is a way out of the enclave; an unencrypted or AWS-managed-key " +
        "volume survives the seal's DisableKey and crypto-shredding.",
    remediationSteps:
        "Build instances with EnclaveWorkspace (components/workspace.ts): metadataOptions {httpTokens: required, httpPutResponseHopLimit: 1}, associatePublicIpAddress false, rootBlockDevice {encrypted, kmsKeyId: the vendor key}.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-41", "FSBP EC2.8", "FSBP EC2.9", "CKV_AWS_79", "CKV_AWS_8"],
    validateResource: (args, report) => {
        if (!is(T.instance, args.type)) return;
        const p = args.props;
        const md = (p.metadataOptions ?? {}) as Props;
        if (md.httpTokens !== "required") report(`metadataOptions.httpTokens is ${JSON.stringify(md.httpTokens)}, not "required" (IMDSv2)`);
        if (md.httpPutResponseHopLimit !== 1) report(`metadataOptions.httpPutResponseHopLimit is ${JSON.stringify(md.httpPutResponseHopLimit)}, not 1`);
        if (p.associatePublicIpAddress !== false) report(`associatePublicIpAddress is ${JSON.stringify(p.associatePublicIpAddress)}, not false`);
        if (!p.iamInstanceProfile)
            report("iamInstanceProfile is not set: the instance would run without the workload role (and without the SSM agent's grants)");
        const volumes: [string, Props][] = [
            ["rootBlockDevice", (p.rootBlockDevice ?? {}) as Props],
            ...list(p.ebsBlockDevices as Props[] | undefined).map((v, i): [string, Props] => [`ebsBlockDevices[${i}]`, v]),
        ];
        for (const [where, v] of volumes) {
            if (v.encrypted !== true) report(`${where}.encrypted is ${JSON.stringify(v.encrypted)}, not true`);
            if (!v.kmsKeyId) report(`${where}.kmsKeyId is not set: the volume would use the AWS managed key aws/ebs, which the seal cannot disable`);
        }
        if (p.userData !== undefined && /\bsudo\b.*NOPASSWD|usermod\s+-aG\s+(wheel|sudo)/.test(String(p.userData)))
            report("userData gives a user passwordless sudo: sessions must run as a non-root user");
    },
};

/** The session document's inputs, or undefined when the content is not a Session document's JSON. */
function sessionInputs(content: unknown): Props | undefined {
    try {
        const doc = (typeof content === "string" ? JSON.parse(content) : content) as Props;
        return (doc?.inputs ?? undefined) as Props | undefined;
    } catch {
        return undefined;
    }
}

export const sessionDocumentLogged: ResourceValidationPolicy = {
    name: "ssm-session-document-logging-mandatory",
    description:
        "Invariant 41 (docs/invariants.md), FSBP SSM.4 companion: every Session Manager document (documentType Session) is a shell (Standard_Stream), runs as a named non-root user, " +
        "and logs to S3 and to CloudWatch with s3EncryptionEnabled and cloudWatchEncryptionEnabled true, so a session that cannot be logged encrypted does not start; " +
        "it sets an idle timeout and a maximum duration. Why: the session is recorded, not prevented; an unlogged session is an unseen one.",
    remediationSteps: "Build the document with sessionDocumentContent (iam/session.ts).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["Invariant-41", "FSBP SSM.4"],
    validateResource: (args, report) => {
        if (!is(T.ssmDocument, args.type) || args.props.documentType !== "Session") return;
        let doc: Props | undefined;
        try {
            doc = (typeof args.props.content === "string" ? JSON.parse(args.props.content) : args.props.content) as Props;
        } catch {
            doc = undefined;
        }
        const inputs = sessionInputs(args.props.content);
        if (!doc || !inputs) return report("content is not a parsable Session document with inputs");
        if (doc.sessionType !== "Standard_Stream")
            report(`sessionType is ${JSON.stringify(doc.sessionType)}, not "Standard_Stream" (a shell; port forwarding and commands bypass the transcript)`);
        if (inputs.s3EncryptionEnabled !== true) report("inputs.s3EncryptionEnabled is not true: a session could start without an encrypted S3 transcript");
        if (inputs.cloudWatchEncryptionEnabled !== true)
            report("inputs.cloudWatchEncryptionEnabled is not true: a session could start without an encrypted CloudWatch stream");
        if (!inputs.s3BucketName) report("inputs.s3BucketName is empty: sessions would not be written to the archive");
        if (!inputs.cloudWatchLogGroupName) report("inputs.cloudWatchLogGroupName is empty: sessions would not be streamed to CloudWatch");
        if (inputs.runAsEnabled !== true || !inputs.runAsDefaultUser || ROOT_USERS.includes(String(inputs.runAsDefaultUser)))
            report(
                `inputs.runAsEnabled/runAsDefaultUser is ${JSON.stringify(inputs.runAsEnabled)}/${JSON.stringify(inputs.runAsDefaultUser)}: sessions must run as a named non-root user`,
            );
        if (!Number(inputs.idleSessionTimeout)) report("inputs.idleSessionTimeout is not set");
        if (!Number(inputs.maxSessionDuration)) report("inputs.maxSessionDuration is not set");
    },
};

export const workspaceStack: StackValidationPolicy = {
    name: "ec2-workspace-encrypted-and-endpoints-only",
    description:
        "Invariant 41 (docs/invariants.md), CIS 5.2, AVD-AWS-0104: in a vendor stack every instance's volumes use the stack's own vendor key, and every security group of an instance has no ingress " +
        "and egress only on 443 to a security group of this stack's interface endpoints or to a prefix list (the S3 gateway endpoint's). Why: the instance must reach " +
        "AWS only through the endpoints whose policies pin it to this vendor; a CIDR rule is a way around them.",
    remediationSteps:
        "Build instances with EnclaveWorkspace (components/workspace.ts), which takes the key ARN, the endpoint security group and the S3 prefix list.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-41", "CIS 5.2", "AVD-AWS-0104"],
    validateStack: (args, report) => {
        if (!isVendorStack(args.resources)) return;
        const instances = ofType(args.resources, T.instance);
        if (instances.length === 0) return;
        const keyArns = ofType(args.resources, T.key)
            .map(arnOf)
            .filter((a): a is string => !!a);
        const endpointGroups = new Set(
            ofType(args.resources, T.endpoint)
                .filter((e) => e.props.vpcEndpointType === "Interface")
                .flatMap((e) => strings(e.props.securityGroupIds)),
        );
        const groups = ofType(args.resources, T.sg);
        for (const i of instances) {
            const volumes = [i.props.rootBlockDevice as Props | undefined, ...list(i.props.ebsBlockDevices as Props[] | undefined)].filter(
                (v): v is Props => !!v,
            );
            for (const v of volumes)
                if (v.kmsKeyId !== undefined && !keyArns.includes(String(v.kmsKeyId)))
                    report(`${i.name} encrypts a volume with ${v.kmsKeyId}, not this vendor's key`, i.urn);
            for (const gid of strings(i.props.vpcSecurityGroupIds)) {
                const g = groups.find((x) => idOf(x) === gid);
                if (!g) {
                    report(`${i.name} uses security group ${gid}, which is not in this stack`, i.urn);
                    continue;
                }
                if (list(g.props.ingress as Props[] | undefined).length > 0)
                    report(`${g.name} (on ${i.name}) has ingress rules: Session Manager needs none`, g.urn);
                for (const e of list(g.props.egress as Props[] | undefined)) {
                    const to = `${e.protocol} ${e.fromPort}-${e.toPort}`;
                    if (e.protocol !== "tcp" || e.fromPort !== 443 || e.toPort !== 443)
                        report(`${g.name} (on ${i.name}) allows egress ${to}, not HTTPS only`, g.urn);
                    if (strings(e.cidrBlocks).length || strings(e.ipv6CidrBlocks).length)
                        report(
                            `${g.name} (on ${i.name}) allows egress to CIDRs ${[...strings(e.cidrBlocks), ...strings(e.ipv6CidrBlocks)].join(", ")}, not the enclave's endpoints`,
                            g.urn,
                        );
                    const foreign = strings(e.securityGroups).filter((s) => !endpointGroups.has(s));
                    if (foreign.length)
                        report(`${g.name} (on ${i.name}) allows egress to ${foreign.join(", ")}, not an interface endpoint group of this stack`, g.urn);
                    if (e.self === true) report(`${g.name} (on ${i.name}) allows egress to itself (instance to instance)`, g.urn);
                }
            }
        }
    },
};
