import type { Command } from '../command';
import { benchCommand } from './bench';
import { detectCommand } from './detect';
import { embedCommand } from './embed';
import { evalCommand } from './eval';
import { modelsCommand } from './models';
import { verifyCommand } from './verify';

/** Every `facegate` subcommand, in the order `facegate --help` lists them. */
export const commands: Command[] = [
  detectCommand,
  embedCommand,
  verifyCommand,
  evalCommand,
  benchCommand,
  modelsCommand,
];
