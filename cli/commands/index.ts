import type { Command } from "commander";
import { register as plan } from "./plan";

/** Every command registers itself here, one line each. */
export const COMMANDS: ((program: Command) => void)[] = [plan];
