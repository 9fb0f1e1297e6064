import { Command, CommanderError, Option } from 'commander';
import { STRATEGIES } from '../explorer/run.ts';
import { type CheckFlags, checkCommand } from './check.ts';
import { collect, EXIT, parseIntOption, UsageError } from './errors.ts';
import { listCommand } from './list.ts';
import { renderCommand, replayCommand } from './trace-commands.ts';

function program(setExit: (code: number) => void): Command {
  const p = new Command('ptrace-mc')
    .description('deterministic multi-core model checker for kernel ptrace paths')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .showHelpAfterError(false);

  p.command('list')
    .description('every built-in scenario with its variants and expected verdicts')
    .option('--json', 'one JSON object per scenario variant')
    .action((o) => setExit(listCommand(o)));

  p.command('check')
    .description('explore every interleaving of a scenario (all built-ins when none is named)')
    .argument('[scenario...]', 'scenario names, e.g. demo/lost-wakeup')
    .option('--variant <name>', 'only this variant')
    .option('--cpus <n>', 'number of CPUs', parseIntOption('--cpus', 1))
    .option('--invariant <name>', 'check only this invariant (repeatable)', collect, [])
    .addOption(
      new Option(
        '--strategy <name>',
        'search strategy: dpor (optimal DPOR: one execution per Mazurkiewicz trace) | source-dpor | dfs | random',
      ).default(STRATEGIES[0]),
    )
    .option('--seed <n>', 'seed for random search', parseIntOption('--seed', 0), 1)
    .option('--runs <n>', 'executions for random search', parseIntOption('--runs', 1), 1000)
    .option('--max-executions <n>', 'stop after this many executions (verdict incomplete)', parseIntOption('--max-executions', 1))
    .option('--max-time <seconds>', 'stop after this long (verdict incomplete)', parseIntOption('--max-time', 1))
    .option('--max-steps <n>', 'longest execution before it is called a livelock', parseIntOption('--max-steps', 1))
    .option('--stateless', 'dfs: enumerate every interleaving without remembering visited states')
    .option('--trace-out <file>', 'where to write the counterexample trace')
    .option('--out-dir <dir>', 'where traces go when --trace-out is not given', 'ptrace-mc-out')
    .option('--json', 'one JSON object per scenario variant')
    .option('--timing', 'include wall time in JSON output (makes it differ run to run)')
    .action((names: string[], o: CheckFlags) => setExit(checkCommand(names, o)));

  p.command('replay')
    .description('re-run a trace; exit 1 when its violation reproduces, 2 when it does not')
    .argument('<file>', 'trace file (ptrace-mc/trace@1)')
    .option('--json', 'print the result as JSON')
    .action((file: string, o) => setExit(replayCommand(file, o)));

  p.command('render')
    .description('print a trace as a per-CPU timeline')
    .argument('<file>', 'trace file')
    .option('--format <fmt>', 'text', 'text')
    .action((file: string, o) => setExit(renderCommand(file, o)));

  return p;
}

/** Runs the CLI; returns the exit status. Every error is one line on stderr. */
export function main(argv: readonly string[]): number {
  let code: number = EXIT.holds;
  try {
    program((c) => {
      code = c;
    }).parse(argv as string[], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        return 0;
      }
      const msg = e.message.replace(/^error: /, '').split('\n')[0];
      process.stderr.write(`ptrace-mc: ${msg}\n`);
      return EXIT.usage;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`ptrace-mc: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = e as Error;
    process.stderr.write(`ptrace-mc: internal error: ${err.message.split('\n')[0]}\n`);
    if (process.env.PTRACE_MC_DEBUG) process.stderr.write(`${err.stack}\n`);
    return EXIT.usage;
  }
}
