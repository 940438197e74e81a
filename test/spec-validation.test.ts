import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadSecuritySpec, loadVendorSpec, SpecError, SpecProblems } from "../config/load";
import {
    ACME,
    checkoutWithFixtures,
    EVALCORP,
    escapeRegExp,
    fixtureFile,
    FIXTURE_VENDOR_IDS,
    FIXTURES_DIR,
    fixtureText,
    removeScratchCopies,
    SECURITY_FIXTURE_FILE,
} from "./support/fixtures";

// Table-driven validator tests: each malformed spec is a valid base spec with one mutation, and each expects the exact
// one-line message (file, field, problem, value received, fix). What this cannot prove: that every spec the validator
// accepts is deployable (AWS quotas, names already taken in the account, principals that do not exist), nor that the
// fix hints are the best advice - only that they are the documented ones and stay that way.

const ROOT = path.join(__dirname, "..");
const VENDOR_BASE = parse(fixtureText(ACME));
const SECURITY_BASE = parse(fs.readFileSync(SECURITY_FIXTURE_FILE, "utf8"));

// Fix hints, verbatim from config/fields.ts: a change to a hint must be a deliberate change to these tests.
const FIX = {
    id: "use 3-20 lowercase letters, digits and single hyphens starting with a letter, e.g. acme-labeling; a spec in stacks/ is named <id>.yaml",
    displayName: 'give the vendor\'s name as 1-80 characters, e.g. "Acme Labeling Ltd"',
    accountId: 'write the 12-digit account id in quotes, e.g. "111122223333"',
    region: "use an AWS region code such as us-east-1 or eu-west-1",
    principals: "list exact role or user ARNs, e.g. arn:aws:iam::444455556666:role/acme-annotators (no '*', no ':root')",
    externalId: "use 16-128 characters of letters, digits and + = , . @ : / -, or remove the field to generate one",
    maxSession: "use a whole number of seconds from 900 to 3600",
    cidr: "use a private network address with prefix /16-/24, e.g. 10.20.0.0/20",
    azCount: "use 1, 2 or 3",
    egress: "list public IPv4 CIDRs such as 203.0.113.0/24 (prefix /16 or longer, no private or 0.0.0.0/0 ranges)",
    endpoints: "choose from kms, sts, logs, ssm, ssmmessages, ec2messages, each at most once",
    datasets: "list 1-20 datasets as {name, access}",
    datasetName: "use 1-24 lowercase letters, digits and single hyphens, starting with a letter, unique within the vendor",
    access: "use read, write or read-write",
    retention: "use a CloudWatch retention value of at least 365: 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
    keyWindow: "use a whole number of days from 7 to 30",
    sealedAt: 'write a UTC time such as "2026-11-23T12:00:00Z" (enclave seal fills it in)',
    deployer: "give a role ARN in the lab account, e.g. arn:aws:iam::111122223333:role/enclave-deployer",
    breakGlass: "give a role ARN in the lab account, e.g. arn:aws:iam::111122223333:role/enclave-break-glass",
    lockMode: "use GOVERNANCE or COMPLIANCE",
    archiveDays: "use a whole number of days from 90 to 3653",
};
const ID_CHARS = "may hold only lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen";
const ANNOTATORS = "arn:aws:iam::444455556666:role/acme-annotators";
const VENDOR_TEXT = fixtureText(ACME);
/** The example vendor's text with one line changed: numbers and tags must be written as YAML text to be tested. */
function edit(from: string, to: string): string {
    if (!VENDOR_TEXT.includes(from)) throw new Error(`the example spec has no ${JSON.stringify(from)}`);
    return VENDOR_TEXT.replace(from, to);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Spec = any;
interface Case {
    title: string;
    mutate?: (s: Spec) => void;
    /** Raw file text instead of a mutated base spec. */
    text?: string;
    /** Default: the vendor loader with no expected id. */
    load?: (file: string) => unknown;
    security?: boolean;
    field: string | undefined;
    message: (file: string) => string;
}

const msg = (field: string, problem: string, got: string, fix: string) => (f: string) => `${f}: ${field} ${problem}: got ${got}. Fix: ${fix}.`;

const VENDOR_CASES: Case[] = [
    { title: "id with uppercase", mutate: (s) => (s.id = "Acme-labeling"), field: "id", message: msg("id", ID_CHARS, '"Acme-labeling"', FIX.id) },
    {
        title: "id longer than 20",
        mutate: (s) => (s.id = "a".repeat(21)),
        field: "id",
        message: msg("id", "is longer than 20 characters (bucket names are capped at 63)", `"${"a".repeat(21)}"`, FIX.id),
    },
    { title: "id shorter than 3", mutate: (s) => (s.id = "ab"), field: "id", message: msg("id", "is shorter than 3 characters", '"ab"', FIX.id) },
    { title: "id with a double hyphen", mutate: (s) => (s.id = "acme--labs"), field: "id", message: msg("id", ID_CHARS, '"acme--labs"', FIX.id) },
    { title: "id ending with a hyphen", mutate: (s) => (s.id = "acme-"), field: "id", message: msg("id", ID_CHARS, '"acme-"', FIX.id) },
    {
        title: "id reserved for the security stack",
        mutate: (s) => (s.id = "security"),
        field: "id",
        message: msg("id", "is reserved for the security stack", '"security"', FIX.id),
    },
    {
        title: "id with an S3-reserved prefix sthree-",
        mutate: (s) => (s.id = "sthree-acme"),
        field: "id",
        message: msg("id", "starts with a prefix S3 reserves", '"sthree-acme"', FIX.id),
    },
    {
        title: "id with the S3-reserved prefix amzn-s3-demo-",
        mutate: (s) => (s.id = "amzn-s3-demo-acme"),
        field: "id",
        message: msg("id", "starts with a prefix S3 reserves", '"amzn-s3-demo-acme"', FIX.id),
    },
    { title: "id missing", mutate: (s) => delete s.id, field: "id", message: msg("id", "is missing", "nothing", FIX.id) },
    {
        title: "displayName missing",
        mutate: (s) => delete s.displayName,
        field: "displayName",
        message: msg("displayName", "is missing", "nothing", FIX.displayName),
    },
    {
        title: "account id of 11 digits",
        mutate: (s) => (s.account.id = "11112222333"),
        field: "account.id",
        message: msg("account.id", "must be exactly 12 digits", '"11112222333"', FIX.accountId),
    },
    {
        title: "account id unquoted (a YAML number)",
        mutate: (s) => (s.account.id = 111122223333),
        field: "account.id",
        message: msg("account.id", "must be a quoted string of 12 digits", "111122223333", FIX.accountId),
    },
    {
        title: "region without a number",
        mutate: (s) => (s.account.region = "us-east"),
        field: "account.region",
        message: msg("account.region", "is not an AWS region code", '"us-east"', FIX.region),
    },
    {
        title: "region in upper case",
        mutate: (s) => (s.account.region = "US-EAST-1"),
        field: "account.region",
        message: msg("account.region", "is not an AWS region code", '"US-EAST-1"', FIX.region),
    },
    // Every ARN the toolkit writes uses the `aws` partition: a GovCloud region would render ARNs that do not exist there.
    {
        title: "GovCloud region (other partition)",
        mutate: (s) => (s.account.region = "us-gov-west-1"),
        field: "account.region",
        message: msg("account.region", "is not an AWS region code", '"us-gov-west-1"', FIX.region),
    },
    {
        title: "principal '*'",
        mutate: (s) => (s.access.principals = ["*"]),
        field: "access.principals[0]",
        message: msg("access.principals[0]", "contains a wildcard; a vendor principal must be exact", '"*"', FIX.principals),
    },
    {
        title: "principal with a wildcard role name",
        mutate: (s) => (s.access.principals = [ANNOTATORS, "arn:aws:iam::444455556666:role/*"]),
        field: "access.principals[1]",
        message: msg("access.principals[1]", "contains a wildcard; a vendor principal must be exact", '"arn:aws:iam::444455556666:role/*"', FIX.principals),
    },
    {
        title: "principal is an account root",
        mutate: (s) => (s.access.principals = ["arn:aws:iam::444455556666:root"]),
        field: "access.principals[0]",
        message: msg(
            "access.principals[0]",
            "is an account root, which admits every principal of that account",
            '"arn:aws:iam::444455556666:root"',
            FIX.principals,
        ),
    },
    {
        title: "principal is not an IAM ARN",
        mutate: (s) => (s.access.principals = ["arn:aws:s3:::bucket"]),
        field: "access.principals[0]",
        message: msg("access.principals[0]", "is not an IAM role or user ARN", '"arn:aws:s3:::bucket"', FIX.principals),
    },
    {
        title: "principal listed twice",
        mutate: (s) => (s.access.principals = [ANNOTATORS, ANNOTATORS]),
        field: "access.principals",
        message: msg("access.principals", "lists a principal twice", `["${ANNOTATORS}","${ANNOTATORS}"]`, FIX.principals),
    },
    {
        title: "no principals",
        mutate: (s) => (s.access.principals = []),
        field: "access.principals",
        message: msg("access.principals", "is empty", "[]", FIX.principals),
    },
    {
        title: "external id too short",
        mutate: (s) => (s.access.externalId = "short"),
        field: "access.externalId",
        // The external ID is a secret: shown by its length only.
        message: msg("access.externalId", "must be 16-128 characters of letters, digits and + = , . @ : / -", "[secret, 5 characters]", FIX.externalId),
    },
    {
        title: "external id with a character outside the set (still not echoed)",
        mutate: (s) => (s.access.externalId = "vendor-secret-Xy9#kQ2!"),
        field: "access.externalId",
        message: msg("access.externalId", "must be 16-128 characters of letters, digits and + = , . @ : / -", "[secret, 22 characters]", FIX.externalId),
    },
    {
        title: "external id misspelt as externalid (a secret under an unknown name)",
        mutate: (s) => (s.access.externalid = "vendor-secret-abcdefgh"),
        field: "access.externalid",
        message: (f) =>
            `${f}: access.externalid is not a known field: got [secret, 22 characters]. Fix: write it as externalId (field names are case-sensitive).`,
    },
    {
        title: "a secret-looking unknown top-level key",
        mutate: (s) => (s.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG"),
        field: "AWS_SECRET_ACCESS_KEY",
        message: (f) =>
            `${f}: AWS_SECRET_ACCESS_KEY is not a known field: got [secret, 21 characters]. Fix: remove it or correct its spelling (known here: id, displayName, contact, account, securityStack, access, network, workspace, datasets, logRetentionDays, keyDeletionWindowDays, isolation, memberAccount, airlock, sealed, sealedAt).`,
    },
    {
        title: "access given as a list that holds the external id (redacted inside the value)",
        mutate: (s) => (s.access = [{ externalId: "vendor-secret-abcdefgh" }]),
        field: "access",
        message: (f) => `${f}: access must be a mapping with principals: got [{"externalId":"[secret]"}]. Fix: see docs/spec-reference.md.`,
    },
    {
        title: "session longer than an hour",
        mutate: (s) => (s.access.maxSessionSeconds = 7200),
        field: "access.maxSessionSeconds",
        message: msg("access.maxSessionSeconds", "is above 3600 seconds (one hour)", "7200", FIX.maxSession),
    },
    {
        title: "CIDR that does not parse",
        mutate: (s) => (s.network.cidr = "10.20.0.0/33"),
        field: "network.cidr",
        message: msg("network.cidr", "is not an IPv4 CIDR", '"10.20.0.0/33"', FIX.cidr),
    },
    {
        title: "CIDR that is not a CIDR at all",
        mutate: (s) => (s.network.cidr = "my-vpc"),
        field: "network.cidr",
        message: msg("network.cidr", "is not an IPv4 CIDR", '"my-vpc"', FIX.cidr),
    },
    {
        title: "public VPC CIDR",
        mutate: (s) => (s.network.cidr = "8.8.0.0/16"),
        field: "network.cidr",
        message: msg("network.cidr", "is not a private (RFC 1918) range", '"8.8.0.0/16"', FIX.cidr),
    },
    {
        title: "VPC CIDR with host bits set",
        mutate: (s) => (s.network.cidr = "10.20.1.0/20"),
        field: "network.cidr",
        message: msg("network.cidr", "has host bits set (the network address is 10.20.0.0/20)", '"10.20.1.0/20"', FIX.cidr),
    },
    {
        title: "VPC CIDR /8",
        mutate: (s) => (s.network.cidr = "10.0.0.0/8"),
        field: "network.cidr",
        message: msg("network.cidr", "has a prefix outside /16-/24", '"10.0.0.0/8"', FIX.cidr),
    },
    {
        title: "VPC CIDR /28",
        mutate: (s) => (s.network.cidr = "10.20.0.0/28"),
        field: "network.cidr",
        message: msg("network.cidr", "has a prefix outside /16-/24", '"10.20.0.0/28"', FIX.cidr),
    },
    { title: "azCount 0", mutate: (s) => (s.network.azCount = 0), field: "network.azCount", message: msg("network.azCount", "is below 1", "0", FIX.azCount) },
    { title: "azCount 4", mutate: (s) => (s.network.azCount = 4), field: "network.azCount", message: msg("network.azCount", "is above 3", "4", FIX.azCount) },
    {
        title: "azCount 1.5",
        mutate: (s) => (s.network.azCount = 1.5),
        field: "network.azCount",
        message: msg("network.azCount", "must be a whole number", "1.5", FIX.azCount),
    },
    {
        title: "azCount as a string",
        mutate: (s) => (s.network.azCount = "2"),
        field: "network.azCount",
        message: msg("network.azCount", "must be a number", '"2"', FIX.azCount),
    },
    {
        title: "unknown data path",
        mutate: (s) => (s.network.dataPath = "internet"),
        field: "network.dataPath",
        message: msg("network.dataPath", "is not a data path", '"internet"', "use endpoint or allow-list"),
    },
    {
        title: "allow-list without vendorEgressCidrs",
        mutate: (s) => (s.network.dataPath = "allow-list"),
        field: "network.vendorEgressCidrs",
        message: msg("network.vendorEgressCidrs", "is empty but network.dataPath is allow-list", "nothing", FIX.egress),
    },
    {
        title: "vendorEgressCidrs with the endpoint data path",
        mutate: (s) => (s.network.vendorEgressCidrs = ["203.0.113.0/24"]),
        field: "network.vendorEgressCidrs",
        message: msg("network.vendorEgressCidrs", "is set but network.dataPath is endpoint (it would be ignored)", '["203.0.113.0/24"]', FIX.egress),
    },
    {
        title: "private egress CIDR",
        mutate: (s) => Object.assign(s.network, { dataPath: "allow-list", vendorEgressCidrs: ["10.0.0.0/24"] }),
        field: "network.vendorEgressCidrs[0]",
        message: msg("network.vendorEgressCidrs[0]", "is not a public range (the vendor's egress IPs are public)", '"10.0.0.0/24"', FIX.egress),
    },
    {
        title: "egress CIDR 0.0.0.0/0",
        mutate: (s) => Object.assign(s.network, { dataPath: "allow-list", vendorEgressCidrs: ["203.0.113.0/24", "0.0.0.0/0"] }),
        field: "network.vendorEgressCidrs[1]",
        message: msg("network.vendorEgressCidrs[1]", "is wider than /16", '"0.0.0.0/0"', FIX.egress),
    },
    {
        title: "egress CIDR /15 (one bit wider than the /16 limit)",
        mutate: (s) => Object.assign(s.network, { dataPath: "allow-list", vendorEgressCidrs: ["203.0.0.0/15"] }),
        field: "network.vendorEgressCidrs[0]",
        message: msg("network.vendorEgressCidrs[0]", "is wider than /16", '"203.0.0.0/15"', FIX.egress),
    },
    {
        title: "egress CIDR with host bits",
        mutate: (s) => Object.assign(s.network, { dataPath: "allow-list", vendorEgressCidrs: ["203.0.113.7/24"] }),
        field: "network.vendorEgressCidrs[0]",
        message: msg("network.vendorEgressCidrs[0]", "has host bits set (the network address is 203.0.113.0/24)", '"203.0.113.7/24"', FIX.egress),
    },
    {
        title: "unsupported interface endpoint",
        mutate: (s) => (s.network.interfaceEndpoints = ["kms", "ec2"]),
        field: "network.interfaceEndpoints[1]",
        message: msg("network.interfaceEndpoints[1]", "is not an interface endpoint this toolkit supports", '"ec2"', FIX.endpoints),
    },
    {
        title: "interface endpoint twice",
        mutate: (s) => (s.network.interfaceEndpoints = ["kms", "kms"]),
        field: "network.interfaceEndpoints",
        message: msg("network.interfaceEndpoints", "lists a service twice", '["kms","kms"]', FIX.endpoints),
    },
    {
        title: "unknown access level",
        mutate: (s) => (s.datasets[1].access = "admin"),
        field: "datasets[1].access",
        message: msg("datasets[1].access", "is not an access level", '"admin"', FIX.access),
    },
    {
        title: "duplicate dataset",
        mutate: (s) => (s.datasets[2].name = "guidelines"),
        field: "datasets[2].name",
        message: msg("datasets[2].name", "names a dataset twice", '"guidelines"', FIX.datasetName),
    },
    {
        title: "dataset name with an underscore",
        mutate: (s) => (s.datasets[0].name = "task_batches"),
        field: "datasets[0].name",
        message: msg(
            "datasets[0].name",
            "may hold only lowercase letters, digits and single hyphens, starting with a letter",
            '"task_batches"',
            FIX.datasetName,
        ),
    },
    { title: "no datasets", mutate: (s) => (s.datasets = []), field: "datasets", message: msg("datasets", "is empty", "[]", FIX.datasets) },
    {
        title: "retention below a year",
        mutate: (s) => (s.logRetentionDays = 30),
        field: "logRetentionDays",
        message: msg("logRetentionDays", "is not a CloudWatch retention value of at least 365", "30", FIX.retention),
    },
    {
        title: "key deletion window of 5 days",
        mutate: (s) => (s.keyDeletionWindowDays = 5),
        field: "keyDeletionWindowDays",
        message: msg("keyDeletionWindowDays", "is below 7 days", "5", FIX.keyWindow),
    },
    {
        title: "sealed without sealedAt",
        mutate: (s) => (s.sealed = true),
        field: "sealedAt",
        message: msg("sealedAt", "is missing but sealed is true", "nothing", FIX.sealedAt),
    },
    {
        title: "sealedAt without sealed",
        mutate: (s) => (s.sealedAt = "2026-11-23T12:00:00Z"),
        field: "sealedAt",
        message: msg("sealedAt", "is set but sealed is false", '"2026-11-23T12:00:00Z"', FIX.sealedAt),
    },
    {
        title: "sealedAt with a non-UTC offset",
        mutate: (s) => Object.assign(s, { sealed: true, sealedAt: "2026-11-23T12:00:00+01:00" }),
        field: "sealedAt",
        message: msg("sealedAt", "is not a UTC ISO 8601 time ending in Z", '"2026-11-23T12:00:00+01:00"', FIX.sealedAt),
    },
    {
        title: "sealed as a string",
        mutate: (s) => (s.sealed = "yes"),
        field: "sealed",
        message: msg("sealed", "must be true or false", '"yes"', "use true or false"),
    },
    {
        title: "unknown top-level key",
        mutate: (s) => (s.acount = { id: "111122223333" }),
        field: "acount",
        message: (f) =>
            `${f}: acount is not a known field: got {"id":"111122223333"}. Fix: remove it or correct its spelling (known here: id, displayName, contact, account, securityStack, access, network, workspace, datasets, logRetentionDays, keyDeletionWindowDays, isolation, memberAccount, airlock, sealed, sealedAt).`,
    },
    {
        title: "unknown key under network",
        mutate: (s) => (s.network.vpcCidr = "10.0.0.0/16"),
        field: "network.vpcCidr",
        message: (f) =>
            `${f}: network.vpcCidr is not a known field: got "10.0.0.0/16". Fix: remove it or correct its spelling (known here: cidr, azCount, dataPath, vendorEgressCidrs, interfaceEndpoints).`,
    },
    {
        title: "unknown key inside a dataset",
        mutate: (s) => (s.datasets[0].acess = "read"),
        field: "datasets[0].acess",
        message: (f) => `${f}: datasets[0].acess is not a known field: got "read". Fix: remove it or correct its spelling (known here: name, access).`,
    },
    {
        title: "account given as a string",
        mutate: (s) => (s.account = "111122223333"),
        field: "account",
        message: (f) => `${f}: account must be a mapping with id and region: got "111122223333". Fix: see docs/spec-reference.md.`,
    },
    {
        title: "YAML syntax error (unclosed quote)",
        text: 'id: acme-labeling\naccount:\n  id: "1111\n  region: us-east-1\n',
        field: undefined,
        message: (f) => `${f}: YAML syntax error at line 5, column 1: Missing closing "quote. Fix: correct the YAML there (indentation, quotes, colons).`,
    },
    {
        title: "YAML duplicate key",
        text: "id: acme-labeling\nid: evalcorp\n",
        field: undefined,
        message: (f) => `${f}: YAML syntax error at line 2, column 1: Map keys must be unique. Fix: correct the YAML there (indentation, quotes, colons).`,
    },
    // Numbers are shown as written in the YAML; beyond any field's range they are "too large", not "got null".
    {
        title: "key deletion window 1e400 (beyond a double)",
        text: edit("keyDeletionWindowDays: 30", "keyDeletionWindowDays: 1e400"),
        field: "keyDeletionWindowDays",
        message: msg("keyDeletionWindowDays", "is too large", "1e400", FIX.keyWindow),
    },
    {
        title: "key deletion window of 23 digits",
        text: edit("keyDeletionWindowDays: 30", "keyDeletionWindowDays: 99999999999999999999999"),
        field: "keyDeletionWindowDays",
        message: msg("keyDeletionWindowDays", "is too large", "99999999999999999999999", FIX.keyWindow),
    },
    {
        title: "session .inf",
        text: edit("maxSessionSeconds: 3600", "maxSessionSeconds: .inf"),
        field: "access.maxSessionSeconds",
        message: msg("access.maxSessionSeconds", "is too large", ".inf", FIX.maxSession),
    },
    {
        title: "session .nan",
        text: edit("maxSessionSeconds: 3600", "maxSessionSeconds: .nan"),
        field: "access.maxSessionSeconds",
        message: msg("access.maxSessionSeconds", "is not a number", ".nan", FIX.maxSession),
    },
    {
        title: "azCount -.inf",
        text: edit("azCount: 2", "azCount: -.inf"),
        field: "network.azCount",
        message: msg("network.azCount", "is too large a negative number", "-.inf", FIX.azCount),
    },
    {
        title: "retention 1e400 (a field without an integer check)",
        text: edit("logRetentionDays: 365", "logRetentionDays: 1e400"),
        field: "logRetentionDays",
        message: msg("logRetentionDays", "is too large", "1e400", FIX.retention),
    },
    {
        title: "account id unquoted with a leading zero (shown as written, not as the number it became)",
        text: edit('id: "111122223333"', "id: 011122223333"),
        field: "account.id",
        message: msg("account.id", "must be a quoted string of 12 digits", "011122223333", FIX.accountId),
    },
    {
        title: "session in hex is shown as written",
        text: edit("maxSessionSeconds: 3600", "maxSessionSeconds: 0x10"),
        field: "access.maxSessionSeconds",
        message: msg("access.maxSessionSeconds", "is below 900 seconds", "0x10", FIX.maxSession),
    },
    // Tags: only the core schema's (!!str, !!int, ...) are understood; anything else would be silently reinterpreted.
    {
        title: "unknown YAML tag !foo",
        text: edit("displayName: Acme Labeling Ltd", "displayName: !foo Acme Labeling Ltd"),
        field: "displayName",
        message: (f) =>
            `${f}: displayName has the YAML tag !foo, which a spec does not use: got "Acme Labeling Ltd". Fix: remove the tag and write the plain value.`,
    },
    {
        title: "YAML 1.1 tag !!binary inside a list",
        text: edit("    - arn:aws:iam::444455556666:role/acme-annotators", "    - !!binary aGVsbG8="),
        field: "access.principals[0]",
        message: (f) =>
            `${f}: access.principals[0] has the YAML tag !!binary, which a spec does not use: got "aGVsbG8=". Fix: remove the tag and write the plain value.`,
    },
    {
        title: "unknown tag on a mapping",
        text: edit("network:\n", "network: !vpc\n"),
        field: "network",
        message: (f) =>
            `${f}: network has the YAML tag !vpc, which a spec does not use: got {"cidr":"10.20.0.0/20","azCount":2,"dataPath":"endpoint"}. Fix: remove the tag and write the plain value.`,
    },
    {
        title: "a core tag (!!str) is understood, then validated",
        text: edit("maxSessionSeconds: 3600", "maxSessionSeconds: !!str 3600"),
        field: "access.maxSessionSeconds",
        message: msg("access.maxSessionSeconds", "must be a number", '"3600"', FIX.maxSession),
    },
    {
        title: "YAML alias bomb",
        text: 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
        field: undefined,
        message: (f) =>
            `${f}: the YAML repeats its aliases (*name) too often (Excessive alias count indicates a resource exhaustion attack). Fix: write the values out instead of repeating aliases.`,
    },
    {
        title: "nesting deep enough to exhaust the parser's stack",
        text: `id: ${"[".repeat(20000)}${"]".repeat(20000)}\n`,
        field: undefined,
        message: (f) => `${f}: the YAML nests too deeply to read. Fix: a spec nests a few levels; check the brackets and indentation.`,
    },
    {
        title: "a .env file given as a spec: only the type is shown",
        text: "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n",
        field: undefined,
        message: (f) => `${f}: the top level is a string, not a mapping. Fix: write the vendor spec as YAML keys (id:, account:, ...).`,
    },
    {
        title: "empty file",
        text: "\n   \n",
        field: undefined,
        message: (f) => `${f}: the file is empty. Fix: write the vendor spec as YAML (see docs/spec-reference.md).`,
    },
    {
        title: "top level is a list",
        text: "- id: acme-labeling\n",
        field: undefined,
        message: (f) => `${f}: the top level is a list, not a mapping. Fix: write the vendor spec as YAML keys (id:, account:, ...).`,
    },
    {
        title: "top level is a scalar",
        text: "acme-labeling\n",
        field: undefined,
        message: (f) => `${f}: the top level is a string, not a mapping. Fix: write the vendor spec as YAML keys (id:, account:, ...).`,
    },
    {
        title: "id does not match the stack (file) name",
        mutate: (s) => (s.id = "evalcorp"),
        load: (f) => loadVendorSpec(f, "acme-labeling"),
        field: "id",
        message: (f) =>
            `${f}: id "evalcorp" does not match the stack name "acme-labeling": got "evalcorp". Fix: rename the file to stacks/evalcorp.yaml or set id: acme-labeling.`,
    },
    {
        title: "id does not match a file name that is no valid id (no `set id: acme labeling`)",
        load: (f) => loadVendorSpec(f, "acme labeling"),
        field: "id",
        message: (f) =>
            `${f}: id "acme-labeling" does not match the stack name "acme labeling": got "acme-labeling". Fix: rename the file to stacks/acme-labeling.yaml (a file name in stacks/ is the vendor id, 3-20 lowercase letters, digits and single hyphens, starting with a letter (e.g. acme-labeling)).`,
    },
];

const SECURITY_CASES: Case[] = (
    [
        {
            title: "deployer role in another account",
            mutate: (s) => (s.deployerRoleArn = "arn:aws:iam::999988887777:role/enclave-deployer"),
            field: "deployerRoleArn",
            message: msg("deployerRoleArn", "is not in account 111122223333", '"arn:aws:iam::999988887777:role/enclave-deployer"', FIX.deployer),
        },
        {
            title: "break-glass role is the deployer role",
            mutate: (s) => (s.breakGlassRoleArn = s.deployerRoleArn),
            field: "breakGlassRoleArn",
            message: msg(
                "breakGlassRoleArn",
                "is the deployer role; break-glass must be a separate role",
                '"arn:aws:iam::111122223333:role/enclave-deployer"',
                FIX.breakGlass,
            ),
        },
        {
            title: "deployer is a user, not a role",
            mutate: (s) => (s.deployerRoleArn = "arn:aws:iam::111122223333:user/bob"),
            field: "deployerRoleArn",
            message: msg("deployerRoleArn", "is not an IAM role ARN", '"arn:aws:iam::111122223333:user/bob"', FIX.deployer),
        },
        {
            title: "unknown Object Lock mode",
            mutate: (s) => (s.archive.objectLockMode = "LEGAL"),
            field: "archive.objectLockMode",
            message: msg("archive.objectLockMode", "is not an Object Lock mode", '"LEGAL"', FIX.lockMode),
        },
        {
            title: "archive retention below 90 days",
            mutate: (s) => (s.archive.retentionDays = 30),
            field: "archive.retentionDays",
            message: msg("archive.retentionDays", "is below 90 days", "30", FIX.archiveDays),
        },
        {
            title: "archive log retention below a year",
            mutate: (s) => (s.archive.logRetentionDays = 90),
            field: "archive.logRetentionDays",
            message: msg("archive.logRetentionDays", "is not a CloudWatch retention value of at least 365", "90", FIX.retention),
        },
        {
            title: "unknown key under archive",
            mutate: (s) => (s.archive.mode = "COMPLIANCE"),
            field: "archive.mode",
            message: (f) =>
                `${f}: archive.mode is not a known field: got "COMPLIANCE". Fix: remove it or correct its spelling (known here: objectLockMode, retentionDays, logRetentionDays).`,
        },
        {
            title: "security spec with an unknown top-level key",
            mutate: (s) => (s.deployer = "x"),
            field: "deployer",
            message: (f) =>
                `${f}: deployer is not a known field: got "x". Fix: remove it or correct its spelling (known here: account, deployerRoleArn, breakGlassRoleArn, archiveAdminRoleArn, alarms, archive).`,
        },
    ] as Case[]
).map((c) => ({ ...c, security: true }));

let dir: string;
beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-spec-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function writeCase(c: Pick<Case, "mutate" | "text" | "security">): string {
    const file = path.join(dir, `case-${++counter}.yaml`);
    if (c.text !== undefined) {
        fs.writeFileSync(file, c.text);
    } else {
        const spec = structuredClone(c.security ? SECURITY_BASE : VENDOR_BASE);
        c.mutate?.(spec);
        fs.writeFileSync(file, stringify(spec));
    }
    return file;
}

function failureOf(fn: () => unknown): SpecError {
    try {
        fn();
    } catch (err) {
        if (err instanceof SpecError) return err;
        throw new Error(`expected a SpecError, got ${String(err)}`);
    }
    throw new Error("expected the spec to be refused, but it was accepted");
}

describe("malformed specs are refused with one exact line", () => {
    it("has at least 25 cases", () => {
        expect(VENDOR_CASES.length + SECURITY_CASES.length).toBeGreaterThanOrEqual(25);
    });

    it.each([...VENDOR_CASES, ...SECURITY_CASES].map((c) => [c.title, c] as const))("%s", (_title, c) => {
        const file = writeCase(c);
        const load = c.load ?? (c.security ? (f: string) => loadSecuritySpec(f) : (f: string) => loadVendorSpec(f));
        const err = failureOf(() => load(file));
        expect(err.message).toBe(c.message(file));
        expect(err.field).toBe(c.field);
        expect(err.file).toBe(file);
        expect(err.message).not.toContain("\n");
    });

    it("a missing file names the file and says how to fix it", () => {
        const file = path.join(dir, "no-such-vendor.yaml");
        const err = failureOf(() => loadVendorSpec(file));
        expect(err.message).toBe(`${file}: no such vendor spec file. Fix: create it, or check the name (vendor specs live in stacks/<vendor-id>.yaml).`);
        expect(err.field).toBeUndefined();
    });

    it("a missing security spec gets a hint about the security spec, not about vendor specs", () => {
        const file = path.join(dir, "no-such-security.yaml");
        expect(failureOf(() => loadSecuritySpec(file)).message).toBe(
            `${file}: no such security stack spec file. Fix: create it, or check the name (the security stack's spec is stacks/security.yaml).`,
        );
    });

    // Files that are not spec text are refused before (or instead of) parsing, with the file named.
    const unreadable: [string, () => string, (f: string) => string][] = [
        [
            "a directory",
            () => {
                const sub = path.join(dir, "a-dir.yaml");
                fs.mkdirSync(sub, { recursive: true });
                return sub;
            },
            (f) => `${f}: is a directory, not a vendor spec file. Fix: give the path of the YAML file.`,
        ],
        [
            "a device (/dev/zero would exhaust memory)",
            () => "/dev/zero",
            (f) => `${f}: is not a regular file (a device, pipe or socket), not a vendor spec file. Fix: give the path of the YAML file.`,
        ],
        [
            "a file over 64 KiB (refused before it is parsed)",
            () => {
                const file = path.join(dir, "huge.yaml");
                fs.writeFileSync(file, `id: acme-labeling\n${Array.from({ length: 8000 }, (_, i) => `k${i}: 1`).join("\n")}\n`);
                return file;
            },
            (f) => `${f}: is larger than 64 KiB, too large for a vendor spec (a spec is a few KB). Fix: give the path of the YAML spec file.`,
        ],
        [
            "a UTF-16 file",
            () => {
                const file = path.join(dir, "utf16.yaml");
                fs.writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("id: acme-labeling\n", "utf16le")]));
                return file;
            },
            (f) => `${f}: is UTF-16 encoded. Fix: save it as UTF-8.`,
        ],
        [
            "a binary file",
            () => {
                const file = path.join(dir, "binary.yaml");
                fs.writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]));
                return file;
            },
            (f) => `${f}: is not UTF-8 text (a binary file?), not a vendor spec. Fix: give the path of the YAML file.`,
        ],
    ];
    it.each(unreadable)("refuses %s with one line naming it", (_what, make, message) => {
        const file = make();
        const err = failureOf(() => loadVendorSpec(file));
        expect(err.message).toBe(message(file));
        expect(err.field).toBeUndefined();
    });

    it("a file inside the working directory is shown by its relative path", () => {
        const rel = path.relative(process.cwd(), path.join(FIXTURES_DIR, "no-such-vendor.yaml"));
        const err = failureOf(() => loadVendorSpec(path.join(FIXTURES_DIR, "no-such-vendor.yaml")));
        expect(err.message.startsWith(`${rel}: no such vendor spec file.`)).toBe(true);
    });
});

describe("valid edge cases are accepted with the defaults applied", () => {
    it("a minimal vendor spec gets every documented default", () => {
        const file = writeCase({
            mutate: (s) => {
                for (const k of Object.keys(s)) delete s[k];
                Object.assign(s, {
                    id: "abc",
                    displayName: "A",
                    contact: "team@lab.example",
                    account: { id: "000000000001", region: "eu-west-1" },
                    access: { principals: ["arn:aws:iam::444455556666:user/path/to/x"] },
                    network: { cidr: "192.168.0.0/24" },
                    datasets: [{ name: "a", access: "write" }],
                });
            },
        });
        const spec = loadVendorSpec(file, "abc");
        expect(spec).toEqual({
            id: "abc",
            displayName: "A",
            contact: "team@lab.example",
            account: { id: "000000000001", region: "eu-west-1" },
            securityStack: "organization/vendor-enclaves/security",
            access: { principals: ["arn:aws:iam::444455556666:user/path/to/x"], maxSessionSeconds: 3600 },
            network: { cidr: "192.168.0.0/24", azCount: 2, dataPath: "endpoint", vendorEgressCidrs: [], interfaceEndpoints: [] },
            workspace: { count: 0, instanceType: "t3.medium", image: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", volumeGiB: 30 },
            datasets: [{ name: "a", access: "write" }],
            logRetentionDays: 365,
            keyDeletionWindowDays: 30,
            isolation: "shared-account",
            sealed: false,
        });
        expect(spec.access.externalId).toBeUndefined();
        expect(spec.sealedAt).toBeUndefined();
    });

    it("an egress CIDR of exactly /16 is accepted (the /15 next to it is refused above)", () => {
        const file = writeCase({ mutate: (s) => Object.assign(s.network, { dataPath: "allow-list", vendorEgressCidrs: ["203.0.0.0/16"] }) });
        expect(loadVendorSpec(file).network.vendorEgressCidrs).toEqual(["203.0.0.0/16"]);
    });

    it("boundary values: 20-character id, 24-character dataset, /16 and /24 ranges, 3 AZs, 900 s, 7 days, sealed with sealedAt", () => {
        const id = "a2345678901234567890";
        const file = writeCase({
            mutate: (s) => {
                s.id = id;
                s.access.maxSessionSeconds = 900;
                s.access.externalId = "x".repeat(16);
                s.network = {
                    cidr: "172.16.0.0/16",
                    azCount: 3,
                    dataPath: "allow-list",
                    vendorEgressCidrs: ["203.0.0.0/16", "198.51.100.0/24"],
                    interfaceEndpoints: ["kms", "sts", "logs"],
                };
                s.datasets = [{ name: "b".repeat(24), access: "read-write" }];
                s.keyDeletionWindowDays = 7;
                s.logRetentionDays = 3653;
                s.sealed = true;
                s.sealedAt = "2026-11-23T12:00:00Z";
            },
        });
        const spec = loadVendorSpec(file, id);
        expect(spec.id).toBe(id);
        expect(spec.network).toEqual({
            cidr: "172.16.0.0/16",
            azCount: 3,
            dataPath: "allow-list",
            vendorEgressCidrs: ["203.0.0.0/16", "198.51.100.0/24"],
            interfaceEndpoints: ["kms", "sts", "logs"],
        });
        expect(spec.access).toEqual({ principals: [ANNOTATORS], externalId: "x".repeat(16), maxSessionSeconds: 900 });
        expect(spec.keyDeletionWindowDays).toBe(7);
        expect(spec.sealedAt).toBe("2026-11-23T12:00:00Z");
    });

    it("a security spec without archive settings gets COMPLIANCE, 400 and 365 days", () => {
        const file = writeCase({ security: true, mutate: (s) => delete s.archive });
        expect(loadSecuritySpec(file)).toEqual({
            account: { id: "111122223333", region: "us-east-1" },
            deployerRoleArn: "arn:aws:iam::111122223333:role/enclave-deployer",
            breakGlassRoleArn: "arn:aws:iam::111122223333:role/enclave-break-glass",
            archiveAdminRoleArn: SECURITY_BASE.archiveAdminRoleArn,
            alarms: SECURITY_BASE.alarms,
            archive: { objectLockMode: "COMPLIANCE", retentionDays: 400, logRetentionDays: 365 },
        });
    });

    it("the fixture specs load under their own names", () => {
        expect(loadVendorSpec(fixtureFile(ACME), ACME).id).toBe(ACME);
        expect(loadVendorSpec(fixtureFile(EVALCORP), EVALCORP).network.dataPath).toBe("allow-list");
        expect(loadSecuritySpec(SECURITY_FIXTURE_FILE).archive.objectLockMode).toBe("COMPLIANCE");
    });
});

describe("CLI: invalid input exits 2 with one line and no stack trace", () => {
    const run = (args: string[], root = ROOT) =>
        spawnSync(process.execPath, [path.join(root, "bin", "enclave.js"), ...args], {
            cwd: root,
            encoding: "utf8",
            env: { ...process.env, ENCLAVE_DEBUG: "" },
        });
    afterAll(removeScratchCopies);

    it("plan --spec <bad file> names the file and the field", () => {
        const file = writeCase({ mutate: (s) => (s.network.cidr = "10.0.0.0/8") });
        const res = run(["plan", "--spec", file]);
        expect(res.status).toBe(2);
        expect(res.stdout).toBe("");
        expect(res.stderr).toBe(`enclave: ${file}: network.cidr has a prefix outside /16-/24: got "10.0.0.0/8". Fix: ${FIX.cidr}.\n`);
        expect(res.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(res.stderr).not.toMatch(/^\s+at /m);
    });

    it("an unknown vendor exits 2 with one line", () => {
        // The binary looks up ids in the stacks/ folder beside its code: a copy of the checkout holding the fixtures.
        const res = run(["plan", "no-such-vendor"], checkoutWithFixtures());
        expect(res.status).toBe(2);
        expect(res.stdout).toBe("");
        const known = escapeRegExp(FIXTURE_VENDOR_IDS.join(", "));
        expect(res.stderr).toMatch(
            new RegExp(`^enclave: unknown vendor "no-such-vendor": there is no stacks/no-such-vendor\\.yaml\\. Known vendors: ${known}\\.\n$`),
        );
        expect(res.stderr).not.toMatch(/^\s+at /m);
    });
});

describe("a spec with several problems reports every one of them at once", () => {
    // Three independent mistakes, one of them in the secret external ID.
    const mistakes: ((s: Spec) => void)[] = [
        (s) => (s.id = "Acme-labeling"),
        (s) => (s.account.region = "us-east"),
        (s) => (s.access.externalId = "vendor-secret-#!"),
    ];
    const lines = (f: string) => [
        msg("id", ID_CHARS, '"Acme-labeling"', FIX.id)(f),
        msg("account.region", "is not an AWS region code", '"us-east"', FIX.region)(f),
        msg("access.externalId", "must be 16-128 characters of letters, digits and + = , . @ : / -", "[secret, 16 characters]", FIX.externalId)(f),
    ];

    it("the loader gives one line per problem, each the line that problem alone gives", () => {
        const file = writeCase({ mutate: (s) => mistakes.forEach((m) => m(s)) });
        const err = failureOf(() => loadVendorSpec(file));
        expect(err).toBeInstanceOf(SpecProblems);
        expect(err.message.split("\n")).toEqual(lines(file));
        expect((err as SpecProblems).problems.map((p) => [p.field, p.file])).toEqual([
            ["id", file],
            ["account.region", file],
            ["access.externalId", file],
        ]);
        // Each line is exactly what the same mistake alone in the file is reported as.
        const alone = mistakes.map((m) => {
            const single = writeCase({ mutate: m });
            return failureOf(() => loadVendorSpec(single)).message.replace(single, file);
        });
        expect(err.message.split("\n")).toEqual(alone);
        expect(err.message).not.toContain("vendor-secret");
    });

    it("every unknown key of a mapping is its own line; a field failing two checks is one line", () => {
        const file = writeCase({
            mutate: (s) => {
                s.id = "A_";
                s.bogus = 1;
                s.extra = 2;
            },
        });
        const known =
            "id, displayName, contact, account, securityStack, access, network, workspace, datasets, logRetentionDays, keyDeletionWindowDays, isolation, memberAccount, airlock, sealed, sealedAt";
        expect(failureOf(() => loadVendorSpec(file)).message.split("\n")).toEqual([
            msg("id", "is shorter than 3 characters", '"A_"', FIX.id)(file),
            `${file}: bogus is not a known field: got 1. Fix: remove it or correct its spelling (known here: ${known}).`,
            `${file}: extra is not a known field: got 2. Fix: remove it or correct its spelling (known here: ${known}).`,
        ]);
    });

    it("a security spec with two problems gives two lines", () => {
        const file = writeCase({
            security: true,
            mutate: (s) => {
                s.archive.objectLockMode = "LEGAL";
                s.archive.retentionDays = 30;
            },
        });
        expect(failureOf(() => loadSecuritySpec(file)).message.split("\n")).toEqual([
            msg("archive.objectLockMode", "is not an Object Lock mode", '"LEGAL"', FIX.lockMode)(file),
            msg("archive.retentionDays", "is below 90 days", "30", FIX.archiveDays)(file),
        ]);
    });

    it("the CLI prints every line, each as `enclave: <line>`, exits 2 and never echoes the secret", () => {
        const file = writeCase({ mutate: (s) => mistakes.forEach((m) => m(s)) });
        const res = spawnSync(process.execPath, [path.join(ROOT, "bin", "enclave.js"), "plan", "--spec", file], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, ENCLAVE_DEBUG: "" },
        });
        expect({ status: res.status, stdout: res.stdout }).toEqual({ status: 2, stdout: "" });
        expect(res.stderr).toBe(
            lines(file)
                .map((l) => `enclave: ${l}\n`)
                .join(""),
        );
        expect(res.stderr).not.toContain("vendor-secret");
    });
});
