import type { CliCommand } from "@modelkit/core";
export const commands: CliCommand[] = [];
