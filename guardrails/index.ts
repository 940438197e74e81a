// The CrossGuard pack: `pulumi preview --policy-pack guardrails` (install its dependencies first: `npm --prefix guardrails install`).
// Constructing a PolicyPack starts a gRPC server and keeps the process alive, so this file does nothing else and
// nothing imports it: tests and `enclave check` run the same rules through guardrails/offline.ts.
import { PolicyPack } from "@pulumi/policy";
import { ALL_POLICIES } from "./rules";

new PolicyPack("vendor-enclaves-guardrails", {
    description: "Security invariants of a vendor enclave (numbered in docs/invariants.md; FSBP, CIS, Checkov, Trivy and cdk-nag rule IDs in each policy).",
    policies: ALL_POLICIES,
});
