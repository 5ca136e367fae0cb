import type { Command } from '../command';
import { accessCommands } from './access-commands';
import { adminCommand } from './admin';
import { benchCommand } from './bench';
import { calibrateCommand } from './calibrate';
import { detectCommand } from './detect';
import { doorCommand } from './door';
import { embedCommand } from './embed';
import { enrollCommand } from './enroll';
import { evalCommand } from './eval';
import { evalIdentificationCommand } from './eval-identification';
import { evalLivenessCommand } from './eval-liveness';
import { eventsCommand } from './events';
import { identifyCommand } from './identify';
import { importCommand } from './import';
import { livenessCommand } from './liveness';
import { modelsCommand } from './models';
import { peopleCommand } from './people';
import { reembedCommand } from './reembed';
import { relayCommand } from './relay';
import { reportCommand } from './report';
import { serveCommand } from './serve';
import { serviceCommand } from './service';
import { siteCommand } from './site';
import { verifyCommand } from './verify';

/** Every `facegate` subcommand, in the order `facegate --help` lists them. */
export const commands: Command[] = [
  detectCommand,
  embedCommand,
  verifyCommand,
  evalCommand,
  evalIdentificationCommand,
  livenessCommand,
  evalLivenessCommand,
  enrollCommand,
  importCommand,
  identifyCommand,
  peopleCommand,
  ...accessCommands,
  eventsCommand,
  reportCommand,
  calibrateCommand,
  reembedCommand,
  benchCommand,
  modelsCommand,
  relayCommand,
  doorCommand,
  serveCommand,
  serviceCommand,
  siteCommand,
  adminCommand,
];
