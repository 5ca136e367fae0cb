import type { Command } from '../command';

/** Every `facegate` subcommand, in the order `facegate --help` lists them. */
export const commands: Command[] = [];
