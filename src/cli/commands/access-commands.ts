import { accountsCommand, groupsCommand, schedulesCommand } from './access';

/** `facegate groups`, `facegate schedules`, `facegate accounts` (docs/access.md). */
export const accessCommands = [groupsCommand, schedulesCommand, accountsCommand];
