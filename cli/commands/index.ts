import type { Command } from "commander";
import { register as plan } from "./plan";
import { register as access } from "./access";
import { register as diff } from "./diff";
import { register as runbook } from "./runbook";
import { register as adopt } from "./adopt";
import { register as check } from "./check";
import { register as airlock } from "./airlock";

/** Every command registers itself here, one line each. */
export const COMMANDS: ((program: Command) => void)[] = [plan, access, diff, runbook, adopt, check, airlock];
