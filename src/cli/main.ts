import { Command, CommanderError, Option } from 'commander';
import { checkCpuCount, checkWorkers, MAX_CPUS } from '../explorer/limits.ts';
import { DEFAULT_DELAYS, DEFAULT_PCT_DEPTH, DEFAULT_PREEMPTIONS, STRATEGIES } from '../explorer/strategy-names.ts';
import { DEFAULT_STORE_BUFFER } from '../model/memory-model.ts';
import type { CheckInput } from './check.ts';
import type { CoverageFlags } from './coverage.ts';
import { DEFAULT_MAX_EXECUTIONS_PER_ROW, FORMATS } from './defaults.ts';
import { collect, EXIT, isBadInput, parseIntOption, RowsOutOfMemory } from './errors.ts';
import type { MergeFlags } from './shard.ts';

// Each command's module is loaded when the command runs: `check` does not
// pay for the renderers or the Linux oracle's state machines.
const traceCommands = () => import('./trace-commands.ts');

/** The options the user gave (not commander's defaults). */
function givenOptions(cmd: Command, o: object): string[] {
  return Object.keys(o).filter((k) => cmd.getOptionValueSource(k) === 'cli');
}

function parseCpusOption(v: string): number {
  const n = parseIntOption('--cpus', 1)(v);
  checkCpuCount(n, '--cpus');
  return n;
}

function parseWorkersOption(v: string): number {
  const n = parseIntOption('--workers', 1)(v);
  checkWorkers(n);
  return n;
}

function parseJobsOption(v: string): number {
  const n = parseIntOption('--jobs', 1)(v);
  checkWorkers(n, '--jobs');
  return n;
}

function program(setExit: (code: number) => void): Command {
  const p = new Command('ptrace-mc')
    .description('deterministic multi-core model checker for kernel ptrace paths')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .showHelpAfterError(false);

  p.command('list')
    .description('every built-in scenario (or those named) with its variants and expected verdicts')
    .argument('[scenario...]', 'scenario names, groups such as demo/, scenario files or directories of them')
    .option('--json', 'one JSON object per scenario variant')
    .action(async (names: string[], o) => setExit(await (await import('./list.ts')).listCommand(names, o)));

  p.command('check')
    .description('explore every interleaving of a scenario (all built-ins when none is named)')
    .argument('[scenario...]', 'scenario names (demo/lost-wakeup), groups (demo/), scenario files (./review/x.ts) or directories')
    .option('--variant <name>', 'only this variant')
    .option('--cpus <n>', `number of CPUs (at most ${MAX_CPUS})`, parseCpusOption)
    .option('--invariant <name>', 'check only this invariant (repeatable)', collect, [])
    .option(
      '--irq <source=n>',
      "interrupt budget: source n may fire n times, replacing the scenario's budget (repeatable), e.g. timer@cpu0=0; timer@cpuN=1 on every CPU",
      collect,
      [],
    )
    .option(
      '--memory-model <model>',
      "sc (sequential consistency) | tso (x86-TSO: a FIFO store buffer per CPU, drains explored as steps), replacing each row's own",
    )
    .option(
      '--store-buffer <n>',
      `x86-TSO: the store-buffer depth per CPU, a bound (default ${DEFAULT_STORE_BUFFER}; implies --memory-model tso)`,
      parseIntOption('--store-buffer', 1),
    )
    .addOption(
      new Option(
        '--strategy <name>',
        `search strategy: ${STRATEGIES.join(' | ')} (default: auto, the reduced dfs with delay- and preemption-bounded searches beside it)`,
      ),
    )
    .option(
      '--preemptions <k>',
      'bounded: try preemption bounds 0, 1, … up to k',
      parseIntOption('--preemptions', 0),
      DEFAULT_PREEMPTIONS,
    )
    .option(
      '--delays <d>',
      'delay: try delay bounds 0, 1, … up to d (departures from a round-robin schedule)',
      parseIntOption('--delays', 0),
      DEFAULT_DELAYS,
    )
    .option('--depth <d>', 'pct: the bug depth d (d−1 priority change points)', parseIntOption('--depth', 1), DEFAULT_PCT_DEPTH)
    .option('--seed <n>', 'seed for pct, random and portfolio', parseIntOption('--seed', 0), 1)
    .option('--runs <n>', 'executions for pct and random (each, in a portfolio)', parseIntOption('--runs', 1), 1000)
    .option('--no-shrink', 'save the counterexample as found, without minimizing it')
    .option('--max-executions <n>', 'stop after this many executions (verdict incomplete)', parseIntOption('--max-executions', 1))
    .option('--max-time <seconds>', 'stop after this long (verdict incomplete)', parseIntOption('--max-time', 1))
    .option(
      '--max-steps <n>',
      'longest execution: a livelock when that invariant is checked, else the execution is cut (verdict incomplete)',
      parseIntOption('--max-steps', 1),
    )
    .option(
      '--max-memory <MiB>',
      "stop (verdict incomplete) when the process's memory passes this (default: 80% of the machine's; the heap limit is always watched)",
      parseIntOption('--max-memory', 1),
    )
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
      parseWorkersOption,
    )
    .option(
      '--jobs <n>',
      'the rows of a table: run n at once, each on its own thread (default: one per core; same output for every n)',
      parseJobsOption,
    )
    .option('--shard <i/n>', 'search only shard i of n of the slices and write a shard file for `merge`')
    .option('--shard-out <file>', 'where --shard writes its result (default <out-dir>/shard-i-of-n.json)')
    .option(
      '--report <file>',
      'also write a Markdown report for a pull-request comment: the table, and the race of each violation',
    )
    .option(
      '--checkpoint <file>',
      'split the search into slices (as --workers) and save its progress in this file after each slice and when it is interrupted',
    )
    .option('--resume <file>', 'go on with the search a checkpoint file holds, to the result the uninterrupted search gives')
    .action(async (names: string[], o: CheckInput, cmd: Command) =>
      setExit(
        o.compare
          ? await (await import('./compare.ts')).compareCommand(names, o)
          : await (await import('./check.ts')).checkCommand(names, { ...o, given: givenOptions(cmd, o) }),
      ),
    );

  p.command('litmus')
    .description(
      "litmus tests (.litmus files in the C format of the kernel's tools/memory-model, or litmus/ built-ins): Never or Sometimes under each memory model, with a witness trace",
    )
    .argument('<test...>', 'litmus files (litmus/SB.litmus) or built-in litmus scenarios (litmus/SB)')
    .option('--memory-model <model>', 'only this memory model: sc | tso (default: both)')
    .option(
      '--store-buffer <n>',
      'x86-TSO: the store-buffer depth per CPU (implies --memory-model tso)',
      parseIntOption('--store-buffer', 1),
    )
    .option('--out-dir <dir>', 'where witness traces go', 'ptrace-mc-out')
    .option('--json', 'one JSON object per test and memory model')
    .action(async (files: string[], o) => setExit(await (await import('./litmus.ts')).litmusCommand(files, o)));

  p.command('merge')
    .description('combine the shard files of every shard of one search into the result a single run gives')
    .argument('<files...>', 'shard files written by check --shard')
    .option('--trace-out <file>', 'where to write the counterexample trace')
    .option('--out-dir <dir>', 'where the trace goes when --trace-out is not given', 'ptrace-mc-out')
    .option('--json', 'print the result as JSON')
    .option('--timing', 'include wall time in JSON output')
    .option('--report <file>', 'also write a Markdown report for a pull-request comment')
    .action(async (files: string[], o: MergeFlags) => setExit(await (await import('./shard.ts')).mergeCommand(files, o)));

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
    .action(async (names: string[], o: CoverageFlags) =>
      setExit(await (await import('./coverage.ts')).coverageCommand(names, o)),
    );

  p.command('replay')
    .description('re-run a trace; exit 1 when its violation reproduces, 2 when it does not')
    .argument('<file>', 'trace file (ptrace-mc/trace@1)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o) => setExit(await (await traceCommands()).replayCommand(file, o)));

  p.command('render')
    .description('print a trace: per-CPU text timeline, Mermaid diagram, Perfetto JSON or a self-contained HTML page')
    .argument('<file>', 'trace file')
    .option('--format <fmt>', FORMATS.join(' | '), 'text')
    .option('--story', 'mermaid: only the steps of the race (explain), with arrows between CPUs')
    .action(async (file: string, o) => setExit(await (await traceCommands()).renderCommand(file, o)));

  p.command('shrink')
    .description('re-minimize a saved trace (fewest preemptions, then fewest steps) and rewrite it')
    .argument('<file>', 'trace file')
    .option('--out <file>', 'write the shrunk trace here instead of over FILE')
    .action(async (file: string, o) => setExit(await (await traceCommands()).shrinkCommand(file, o)));

  p.command('explain')
    .description('how the violation came about: the race, in a few steps (--full: its whole happens-before slice)')
    .argument('<file>', 'trace file')
    .option('--full', 'every step the violation depends on (its happens-before slice)')
    .option('--json', 'the story, its edges and the slice as JSON')
    .action(async (file: string, o) => setExit(await (await traceCommands()).explainCommand(file, o)));

  return p;
}

/** Runs the CLI; returns the exit status. Every error is one line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.holds;
  try {
    await program((c) => {
      code = c;
    }).parseAsync(argv as string[], { from: 'user' });
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
    // a row's thread out of heap: as the launcher says it of the one search thread
    if (e instanceof RowsOutOfMemory) {
      process.stderr.write(`ptrace-mc: ${e.message}\n`);
      return EXIT.incomplete;
    }
    // a budget for a source the model lacks, from a file the commands did not check themselves
    if (isBadInput(e)) {
      process.stderr.write(`ptrace-mc: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    const err = e as Error;
    process.stderr.write(`ptrace-mc: internal error: ${err.message.split('\n')[0]}\n`);
    if (process.env.PTRACE_MC_DEBUG) process.stderr.write(`${err.stack}\n`);
    return EXIT.usage;
  }
}
