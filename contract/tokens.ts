// Pulumi type tokens, the one list every room uses (program mocks, plan summary, guardrails, review, cost, runbook).
// Dependency-free on purpose: the CrossGuard pack in guardrails/ imports it too, and the pack must load on its own.

/** Pulumi type tokens (@pulumi/aws v7), with the v6 `...V2` spellings that v7 still accepts as aliases. */
export const T = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    pab: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    acl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    sse: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    lifecycle: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"],
    logging: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
    objectLock: [
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
    ],
    bucketObject: ["aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketObject:BucketObject"],
    key: ["aws:kms/key:Key"],
    vpc: ["aws:ec2/vpc:Vpc"],
    defaultSg: ["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"],
    flowLog: ["aws:ec2/flowLog:FlowLog"],
    subnet: ["aws:ec2/subnet:Subnet"],
    routeTable: ["aws:ec2/routeTable:RouteTable", "aws:ec2/defaultRouteTable:DefaultRouteTable"],
    route: ["aws:ec2/route:Route"],
    sg: ["aws:ec2/securityGroup:SecurityGroup"],
    sgRule: [
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ],
    endpoint: ["aws:ec2/vpcEndpoint:VpcEndpoint"],
    dnsDomainList: ["aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"],
    dnsRuleGroup: ["aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup"],
    dnsRule: ["aws:route53/resolverFirewallRule:ResolverFirewallRule"],
    dnsAssociation: ["aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"],
    dnsFirewallConfig: ["aws:route53/resolverFirewallConfig:ResolverFirewallConfig"],
    dnsQueryLog: ["aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig"],
    dnsQueryLogAssociation: ["aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"],
    role: ["aws:iam/role:Role"],
    rolePolicy: ["aws:iam/rolePolicy:RolePolicy"],
    managedPolicy: ["aws:iam/policy:Policy"],
    rolePolicyAttachment: ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment"],
    trail: ["aws:cloudtrail/trail:Trail"],
    logGroup: ["aws:cloudwatch/logGroup:LogGroup"],
    metricFilter: ["aws:cloudwatch/logMetricFilter:LogMetricFilter"],
    alarm: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
    eventRule: ["aws:cloudwatch/eventRule:EventRule"],
    eventTarget: ["aws:cloudwatch/eventTarget:EventTarget"],
    kmsAlias: ["aws:kms/alias:Alias"],
    instanceProfile: ["aws:iam/instanceProfile:InstanceProfile"],
    instance: ["aws:ec2/instance:Instance"],
    ssmDocument: ["aws:ssm/document:Document"],
    routeTableAssociation: ["aws:ec2/routeTableAssociation:RouteTableAssociation"],
    snsTopic: ["aws:sns/topic:Topic"],
    internetGateway: ["aws:ec2/internetGateway:InternetGateway"],
    internetGatewayAttachment: ["aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"],
    egressOnlyInternetGateway: ["aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"],
    natGateway: ["aws:ec2/natGateway:NatGateway"],
    eip: ["aws:ec2/eip:Eip"],
    eipAssociation: ["aws:ec2/eipAssociation:EipAssociation"],
    randomPassword: ["random:index/randomPassword:RandomPassword"],
    lambdaFunction: ["aws:lambda/function:Function"],
    lambdaPermission: ["aws:lambda/permission:Permission"],
    lambdaEventInvokeConfig: ["aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"],
    sqsQueue: ["aws:sqs/queue:Queue"],
    sqsQueuePolicy: ["aws:sqs/queuePolicy:QueuePolicy"],
    stateMachine: ["aws:sfn/stateMachine:StateMachine"],
    bucketNotification: ["aws:s3/bucketNotification:BucketNotification"],
    malwareProtectionPlan: ["aws:guardduty/malwareProtectionPlan:MalwareProtectionPlan"],
    stack: ["pulumi:pulumi:Stack"],
    stackReference: ["pulumi:pulumi:StackReference"],
    awsProvider: ["pulumi:providers:aws"],
} as const;

export type TokenKind = keyof typeof T;

/** Every resource that gives a VPC a way to or from the internet: none may exist in an enclave. */
export const INTERNET_PATH_KINDS = [
    "internetGateway",
    "internetGatewayAttachment",
    "egressOnlyInternetGateway",
    "natGateway",
    "eip",
    "eipAssociation",
] as const satisfies readonly TokenKind[];
export const INTERNET_PATH_TYPES: readonly string[] = INTERNET_PATH_KINDS.flatMap((k) => T[k]);

/** Prefix of this toolkit's own component types (`enclave:vendor:Key`, `enclave:security:LogArchive`, ...). */
export const COMPONENT_PREFIX = "enclave:";
/** The vendor enclave's root component: the parent of every vendor component. */
export const VENDOR_ENCLAVE_COMPONENT = "enclave:vendor:VendorEnclave";
/** The export airlock of a vendor enclave (components/airlock.ts). */
export const AIRLOCK_COMPONENT = "enclave:vendor:Airlock";

/** The canonical (first) spelling of each kind, for code that registers or looks up one type. */
export const TOKEN = Object.fromEntries(Object.entries(T).map(([k, v]) => [k, v[0]])) as { readonly [K in TokenKind]: (typeof T)[K][0] };
