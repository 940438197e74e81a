import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { vendorNames, type Tags } from "../iam/names";

/**
 * Names the enclave's resolver may answer. Everything an enclave reaches is an AWS endpoint (`*.amazonaws.com`, served
 * only by AWS's own name servers) or an instance's private hostname; no attacker-run name server sees a query for
 * those, so they cannot carry data out.
 */
export const ALLOWED_DNS_DOMAINS = ["amazonaws.com", "*.amazonaws.com", "*.compute.internal", "*.ec2.internal"] as const;

export const DNS_RULE_PRIORITY = { allowAws: 100, blockRest: 200 } as const;

export interface EnclaveDnsArgs {
    vendorId: string;
    vpcId: pulumi.Input<string>;
    /** S3 ARN (bucket/prefix/) in the central archive that receives the resolver query logs. */
    queryLogDestination: pulumi.Input<string>;
    sealed: boolean;
    tags: Tags;
}

/**
 * The VPC's resolver is a way out that no endpoint, bucket or IAM policy sees: it resolves any internet name, so
 * code inside the enclave could spell data into queries for a domain whose name server an attacker runs, and flow logs
 * do not record traffic to the Amazon DNS server. A Route 53 Resolver DNS Firewall answers only the names in
 * ALLOWED_DNS_DOMAINS and NXDOMAIN for the rest; it fails closed; every query is logged to the archive. Sealing blocks
 * the allow-list too (an in-place update of one rule's action), so a running instance loses even the AWS names.
 */
export class EnclaveDns extends pulumi.ComponentResource {
    readonly ruleGroup: aws.route53.ResolverFirewallRuleGroup;
    readonly allowAws: aws.route53.ResolverFirewallRule;
    readonly blockRest: aws.route53.ResolverFirewallRule;
    readonly queryLog: aws.route53.ResolverQueryLogConfig;

    constructor(name: string, args: EnclaveDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Dns", name, {}, opts);
        const child = { parent: this };
        const prefix = `enclave-${args.vendorId}`;
        const names = vendorNames(args.vendorId);

        const awsDomains = new aws.route53.ResolverFirewallDomainList(
            `${name}-aws-domains`,
            { name: `${prefix}-aws-domains`, domains: [...ALLOWED_DNS_DOMAINS], tags: args.tags },
            child,
        );
        const everything = new aws.route53.ResolverFirewallDomainList(
            `${name}-all-domains`,
            { name: `${prefix}-all-domains`, domains: ["*"], tags: args.tags },
            child,
        );
        this.ruleGroup = new aws.route53.ResolverFirewallRuleGroup(`${name}-rules`, { name: names.dnsRuleGroup, tags: args.tags }, child);
        this.allowAws = new aws.route53.ResolverFirewallRule(
            `${name}-allow-aws`,
            {
                name: names.dnsAllowRule,
                firewallRuleGroupId: this.ruleGroup.id,
                firewallDomainListId: awsDomains.id,
                priority: DNS_RULE_PRIORITY.allowAws,
                ...(args.sealed ? { action: "BLOCK", blockResponse: "NXDOMAIN" } : { action: "ALLOW" }),
            },
            child,
        );
        this.blockRest = new aws.route53.ResolverFirewallRule(
            `${name}-block-rest`,
            {
                name: names.dnsBlockRule,
                firewallRuleGroupId: this.ruleGroup.id,
                firewallDomainListId: everything.id,
                priority: DNS_RULE_PRIORITY.blockRest,
                action: "BLOCK",
                blockResponse: "NXDOMAIN",
            },
            child,
        );
        // Mutation protection stays off: it would also refuse the deployer's `pulumi destroy` of the association.
        new aws.route53.ResolverFirewallRuleGroupAssociation(
            `${name}-association`,
            {
                name: names.dnsRuleGroup,
                firewallRuleGroupId: this.ruleGroup.id,
                vpcId: args.vpcId,
                priority: 101,
                mutationProtection: "DISABLED",
                tags: args.tags,
            },
            { ...child, dependsOn: [this.allowAws, this.blockRest] },
        );
        // Fail closed: if the firewall cannot evaluate a query, the resolver refuses it instead of answering it.
        new aws.route53.ResolverFirewallConfig(`${name}-firewall-config`, { resourceId: args.vpcId, firewallFailOpen: "DISABLED" }, child);

        this.queryLog = new aws.route53.ResolverQueryLogConfig(
            `${name}-query-log`,
            { name: `${prefix}-dns-queries`, destinationArn: args.queryLogDestination, tags: args.tags },
            child,
        );
        new aws.route53.ResolverQueryLogConfigAssociation(
            `${name}-query-log-association`,
            { resolverQueryLogConfigId: this.queryLog.id, resourceId: args.vpcId },
            child,
        );
        this.registerOutputs({ ruleGroupId: this.ruleGroup.id });
    }
}
