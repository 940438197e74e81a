// The options of the commands whose work loads lazily (`*Run.ts`): shared here so the light registration file and
// the heavy run file do not import each other.

export interface AirlockOptions {
    json?: boolean;
    reason?: string;
    spec?: string;
}

export interface DiffOptions {
    base?: string;
    all?: boolean;
    baseSpec?: string;
    headSpec?: string;
    basePlan?: string;
    headPlan?: string;
    securitySpec?: string;
    json?: boolean;
}
