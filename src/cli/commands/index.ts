import type { Command } from '../command';
import { benchCommand } from './bench';
import { detectCommand } from './detect';
import { doorCommand } from './door';
import { embedCommand } from './embed';
import { evalCommand } from './eval';
import { evalLivenessCommand } from './eval-liveness';
import { livenessCommand } from './liveness';
import { modelsCommand } from './models';
import { relayCommand } from './relay';
import { verifyCommand } from './verify';

/** Every `facegate` subcommand, in the order `facegate --help` lists them. */
export const commands: Command[] = [
  detectCommand,
  embedCommand,
  verifyCommand,
  evalCommand,
  livenessCommand,
  evalLivenessCommand,
  benchCommand,
  modelsCommand,
  relayCommand,
  doorCommand,
];
