// Effective-access difference between two versions of a vendor: both sides are access reports derived by simulation
// (review/access.ts); the diff compares their facts, so a change that widens access is caught whatever policy text
// produced it. Widened = at least one fact gained (a new action, path, principal, or a condition dropped).
// Internet paths are compared as SETS OF SOURCE ADDRESSES, not by the text of their ranges: for each principal,
// action, resource and conditions, the addresses head admits that base did not are gained, whatever the prefix
// lengths that admit them (a /32 added beside a /24, a /24 grown to a /23, an endpoint-only vendor opened to one IP).
// The session path (review/session.ts) joins as facts too: who may open a session on what, with which document, what
// the document opens and what holds in the session. Any change to those terms is a fact gained, so it counts as
// widened even when the new terms are stricter (a shorter timeout): the reviewer reads the two rows.
import { addressSet, type AccessReport, type SourceAddresses } from "./access";
import { describeSet, isEmpty, subtract, toCidrs, union, type RangeSet } from "./addresses";

export interface AccessFact {
    kind: "assume" | "access" | "session";
    principal: string;
    /** Action class ("assume" for role assumption). */
    class: string;
    action: string;
    resource: string;
    path: string;
    conditions: string[];
    /** Internet paths: the source addresses of the fact (gained or lost ones in a diff). */
    addresses?: SourceAddresses;
}

export interface AccessDiff {
    vendorId: string;
    base: string;
    head: string;
    gained: AccessFact[];
    lost: AccessFact[];
    widened: boolean;
    /** Account mode: the SCP and RCP layers on each side, listed when either side has them (not compared by effect). */
    organization?: { base?: { scps: string[]; rcps: string[] }; head?: { scps: string[]; rcps: string[] } };
}

/** Every allowed (principal, action, resource, path, conditions) of a report, one fact each. */
export function factsOf(report: AccessReport | undefined): AccessFact[] {
    if (!report) return [];
    const facts: AccessFact[] = [];
    for (const a of report.assumers) {
        if (a.withExternalId !== "Allowed") continue;
        const conditions = a.withoutExternalId === "Allowed" ? a.conditions.filter((c) => !/sts:ExternalId/.test(c)) : a.conditions;
        facts.push({ kind: "assume", principal: a.principal, class: "assume", action: "sts:AssumeRole", resource: a.roleLabel, path: "-", conditions });
    }
    for (const p of report.probes) {
        if (p.decision === "Allowed")
            facts.push({ kind: "assume", principal: p.who, class: "assume", action: "sts:AssumeRole", resource: p.role, path: "-", conditions: [] });
    }
    for (const g of report.grants) {
        for (const action of g.actions)
            facts.push({
                kind: "access",
                principal: g.principalLabel,
                class: g.class,
                action,
                resource: g.resourceLabel,
                path: g.path,
                conditions: g.conditions,
                ...(g.addresses ? { addresses: g.addresses } : {}),
            });
    }
    // The session path: each allowed Session Manager request, with what its document opens and what holds in the
    // session. A document that starts forwarding ports or stops logging changes the fact as a new instance would.
    for (const s of report.sessions ?? []) {
        if (s.decision !== "Allowed") continue;
        facts.push({
            kind: "session",
            principal: s.principalLabel,
            class: "session",
            action: s.action,
            resource: s.target,
            path: s.document === "-" ? "-" : `${s.document} (${s.opens})`,
            conditions: s.conditions,
        });
    }
    return facts;
}

const keyOf = (f: AccessFact) => [f.kind, f.principal, f.class, f.action, f.resource, f.path, f.conditions.join(";")].join("|");
/** An internet fact's key: everything but the addresses, which are compared as sets. */
const addressKeyOf = (f: AccessFact) => [f.kind, f.principal, f.class, f.action, f.resource, f.addresses!.route, f.conditions.join(";")].join("|");

/** Internet facts sharing a key, with the union of their addresses. */
function addressGroups(facts: AccessFact[]): Map<string, { f: AccessFact; set: RangeSet }> {
    const groups = new Map<string, { f: AccessFact; set: RangeSet }>();
    for (const f of facts) {
        if (!f.addresses) continue;
        const k = addressKeyOf(f);
        const g = groups.get(k);
        groups.set(k, { f: g?.f ?? f, set: union(g?.set ?? [], addressSet(f.addresses)) });
    }
    return groups;
}

/** The fact for `set`, the part of a group's addresses gained or lost. */
function withAddresses(f: AccessFact, set: RangeSet): AccessFact {
    const route = f.addresses!.route;
    return { ...f, path: `${route} from ${describeSet(set)}`, addresses: { route, cidrs: toCidrs(set), complement: false } };
}

export function diffReports(base: AccessReport | undefined, head: AccessReport, labels: { base: string; head: string }): AccessDiff {
    const baseFacts = factsOf(base);
    const headFacts = factsOf(head);
    const b = new Map(baseFacts.filter((f) => !f.addresses).map((f) => [keyOf(f), f]));
    const h = new Map(headFacts.filter((f) => !f.addresses).map((f) => [keyOf(f), f]));
    const gained = [...h].filter(([k]) => !b.has(k)).map(([, f]) => f);
    const lost = [...b].filter(([k]) => !h.has(k)).map(([, f]) => f);
    const bA = addressGroups(baseFacts);
    const hA = addressGroups(headFacts);
    for (const [k, { f, set }] of hA) {
        const more = subtract(set, bA.get(k)?.set ?? []);
        if (!isEmpty(more)) gained.push(withAddresses(f, more));
    }
    for (const [k, { f, set }] of bA) {
        const fewer = subtract(set, hA.get(k)?.set ?? []);
        if (!isEmpty(fewer)) lost.push(withAddresses(f, fewer));
    }
    const organization = base?.organization || head.organization ? { organization: { base: base?.organization, head: head.organization } } : {};
    return { vendorId: head.vendorId, base: labels.base, head: labels.head, gained, lost, widened: gained.length > 0, ...organization };
}

/** Facts grouped by everything but the action, for a readable table. */
function grouped(facts: AccessFact[]): string[][] {
    const groups = new Map<string, { f: AccessFact; actions: string[] }>();
    for (const f of facts) {
        const k = [f.kind, f.principal, f.class, f.resource, f.path, f.conditions.join(";")].join("|");
        const g = groups.get(k) ?? { f, actions: [] };
        g.actions.push(f.action);
        groups.set(k, g);
    }
    return [...groups.values()]
        .map(({ f, actions }) => [f.principal, f.class, actions.join(", "), f.resource, f.path, f.conditions.join("; ") || "-"])
        .sort((x, y) => (x.join("|") < y.join("|") ? -1 : 1));
}

export function renderDiffMarkdown(d: AccessDiff): string {
    const out: string[] = [];
    const verdict = d.widened ? "**Access WIDENED**" : d.lost.length ? "Access narrowed" : "No change in effective access";
    out.push(`## Effective access diff: ${d.vendorId}`);
    out.push("");
    out.push(`${verdict} (${d.base} -> ${d.head}): ${d.gained.length} gained, ${d.lost.length} lost (derived by simulation).`);
    const section = (title: string, facts: AccessFact[]) => {
        if (!facts.length) return;
        out.push("");
        out.push(`### ${title}`);
        out.push("");
        out.push("| principal | class | actions | resource | path | conditions |");
        out.push("| --- | --- | --- | --- | --- | --- |");
        for (const r of grouped(facts)) out.push(`| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`);
    };
    section("Gained", d.gained);
    section("Lost", d.lost);
    if (d.organization) {
        const list = (side?: { scps: string[]; rcps: string[] }) =>
            side ? `SCPs ${side.scps.join(", ")}; RCPs ${side.rcps.join(", ")}` : "none (shared account)";
        out.push("");
        out.push("### Organization layers (account mode)");
        out.push("");
        out.push(`- ${d.base}: ${list(d.organization.base)}`);
        out.push(`- ${d.head}: ${list(d.organization.head)}`);
    }
    return `${out.join("\n")}\n`;
}
