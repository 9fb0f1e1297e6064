import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_PCT_DEPTH, DEFAULT_PREEMPTIONS, STRATEGIES } from '../explorer/run.ts';
import { IrqBoundError } from '../model/irq-bounds.ts';
import { type CheckInput, checkCommand } from './check.ts';
import { compareCommand } from './compare.ts';
import { type CoverageFlags, coverageCommand, DEFAULT_MAX_EXECUTIONS_PER_ROW } from './coverage.ts';
import { collect, EXIT, parseIntOption, UsageError } from './errors.ts';
import { listCommand } from './list.ts';
import { type MergeFlags, mergeCommand } from './shard.ts';
import { explainCommand, FORMATS, renderCommand, replayCommand, shrinkCommand } from './trace-commands.ts';

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
    .option(
      '--irq <source=n>',
      "interrupt budget: source n may fire n times, replacing the scenario's budget (repeatable), e.g. timer@cpu0=0",
      collect,
      [],
    )
    .addOption(
      new Option(
        '--strategy <name>',
        `search strategy: ${STRATEGIES.join(' | ')} (default: auto, the reduced dfs with a preemption-bounded search beside it)`,
      ),
    )
    .option(
      '--preemptions <k>',
      'bounded: try preemption bounds 0, 1, … up to k',
      parseIntOption('--preemptions', 0),
      DEFAULT_PREEMPTIONS,
    )
    .option('--depth <d>', 'pct: the bug depth d (d−1 priority change points)', parseIntOption('--depth', 1), DEFAULT_PCT_DEPTH)
    .option('--seed <n>', 'seed for pct, random and portfolio', parseIntOption('--seed', 0), 1)
    .option('--runs <n>', 'executions for pct and random (each, in a portfolio)', parseIntOption('--runs', 1), 1000)
    .option('--no-shrink', 'save the counterexample as found, without minimizing it')
    .option('--max-executions <n>', 'stop after this many executions (verdict incomplete)', parseIntOption('--max-executions', 1))
    .option('--max-time <seconds>', 'stop after this long (verdict incomplete)', parseIntOption('--max-time', 1))
    .option('--max-steps <n>', 'longest execution before it is called a livelock', parseIntOption('--max-steps', 1))
    .option('--stateless', 'dfs: enumerate every interleaving without remembering visited states')
    .option('--no-por', 'dfs: remember visited states but explore every order (no sleep sets, no critical-section blocks)')
    .option('--exact-states', 'dfs, auto: tell visited states apart by exact key, not 64-bit fingerprint (slower, more memory)')
    .option('--trace-out <file>', 'where to write the counterexample trace')
    .option('--out-dir <dir>', 'where traces go when --trace-out is not given', 'ptrace-mc-out')
    .option('--json', 'one JSON object per scenario variant')
    .option('--compare', "every variant on 1 CPU and on the scenario's CPU counts, one table (exit 0 iff all as expected)")
    .option('--all', 'the expectation table: also the rows marked long')
    .option('--timing', 'include wall time in JSON output (makes it differ run to run)')
    .option(
      '--workers <n>',
      'split the search into fixed slices by schedule prefix, searched on n threads (same result for every n)',
      parseIntOption('--workers', 1),
    )
    .option('--shard <i/n>', 'search only shard i of n of the slices and write a shard file for `merge`')
    .option('--shard-out <file>', 'where --shard writes its result (default <out-dir>/shard-i-of-n.json)')
    .action((names: string[], o: CheckInput) => setExit(o.compare ? compareCommand(names, o) : checkCommand(names, o)));

  p.command('merge')
    .description('combine the shard files of every shard of one search into the result a single run gives')
    .argument('<files...>', 'shard files written by check --shard')
    .option('--trace-out <file>', 'where to write the counterexample trace')
    .option('--out-dir <dir>', 'where the trace goes when --trace-out is not given', 'ptrace-mc-out')
    .option('--json', 'print the result as JSON')
    .option('--timing', 'include wall time in JSON output')
    .action((files: string[], o: MergeFlags) => setExit(mergeCommand(files, o)));

  p.command('coverage')
    .description(
      'explore the expectation rows of the Linux scenarios and list the task-state and ptrace-link oracle edges none exercised',
    )
    .argument('[scenario...]', 'groups such as linux/ or scenario names (default: linux/)')
    .option(
      '--max-executions-per-row <n>',
      `stop a row after this many executions (default ${DEFAULT_MAX_EXECUTIONS_PER_ROW} unless --max-time-per-row is given)`,
      parseIntOption('--max-executions-per-row', 1),
    )
    .option(
      '--max-time-per-row <seconds>',
      'stop a row after this long (the report then depends on the machine)',
      parseIntOption('--max-time-per-row', 1),
    )
    .option('--all', 'also the rows marked long (as check --all)')
    .option('--json', 'print the report as JSON')
    .action((names: string[], o: CoverageFlags) => setExit(coverageCommand(names, o)));

  p.command('replay')
    .description('re-run a trace; exit 1 when its violation reproduces, 2 when it does not')
    .argument('<file>', 'trace file (ptrace-mc/trace@1)')
    .option('--json', 'print the result as JSON')
    .action((file: string, o) => setExit(replayCommand(file, o)));

  p.command('render')
    .description('print a trace: per-CPU text timeline, Mermaid diagram, Perfetto JSON or a self-contained HTML page')
    .argument('<file>', 'trace file')
    .option('--format <fmt>', FORMATS.join(' | '), 'text')
    .option('--story', 'mermaid: only the steps of the race (explain), with arrows between CPUs')
    .action((file: string, o) => setExit(renderCommand(file, o)));

  p.command('shrink')
    .description('re-minimize a saved trace (fewest preemptions, then fewest steps) and rewrite it')
    .argument('<file>', 'trace file')
    .option('--out <file>', 'write the shrunk trace here instead of over FILE')
    .action((file: string, o) => setExit(shrinkCommand(file, o)));

  p.command('explain')
    .description('how the violation came about: the race, in a few steps (--full: its whole happens-before slice)')
    .argument('<file>', 'trace file')
    .option('--full', 'every step the violation depends on (its happens-before slice)')
    .option('--json', 'the story, its edges and the slice as JSON')
    .action((file: string, o) => setExit(explainCommand(file, o)));

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
    // a budget for a source the model lacks, from a file the commands did not check themselves
    if (e instanceof UsageError || e instanceof IrqBoundError) {
      process.stderr.write(`ptrace-mc: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = e as Error;
    process.stderr.write(`ptrace-mc: internal error: ${err.message.split('\n')[0]}\n`);
    if (process.env.PTRACE_MC_DEBUG) process.stderr.write(`${err.stack}\n`);
    return EXIT.usage;
  }
}
