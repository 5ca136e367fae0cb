import { parseArgs } from 'node:util';
import { commonOptions, type Command, type CommandContext } from './command';
import { commands } from './commands/index';
import { exitCodeFor, exitCodes } from './exit-codes';
import { FaceGateError } from '../core/errors';
import { terminalSafe } from './terminal-text';

const version = '0.1.0';

function mainHelp(): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'facegate: face check-in and door control for a front desk',
    '',
    'Usage: facegate <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Every command takes --json for machine-readable output and --help for its own options.',
    'Models: FACEGATE_MODELS_PATH (colon-separated folders) is searched before the bundled packs.',
    '',
    `Exit status: 0 ok, ${exitCodes.noFace} no face found, ${exitCodes.usage} bad usage, ${exitCodes.dataError} data refused,`,
    `${exitCodes.noInput} input unreadable, ${exitCodes.unavailable} door relay unavailable, ${exitCodes.config} model pack missing or invalid, ${exitCodes.ioError} download failed,`,
    `${exitCodes.software} internal error.`,
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: facegate ${command.name} ${command.usage}`,
    '',
    command.summary,
    command.help ? `\n${command.help}` : '',
  ]
    .join('\n')
    .trimEnd();
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return exitCodes.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version}\n`);
    return exitCodes.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`facegate: unknown command '${name}'. Run 'facegate --help' for the list.\n`);
    return exitCodes.usage;
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...commonOptions, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`facegate ${command.name}: ${(error as Error).message}\n${commandHelp(command)}\n`);
    return exitCodes.usage;
  }
  if (parsed.values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return exitCodes.ok;
  }

  const ctx: CommandContext = {
    values: parsed.values,
    positionals: parsed.positionals,
    json: Boolean(parsed.values.json),
    // Names and other stored text may hold control characters from older versions: escaped.
    stdout: terminalSafe(process.stdout),
    stderr: terminalSafe(process.stderr),
  };
  try {
    return await command.run(ctx);
  } catch (error) {
    if (error instanceof FaceGateError) {
      if (ctx.json) {
        ctx.stdout.write(`${JSON.stringify({ error: error.toInfo() }, null, 2)}\n`);
      }
      ctx.stderr.write(`facegate ${command.name}: ${error.message}\n`);
      return exitCodeFor(error.code);
    }
    process.stderr.write(
      `facegate ${command.name}: internal error: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    return exitCodes.software;
  }
}
