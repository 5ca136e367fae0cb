import { main } from './main';

// exitCode rather than exit(): let stdout flush; long-running commands (serve, door) keep handles open.
process.exitCode = await main(process.argv.slice(2));
